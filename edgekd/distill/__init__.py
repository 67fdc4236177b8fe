"""Distillation: train a student on teacher logits (or gold labels) and keep the best dev checkpoint.

    config   DistillConfig (torch-free)
    prepare  checks, tokenising once, the pruned vocabulary, the initial embedding table
    loop     the training loop (optimizer, LR schedule, batches) with an evaluate/checkpoint callback
    train    `distill(...)`: the one library entry (`edgekd distill` and `edgekd build` call it)

The student's architecture is reached only through `edgekd.student.registry` (build, embedding init, parameter
counts), so a new student family needs no change here. Names are imported lazily: importing
`edgekd.distill.config` does not load torch.
"""
from __future__ import annotations

import importlib

_WHERE = {"DistillConfig": ".config", "OPTIMIZERS": ".config", "LR_SCHEDULES": ".config",
          "Encoded": ".prepare", "Prepared": ".prepare", "encode_split": ".prepare", "to_student_ids": ".prepare",
          "init_embeddings": ".prepare", "check_inputs": ".prepare", "prepare_data": ".prepare",
          "make_optimizer": ".loop", "lr_factor": ".loop", "predict_logits": ".loop", "train_loop": ".loop",
          "distill": ".train"}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
