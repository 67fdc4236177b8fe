"""Student families, the training side of the registry. A family is one module with the hooks of `StudentFamily`
plus one entry in `MODULES` here, one in the contract's `edgekd_contract.kinds.FAMILIES` (its kinds and
checkpoint tensors) and one in the exporter's `edgekd_exporters.families.FAMILIES` (its ONNX graph and default
quantization). Nothing else names a family: the CLI, the build chain, the training loop, checkpoints and export
only ever go through these registries (tests/edgekd/test_families.py checks it).
"""
from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any, Protocol

import numpy as np

from edgekd_contract.checkpoint import StudentConfig
from edgekd_contract.kinds import DEFAULT_FAMILY, KIND_FAMILY, family_of

# family name -> module implementing StudentFamily (imported on first use: the modules import torch).
# The first is the default family; the order is the CLI's.
MODULES: dict[str, str] = {
    "bilstm": "edgekd.student.bilstm",
    "transformer": "edgekd.student.transformer",
    "static": "edgekd.student.static",
}
assert next(iter(MODULES)) == DEFAULT_FAMILY and set(MODULES) == set(KIND_FAMILY.values()), "registries disagree"
NAMES: tuple[str, ...] = tuple(MODULES)     # the `--student` choices
# kind -> module, for every kind of the contract
FAMILIES: dict[str, str] = {kind: MODULES[name] for kind, name in KIND_FAMILY.items()}


class StudentFamily(Protocol):
    """What a family module provides. Models carry their StudentConfig as `model.cfg`.

    Required:  build, init_embeddings, word_embeddings, param_counts, flat_state_dict, load_flat_state_dict,
               student_config, RUNTIME_SCORE_TOLERANCE.
    Optional (see `hook` for the defaults): shape_key, build_preset, default_lr, student_init, distill_key.
    """

    RUNTIME_SCORE_TOLERANCE: float   # runtime dev score vs the export's, at most this far apart (build validate)

    def build(self, cfg: StudentConfig): ...                          # the torch module, freshly initialised
    def init_embeddings(self, model, table: np.ndarray) -> None: ...  # install the (V, E) initial word-piece table
    def word_embeddings(self, model): ...                             # the (V, E) word-piece Parameter
    def param_counts(self, model) -> dict[str, int]: ...              # {"total", "embedding", "without_embeddings"}
    def flat_state_dict(self, model) -> dict: ...                     # tensors under the checkpoint's names
    def load_flat_state_dict(self, model, tensors: dict) -> None: ...  # the inverse
    def student_config(self, task, shape) -> StudentConfig: ...       # config factory from a StudentShape
    def shape_key(self, key: dict) -> dict: ...                       # the StudentShape fields that key a build stage
    def build_preset(self, cfg, pair: bool, layers: int | None): ...  # a BuildConfig adapted to the family
    def default_lr(self, optimizer: str) -> float | None: ...         # `edgekd distill`'s lr when none is given
    def student_init(self, teacher_dir, cfg, layerwise, progress: bool): ...  # distill(student_init=...) or None
    def distill_key(self, cfg) -> dict: ...                           # extra BuildConfig parts of the distill key


_DEFAULTS: dict[str, Any] = {
    "shape_key": lambda key: key,
    "build_preset": lambda cfg, pair, layers: cfg,
    "default_lr": lambda optimizer: None,
    "student_init": lambda teacher_dir, cfg, layerwise, progress: None,
    "distill_key": lambda cfg: {},
}


def family_module(name: str) -> ModuleType:
    """The module of the family called `name` ("bilstm", ...)."""
    try:
        return import_module(MODULES[name])
    except KeyError:
        raise ValueError(f"unknown student family {name!r}; known: {', '.join(MODULES)}") from None


def family(kind: str) -> ModuleType:
    """The module of the family that builds students of `kind`."""
    try:
        return family_module(family_of(kind))
    except ValueError:
        raise ValueError(f"unknown student kind {kind!r}; known: {', '.join(FAMILIES)}") from None


def hook(name: str, attr: str):
    """Hook `attr` of the family called `name`, or the registry's default for an optional hook it lacks."""
    mod = family_module(name)
    if hasattr(mod, attr):
        return getattr(mod, attr)
    if attr in _DEFAULTS:
        return _DEFAULTS[attr]
    raise AttributeError(f"student family {name!r} ({mod.__name__}) lacks the required hook {attr!r}")


def build_student(cfg: StudentConfig):
    """A fresh torch student for `cfg` (its family's `build`)."""
    return family(cfg.kind).build(cfg)


def flat_state_dict(model) -> dict:
    return family(model.cfg.kind).flat_state_dict(model)


def load_flat_state_dict(model, tensors: dict) -> None:
    family(model.cfg.kind).load_flat_state_dict(model, tensors)
