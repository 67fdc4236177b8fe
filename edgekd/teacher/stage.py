"""The teacher stage: evaluate a teacher that already has a head for the task, else fine-tune one."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from ..inputs import DataOptions
from ..tasks import Dataset, Task
from .config import FinetuneConfig
from .finetune import EVAL_FILE, evaluate_teacher, finetune
from .model import load_teacher


def run_teacher_stage(task: Task, train: Dataset, dev: Dataset, out_dir: str | Path, *,
                      teacher: str | None = None, cfg: FinetuneConfig = FinetuneConfig(),
                      device: str | None = None, force_finetune: bool = False, progress: bool = True) -> dict:
    """Return the eval record; `out_dir` then holds a fine-tuned HF teacher (or eval.json pointing at it)."""
    out = Path(out_dir)
    t = load_teacher(teacher, task.num_labels, device=device, labels=task.labels)
    if t.has_head and not force_finetune:
        record = {"task": task.name, "metric": task.metric, "fine_tuned": False, "source": t.source,
                  "best": evaluate_teacher(t, task, dev, cfg.max_length, bf16=cfg.bf16),
                  "dev_data_sha256": dev.fingerprint(), "device": str(t.device)}
        out.mkdir(parents=True, exist_ok=True)
        t.model.save_pretrained(out, safe_serialization=True)
        t.tokenizer.save_pretrained(out)
        (out / EVAL_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        return record
    record = finetune(t, task, train, dev, out, cfg, progress=progress)
    record["fine_tuned"] = True
    (out / EVAL_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record


def run_teacher(data: DataOptions, out_dir: str | Path, *, teacher: str | None, cfg: FinetuneConfig,
                device: str | None = None, force_finetune: bool = False, threads: int | None = None
                ) -> tuple[Task, dict]:
    """`edgekd teacher`: load the task's data, then `run_teacher_stage`; (task, eval record)."""
    set_threads(threads)
    t, train, dev = data.load()
    return t, run_teacher_stage(t, train, dev, out_dir, teacher=teacher, cfg=cfg, device=device,
                                force_finetune=force_finetune)


def set_threads(threads: int | None) -> None:
    if threads:
        torch.set_num_threads(threads)
