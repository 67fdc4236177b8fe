"""The BiLSTM student family (Tang et al. 2019) and its siamese variant for sentence pairs, as torch modules.

Flat on purpose: embedding -> one bidirectional LSTM (packed, so padding never enters the recurrence)
-> max-pool over real time steps -> ReLU layer -> logits. The exporters rebuild exactly this graph in
ONNX from the safetensors weights, so any change here must be mirrored in `edgekd_exporters.graph`.

The family hooks the training loop and the build chain call through `edgekd.student.registry` are at the end:
`build`, `init_embeddings`, `param_counts`, `flat_state_dict`, `load_flat_state_dict`, the config factory
`student_config`, `shape_key` and `RUNTIME_SCORE_TOLERANCE`.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from edgekd_contract.checkpoint import PAD_ID, StudentConfig
from edgekd_contract.kinds import kind_for

from .table_hooks import (flat_state_dict, init_embeddings, load_flat_state_dict, param_counts,  # noqa: F401
                          word_embeddings)

FAMILY = "bilstm"
# How far `edgekd build`'s validate stage lets the runtime's int8 dev score sit from the exporter's. onnxruntime's
# dynamic int8 quantizes activations per tensor, so a row's logits depend on the rows batched with it, and the
# runtime batches by length while the exporter batches in file order. Measured on SST-2 dev, batch 1 vs the
# runtime's batches: BiLSTM int8 99.89% argmax agreement (max |dlogit| 0.06).
RUNTIME_SCORE_TOLERANCE = 0.005


class BiLSTMEncoder(nn.Module):
    """Token ids (student vocabulary) -> one sentence vector of width 2H by masked max-pooling."""

    def __init__(self, cfg: StudentConfig) -> None:
        super().__init__()
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.embed_dim, padding_idx=PAD_ID)
        self.lstm = nn.LSTM(cfg.embed_dim, cfg.hidden_size, num_layers=1, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        # ids: (B, T) int64, lengths: (B,) int64 >= 1
        x = self.dropout(self.embedding(ids))                                     # (B, T, E)
        if bool((lengths == ids.shape[1]).all()):
            # No padding in this batch (common with length-bucketed batches): packing would only cost time.
            y, _ = self.lstm(x)                                                   # (B, T, 2H)
            return y.max(dim=1).values
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        y, _ = self.lstm(packed)
        y, _ = pad_packed_sequence(y, batch_first=True, total_length=ids.shape[1])  # (B, T, 2H), zeros past length
        # Padding is zero after unpacking; zero would beat negative states in the max, so mask with -inf.
        mask = torch.arange(ids.shape[1], device=ids.device)[None, :] < lengths[:, None]  # (B, T)
        y = y.masked_fill(~mask[:, :, None], float("-inf"))
        return y.max(dim=1).values                                                # (B, 2H)


class BiLSTMClassifier(nn.Module):
    """Single-sentence student: encoder -> ReLU(M) -> logits(C)."""

    def __init__(self, cfg: StudentConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = BiLSTMEncoder(cfg)
        self.hidden = nn.Linear(cfg.feature_size, cfg.mlp_size)
        self.out = nn.Linear(cfg.mlp_size, cfg.num_labels)
        self.dropout = nn.Dropout(cfg.dropout)

    # Expose encoder weights under the flat checkpoint names (embedding.*, lstm.*).
    @property
    def embedding(self) -> nn.Embedding:
        return self.encoder.embedding

    def head(self, feats: torch.Tensor) -> torch.Tensor:
        return self.out(self.dropout(torch.relu(self.hidden(feats))))           # (B, C)

    def features(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The pooled sentence state the head reads, (B, F): what the representation loss projects."""
        return self.encoder(ids, lengths)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(ids, lengths))


class SiameseBiLSTMClassifier(BiLSTMClassifier):
    """Pair student: one shared encoder, f(h1, h2) = [h1, h2, h1*h2, |h1-h2|] -> ReLU(M) -> logits(C)."""

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor,  # type: ignore[override]
                ids_b: torch.Tensor, lengths_b: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(ids, lengths, ids_b, lengths_b))

    def features(self, ids: torch.Tensor, lengths: torch.Tensor,  # type: ignore[override]
                 ids_b: torch.Tensor, lengths_b: torch.Tensor) -> torch.Tensor:
        """[h1, h2, h1*h2, |h1-h2|], (B, 4 * 2H): the pair state the head reads."""
        # One encoder call over both sentences (2B rows) instead of two: same numbers, fewer sequential
        # LSTM steps (about 1.5x faster training on MRPC). Padding to the common width changes nothing.
        width = max(ids.shape[1], ids_b.shape[1])
        pad = lambda x: nn.functional.pad(x, (0, width - x.shape[1]), value=PAD_ID)  # noqa: E731
        h = self.encoder(torch.cat([pad(ids), pad(ids_b)]), torch.cat([lengths, lengths_b]))  # (2B, 2H)
        h1, h2 = h[:ids.shape[0]], h[ids.shape[0]:]                               # (B, 2H) each
        return siamese_features(h1, h2)


def siamese_features(h1: torch.Tensor, h2: torch.Tensor) -> torch.Tensor:
    """[h1, h2, h1*h2, |h1-h2|]: (B, D), (B, D) -> (B, 4D)."""
    return torch.cat([h1, h2, h1 * h2, (h1 - h2).abs()], dim=-1)


# ---- family hooks (see edgekd.student.registry) ----

def student_config(task, shape) -> StudentConfig:
    """The StudentConfig for `task` and a `StudentShape` (vocab_size is set by training): the paper's sizes by
    default, 150/200 for single sentences and 300/400 for pairs."""
    return StudentConfig(kind=kind_for(FAMILY, task.pair), task=task.name, labels=task.label_names,
                         embed_dim=shape.embed_dim, hidden_size=shape.hidden_size or (300 if task.pair else 150),
                         mlp_size=shape.mlp_size or (400 if task.pair else 200), dropout=shape.dropout,
                         max_length=shape.max_length)


def shape_key(key: dict) -> dict:
    """The StudentShape fields that key a BiLSTM's build stages: as before other families existed."""
    return {k: v for k, v in key.items() if k not in ("family", "num_layers", "num_heads")}


def build(cfg: StudentConfig) -> BiLSTMClassifier:
    """The module for `cfg.kind` ("bilstm" or "siamese_bilstm")."""
    return SiameseBiLSTMClassifier(cfg) if cfg.pair else BiLSTMClassifier(cfg)
