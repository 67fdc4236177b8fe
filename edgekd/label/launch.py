"""`edgekd label` as one call: the label count, the teacher, the engine, then labelling."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from ..teacher.config import TEACHER
from .run import label_transfer_set
from .store import LogitsCache


class LabelCountUnknown(ValueError):
    """Neither the options, the transfer set's metadata nor the teacher's head tell the number of labels."""


def num_labels_for(num_labels: int | None, task: str | None, transfer: Path, teacher_src: str) -> int:
    """num_labels, else the task's, else the task in the transfer set's metadata, else the teacher's own head."""
    from ..augment.transfer import meta_path
    from ..tasks import get_task

    if num_labels:
        return num_labels
    if task:
        return get_task(task).num_labels
    mp = meta_path(transfer)
    if mp.is_file():
        name = json.loads(mp.read_text()).get("task")
        if name:
            return get_task(name).num_labels
    from transformers import AutoConfig

    cfg = AutoConfig.from_pretrained(teacher_src)
    if any(a.endswith("ForSequenceClassification") for a in cfg.architectures or []):
        return cfg.num_labels
    raise LabelCountUnknown("cannot tell the number of labels: pass --task or --num-labels")


def run_label(transfer: str | Path, out: str | Path, *, teacher: str | None, task: str | None = None,
              num_labels: int | None = None, max_length: int = TEACHER.max_length,
              max_tokens: int = TEACHER.max_tokens, chunk_rows: int = 4096, bf16: bool = False, rebuild: bool = False,
              limit: int | None = None, device: str | None = None, threads: int | None = None, seed: int = 0,
              progress: bool = True, engine=None, representation: bool = False,
              log: Callable[[str], None] = print) -> LogitsCache:
    """Load the teacher (a fresh head seeded by `seed` when it has none, with a note) and label `transfer` into
    `out` on `engine` (default: this process, on `device` with `threads` torch threads). For a `RayEngine`
    the teacher is loaded here on the CPU, to key the cache and to ship it to the actors."""
    import torch

    from ..teacher.locate import resolve_teacher
    from ..teacher.model import load_teacher
    from .engine import LocalEngine

    engine = engine or LocalEngine()
    if threads:
        torch.set_num_threads(threads)
    n_labels = num_labels_for(num_labels, task, Path(transfer), resolve_teacher(teacher))
    torch.manual_seed(seed)
    t = load_teacher(teacher, n_labels, device=device if isinstance(engine, LocalEngine) else "cpu")
    if not t.has_head:
        log(f"note: {t.source} has no fine-tuned head for {n_labels} labels; a fresh seeded head is used "
            "(fine for timing, not for distillation: fine-tune it with `edgekd teacher`)")
    return label_transfer_set(transfer, t, out, max_length=max_length, bf16=bf16, chunk_rows=chunk_rows,
                              rebuild=rebuild, progress=progress, max_tokens=max_tokens, limit=limit, engine=engine,
                              representation=representation)
