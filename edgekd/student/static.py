"""The static student family: the teacher-initialised word-piece table, pooled, then a small MLP (the model2vec
idea, trained Tang's way: every weight, the table included, distilled on the teacher's logits over the transfer
set). No recurrence and no attention, so it is the fast end of the front.

    ids (B, T) -> embedding (B, T, E) -> [mean, max] over the real tokens (B, 2E) -> ReLU(M) -> logits (C)
    pairs: one shared encoder, [u, v, u*v, |u-v|] of the two sentences' (B, 2E) states -> (B, 8E) -> ReLU -> logits

The exporter rebuilds exactly this graph from the checkpoint (`edgekd_exporters.static_student`). The family hooks
`edgekd.student.registry` calls are at the end.
"""
from __future__ import annotations

import torch
from torch import nn

from edgekd_contract.checkpoint import PAD_ID, StudentConfig
from edgekd_contract.kinds import kind_for

from .table_hooks import (flat_state_dict, init_embeddings, load_flat_state_dict, param_counts,  # noqa: F401
                          word_embeddings)

FAMILY = "static"
DEFAULT_EMBED_DIM = 384   # the MiniLM teacher's width: its table as-is, no PCA
DEFAULT_MLP_SIZE = 256
# Validate stage: runtime vs export int8 dev score. Only the embedding rows are int8 (per-row scales, dequantized
# before any arithmetic) and the MatMuls are fp32, so a row's logits do not depend on its batch mates.
RUNTIME_SCORE_TOLERANCE = 0.002


class StaticEncoder(nn.Module):
    """Token ids (student vocabulary) -> one sentence vector of width 2E: [masked mean, masked max]."""

    def __init__(self, cfg: StudentConfig) -> None:
        super().__init__()
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.embed_dim, padding_idx=PAD_ID)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        # ids: (B, T) int64, lengths: (B,) int64 >= 1 (the encoding rule gives an empty text one piece)
        x = self.dropout(self.embedding(ids))                                        # (B, T, E)
        mask = torch.arange(ids.shape[1], device=ids.device)[None, :] < lengths[:, None]  # (B, T)
        m = mask.unsqueeze(-1)
        mean = (x * m.to(x.dtype)).sum(dim=1) / lengths.to(x.dtype).unsqueeze(-1)   # (B, E)
        mx = x.masked_fill(~m, float("-inf")).max(dim=1).values                       # (B, E)
        return torch.cat([mean, mx], dim=-1)                                          # (B, 2E)


class StaticClassifier(nn.Module):
    """Single-sentence static student: encoder -> ReLU(M) -> logits(C)."""

    def __init__(self, cfg: StudentConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = StaticEncoder(cfg)
        self.hidden = nn.Linear(cfg.feature_size, cfg.mlp_size)
        self.out = nn.Linear(cfg.mlp_size, cfg.num_labels)
        self.dropout = nn.Dropout(cfg.dropout)

    @property
    def embedding(self) -> nn.Embedding:
        return self.encoder.embedding

    def head(self, feats: torch.Tensor) -> torch.Tensor:
        return self.out(self.dropout(torch.relu(self.hidden(feats))))               # (B, C)

    def features(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The pooled sentence state the head reads, (B, 2E): what the representation loss projects."""
        return self.encoder(ids, lengths)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(ids, lengths))


class SiameseStaticClassifier(StaticClassifier):
    """Pair static student: one shared encoder, [u, v, u*v, |u-v|] -> ReLU(M) -> logits(C)."""

    def forward(self, ids, lengths, ids_b, lengths_b):  # type: ignore[override]
        return self.head(self.features(ids, lengths, ids_b, lengths_b))

    def features(self, ids, lengths, ids_b, lengths_b):  # type: ignore[override]
        u, v = self.encoder(ids, lengths), self.encoder(ids_b, lengths_b)           # (B, 2E) each
        return torch.cat([u, v, u * v, (u - v).abs()], dim=-1)                      # (B, 8E)


# ---- family hooks (see edgekd.student.registry) ----

def student_config(task, shape) -> StudentConfig:
    """The StudentConfig for `task` and a StudentShape: the table at the teacher's width (384) unless the shape
    sets another embed_dim; `hidden_size` is the pooled width E (the contract's rule); MLP 256."""
    from ..student_stage import StudentShape

    width = shape.embed_dim if shape.embed_dim != StudentShape.embed_dim else DEFAULT_EMBED_DIM
    return StudentConfig(kind=kind_for(FAMILY, task.pair), task=task.name, labels=task.label_names,
                         embed_dim=width, hidden_size=width, mlp_size=shape.mlp_size or DEFAULT_MLP_SIZE,
                         dropout=shape.dropout, max_length=shape.max_length)


def shape_key(key: dict) -> dict:
    """No layers, no heads, and the hidden size is the embedding width: those fields do not key its stages."""
    return {k: v for k, v in key.items() if k not in ("num_layers", "num_heads", "hidden_size")}


def build_preset(cfg, pair: bool, layers: int | None = None):
    """The preset with a static student. A step costs a small fraction of a BiLSTM's, so it takes larger batches
    (128) and, within the same time cap, at least 6 epochs over the transfer set; with Adam at 2e-3 (a bag of
    embeddings has no recurrence to destabilise). Chosen on SST-2 dev (docs/students.md)."""
    from dataclasses import replace

    from ..student_stage import StudentShape

    d = replace(cfg.distill, epochs=max(cfg.distill.epochs, 6), batch_size=128,
                lr=2e-3 if cfg.distill.optimizer == "adam" else cfg.distill.lr)
    return replace(cfg, student=replace(StudentShape(family=FAMILY), dropout=cfg.student.dropout,
                                        max_length=cfg.student.max_length), distill=d)


def default_lr(optimizer: str) -> float | None:
    """`edgekd distill --student static` without --lr: Adam at 2e-3 (as the build preset)."""
    return 2e-3 if optimizer == "adam" else None


def build(cfg: StudentConfig) -> StaticClassifier:
    return SiameseStaticClassifier(cfg) if cfg.pair else StaticClassifier(cfg)
