"""The student checkpoint contract: StudentConfig, the on-disk layout, weights as numpy, and the crash-safe write.

The training core writes checkpoints through `write_checkpoint`; the exporters read them with `StudentConfig.read`
and `load_numpy_weights`. Torch-free. A student checkpoint is a directory:
  config.json            StudentConfig as JSON
  model.safetensors      weights named as the torch state_dict below, plus `vocab_map`
  tokenizer.json         the teacher's fast tokenizer (the student feeds on its word pieces)
  metrics.json           training metrics (best dev metric, epochs, examples/s, ...)
  dev_predictions.json   optional: the checkpoint's dev argmax, for paired comparisons with other models
No pickle anywhere.

Tensor names and shapes depend on the family (E = embed_dim, H = hidden_size, M = mlp_size, C = num_labels,
V = vocab_size, Vt = teacher_vocab_size): see each family's `tensors` in `edgekd_contract.kinds.FAMILIES`, the
registry of kinds. Every checkpoint holds `vocab_map`, int64 (Vt,): teacher id -> student id (unseen -> UNK_ID).
"""
from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from . import kinds as _kinds
from .fsutil import replace_dir

PAD_ID = 0   # student id of padding
UNK_ID = 1   # student id of [UNK], unseen word pieces and the teacher's [MASK]

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
METRICS_FILE = "metrics.json"
DEV_PREDICTIONS_FILE = "dev_predictions.json"
REQUIRED_FILES = (CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE)

KINDS = tuple(_kinds.KIND_FAMILY)   # every student kind, from the registry of families (`kinds.FAMILIES`)


@dataclass(frozen=True)
class StudentConfig:
    """Shape of a student of any registered family. Pure data: constructing one never touches disk."""

    kind: str = _kinds.DEFAULT_KIND
    task: str = "sst2"
    labels: tuple[str, ...] = ("0", "1")
    vocab_size: int = 2            # pruned student vocabulary, including PAD_ID and UNK_ID
    teacher_vocab_size: int = 30522
    embed_dim: int = 128
    hidden_size: int = 150         # per direction
    mlp_size: int = 200
    dropout: float = 0.1
    max_length: int = 64           # per sentence, in word pieces
    num_layers: int = 1            # transformer only: encoder layers
    num_heads: int = 1             # transformer only: attention heads (embed_dim % num_heads == 0)
    max_positions: int = 512       # transformer only: position-embedding rows (>= 2 * max_length + 3)

    def __post_init__(self) -> None:
        fam = _kinds.contract_family(self.kind)   # ValueError for an unknown kind
        for name in ("vocab_size", "teacher_vocab_size", "embed_dim", "hidden_size", "mlp_size", "max_length"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"StudentConfig.{name} must be >= 1")
        if len(self.labels) < 2:
            raise ValueError("StudentConfig.labels needs at least two labels")
        if fam.check is not None:
            fam.check(self)

    @property
    def num_labels(self) -> int:
        return len(self.labels)

    @property
    def pair(self) -> bool:
        return _kinds.is_pair(self.kind)

    @property
    def family(self) -> str:
        """The registered family of this kind (`edgekd_contract.kinds.FAMILIES`)."""
        return _kinds.family_of(self.kind)

    @property
    def feature_size(self) -> int:
        """Width of the pooled state the head reads (by family; 2H, or 4 * 2H for [h1, h2, h1*h2, |h1-h2|])."""
        return _kinds.contract_family(self.kind).feature_size(self)

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


def require_checkpoint(checkpoint_dir: str | Path) -> Path:
    """The checkpoint folder as a Path; FileNotFoundError naming the first missing file of the layout."""
    ckpt = Path(checkpoint_dir)
    for need in REQUIRED_FILES:
        if not (ckpt / need).is_file():
            raise FileNotFoundError(f"{ckpt / need}: missing; is {ckpt} an edgekd student checkpoint?")
    return ckpt


def load_numpy_weights(checkpoint_dir: str | Path) -> dict[str, np.ndarray]:
    """All tensors of a checkpoint as numpy arrays (torch-free: the exporters use this)."""
    from safetensors.numpy import load_file

    return load_file(str(Path(checkpoint_dir) / WEIGHTS_FILE))


def write_checkpoint(out_dir: str | Path, cfg: StudentConfig, weights: Mapping[str, np.ndarray],
                     tokenizer_file: str | Path, metrics: dict[str, Any] | None = None,
                     dev_predictions: np.ndarray | None = None) -> Path:
    """Write config.json, model.safetensors (`weights`, which include `vocab_map`), tokenizer.json (a copy of
    `tokenizer_file`), metrics.json and, given dev predictions, dev_predictions.json.

    Files are written to a temporary sibling and renamed, so an interrupted save never leaves a half checkpoint.
    """
    from safetensors.numpy import save_file

    out = Path(out_dir)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file({k: np.ascontiguousarray(v) for k, v in weights.items()}, str(tmp / WEIGHTS_FILE),
              metadata={"format": "pt", "kind": cfg.kind})
    (tmp / CONFIG_FILE).write_text(cfg.to_json())
    shutil.copyfile(tokenizer_file, tmp / TOKENIZER_FILE)
    (tmp / METRICS_FILE).write_text(json.dumps(metrics or {}, indent=2, sort_keys=True) + "\n")
    if dev_predictions is not None:
        (tmp / DEV_PREDICTIONS_FILE).write_text(json.dumps({"predictions": np.asarray(dev_predictions).tolist()}))
    replace_dir(tmp, out)
    return out


def load_dev_predictions(checkpoint_dir: str | Path) -> np.ndarray | None:
    """The dev argmax saved with a checkpoint, or None for checkpoints written without it."""
    path = Path(checkpoint_dir) / DEV_PREDICTIONS_FILE
    if not path.is_file():
        return None
    return np.asarray(json.loads(path.read_text())["predictions"], dtype=np.int64)
