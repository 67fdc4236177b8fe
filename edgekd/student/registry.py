"""Student families by `StudentConfig.kind`. A new family (e.g. a small Transformer) is one module with the hooks
of `StudentFamily` plus one entry in `FAMILIES` (and its kind in `edgekd_contract.checkpoint.KINDS` and an
exporter graph); the training loop, checkpoints and export only ever go through here."""
from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Protocol

import numpy as np

from edgekd_contract.checkpoint import StudentConfig

# kind -> module implementing StudentFamily (imported on first use: the modules import torch)
FAMILIES: dict[str, str] = {
    "bilstm": "edgekd.student.bilstm",
    "siamese_bilstm": "edgekd.student.bilstm",
    "transformer": "edgekd.student.transformer",
    "transformer_pair": "edgekd.student.transformer",
}


class StudentFamily(Protocol):
    """What a family module provides. Models carry their StudentConfig as `model.cfg`."""

    def build(self, cfg: StudentConfig): ...                          # the torch module, freshly initialised
    def init_embeddings(self, model, table: np.ndarray) -> None: ...  # install the (V, E) initial word-piece table
    def word_embeddings(self, model): ...                             # the (V, E) word-piece Parameter
    def param_counts(self, model) -> dict[str, int]: ...              # {"total", "embedding", "without_embeddings"}
    def flat_state_dict(self, model) -> dict: ...                     # tensors under the checkpoint's names
    def load_flat_state_dict(self, model, tensors: dict) -> None: ...  # the inverse


def family(kind: str) -> ModuleType:
    """The module of the family that builds students of `kind`."""
    try:
        return import_module(FAMILIES[kind])
    except KeyError:
        raise ValueError(f"unknown student kind {kind!r}; known: {', '.join(FAMILIES)}") from None


def build_student(cfg: StudentConfig):
    """A fresh torch student for `cfg` (its family's `build`)."""
    return family(cfg.kind).build(cfg)


def flat_state_dict(model) -> dict:
    return family(model.cfg.kind).flat_state_dict(model)


def load_flat_state_dict(model, tensors: dict) -> None:
    family(model.cfg.kind).load_flat_state_dict(model, tensors)
