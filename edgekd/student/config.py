"""StudentConfig and the on-disk student checkpoint layout (torch-free, so the exporters can read it).

A student checkpoint is a directory:
  config.json        StudentConfig as JSON
  model.safetensors  weights named as the torch state_dict below, plus `vocab_map`
  tokenizer.json     the teacher's fast tokenizer (the student feeds on its word pieces)
  metrics.json       training metrics (best dev metric, epochs, examples/s, ...)
No pickle anywhere.

Tensor names and shapes (E = embed_dim, H = hidden_size, M = mlp_size, C = num_labels, V = vocab_size,
Vt = teacher_vocab_size, F = 2H for "bilstm" and 8H for "siamese_bilstm"):
  vocab_map                      int64 (Vt,)   teacher id -> student id; unseen ids -> UNK_ID
  embedding.weight               (V, E)        row PAD_ID is all zeros
  lstm.weight_ih_l0              (4H, E)       PyTorch gate order i, f, g, o
  lstm.weight_hh_l0              (4H, H)
  lstm.bias_ih_l0, lstm.bias_hh_l0             (4H,)
  lstm.*_reverse                               the same for the backward direction
  hidden.weight (M, F), hidden.bias (M,)       ReLU layer over the max-pooled (or siamese) features
  out.weight (C, M), out.bias (C,)             logits
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

PAD_ID = 0   # student id of padding
UNK_ID = 1   # student id of [UNK], unseen word pieces and the teacher's [MASK]

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
METRICS_FILE = "metrics.json"

KINDS = ("bilstm", "siamese_bilstm")


@dataclass(frozen=True)
class StudentConfig:
    """Shape of a BiLSTM student. Pure data: constructing one never touches disk."""

    kind: str = "bilstm"
    task: str = "sst2"
    labels: tuple[str, ...] = ("0", "1")
    vocab_size: int = 2            # pruned student vocabulary, including PAD_ID and UNK_ID
    teacher_vocab_size: int = 30522
    embed_dim: int = 128
    hidden_size: int = 150         # per direction
    mlp_size: int = 200
    dropout: float = 0.1
    max_length: int = 64           # per sentence, in word pieces

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"StudentConfig.kind must be one of {KINDS}, got {self.kind!r}")
        for name in ("vocab_size", "teacher_vocab_size", "embed_dim", "hidden_size", "mlp_size", "max_length"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"StudentConfig.{name} must be >= 1")
        if len(self.labels) < 2:
            raise ValueError("StudentConfig.labels needs at least two labels")

    @property
    def num_labels(self) -> int:
        return len(self.labels)

    @property
    def pair(self) -> bool:
        return self.kind == "siamese_bilstm"

    @property
    def feature_size(self) -> int:
        """Width of the vector fed to the ReLU layer: 2H, or 4 * 2H for [h1, h2, h1*h2, |h1-h2|]."""
        return 2 * self.hidden_size * (4 if self.pair else 1)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["labels"] = list(self.labels)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "StudentConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown StudentConfig fields: {sorted(unknown)}")
        d = dict(d)
        if "labels" in d:
            d["labels"] = tuple(str(x) for x in d["labels"])
        return cls(**d)

    @classmethod
    def read(cls, checkpoint_dir: str | Path) -> "StudentConfig":
        return cls.from_dict(json.loads((Path(checkpoint_dir) / CONFIG_FILE).read_text()))
