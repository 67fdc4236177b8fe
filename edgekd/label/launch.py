"""`edgekd label` as one call: the shard and device under torchrun, the label count, the teacher, then labelling."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

from ..teacher.config import TEACHER
from .run import label_transfer_set
from .store import LogitsCache


class LabelCountUnknown(ValueError):
    """Neither the options, the transfer set's metadata nor the teacher's head tell the number of labels."""


def torchrun_shard(shard: tuple[int, int] | None, device: str | None) -> tuple[tuple[int, int] | None, str | None]:
    """Under torchrun (WORLD_SIZE > 1) and without an explicit shard: shard RANK/WORLD_SIZE, and cuda:LOCAL_RANK
    when no device is given and CUDA is present."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if shard is None and world > 1:                        # launched by torchrun: one shard per rank
        shard = (int(os.environ.get("RANK", "0")), world)
        if device is None:
            import torch

            if torch.cuda.is_available():
                device = f"cuda:{os.environ.get('LOCAL_RANK', '0')}"
    return shard, device


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
              shard: tuple[int, int] | None = None, limit: int | None = None, device: str | None = None,
              threads: int | None = None, seed: int = 0, progress: bool = True,
              log: Callable[[str], None] = print) -> tuple[LogitsCache, tuple[int, int] | None]:
    """Load the teacher (a fresh head seeded by `seed` when it has none, with a note) and label `transfer` into
    `out` (or its torchrun shard); returns the cache and the shard labelled."""
    import torch

    from ..teacher.locate import resolve_teacher
    from ..teacher.model import load_teacher

    shard, device = torchrun_shard(shard, device)
    if threads:
        torch.set_num_threads(threads)
    n_labels = num_labels_for(num_labels, task, Path(transfer), resolve_teacher(teacher))
    torch.manual_seed(seed)
    t = load_teacher(teacher, n_labels, device=device)
    if not t.has_head:
        log(f"note: {t.source} has no fine-tuned head for {n_labels} labels; a fresh seeded head is used "
            "(fine for timing, not for distillation: fine-tune it with `edgekd teacher`)")
    cache = label_transfer_set(transfer, t, out, max_length=max_length, bf16=bf16, chunk_rows=chunk_rows,
                               rebuild=rebuild, shard=shard, progress=progress, max_tokens=max_tokens, limit=limit)
    return cache, shard
