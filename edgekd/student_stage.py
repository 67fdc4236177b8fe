"""The distill stage as one library call: student shape for the task, embedding init, teacher dev scores, training.

Both `edgekd distill` and `edgekd build` go through `train_student`, so a build and a hand-run produce the
same student for the same settings.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .distill import DistillConfig, distill
from edgekd_contract.checkpoint import StudentConfig
from .student.data import TrainRows
from .student.embeddings import teacher_dir_files, teacher_embedding_table
from .tasks import Dataset, Task
from .teacher.config import TEACHER


def student_config(task: Task, embed_dim: int = 128, hidden_size: int | None = None, mlp_size: int | None = None,
                   dropout: float = 0.1, max_length: int = 64) -> StudentConfig:
    """Paper sizes by default: 150/200 for single sentences, 300/400 for pairs (vocab_size is set by training)."""
    return StudentConfig(kind="siamese_bilstm" if task.pair else "bilstm", task=task.name,
                         labels=task.label_names,
                         embed_dim=embed_dim, hidden_size=hidden_size or (300 if task.pair else 150),
                         mlp_size=mlp_size or (400 if task.pair else 200), dropout=dropout, max_length=max_length)


def teacher_dev_logits(teacher_dir: Path, task: Task, dev: Dataset, log=print) -> np.ndarray | None:
    """The teacher's dev logits when it has a head for this task (a fresh head would mean nothing)."""
    from .teacher.model import load_teacher, teacher_logits

    conf = json.loads((teacher_dir / "config.json").read_text())
    if not any(a.endswith("ForSequenceClassification") for a in conf.get("architectures") or []):
        log(f"note: {teacher_dir} has no classification head; teacher dev score skipped")
        return None
    teacher = load_teacher(str(teacher_dir), task.num_labels, device="cpu", labels=task.labels)
    if not teacher.has_head:
        log(f"note: {teacher_dir} has no head for {task.name}; teacher dev score skipped")
        return None
    return teacher_logits(teacher, dev.texts, dev.text_pairs, max_length=TEACHER.max_length)


def train_student(task: Task, rows: TrainRows, dev: Dataset, out: str | Path, *, teacher: str | None,
                  cfg: DistillConfig, scfg: StudentConfig, teacher_dev: bool = True, threads: int | None = None,
                  progress: bool = True, provenance: dict | None = None, log=print) -> dict[str, Any]:
    """Train one student (distilled, or gold-only when cfg.loss == "ce") and return its metrics record."""
    tdir = teacher_dir_files(teacher)
    embed_init = cfg.embed_init
    table = teacher_embedding_table(tdir) if embed_init == "teacher" or Path(embed_init).is_file() else None
    dev_teacher = teacher_dev_logits(tdir, task, dev, log=log) if teacher_dev else None
    return distill(cfg, scfg, rows, dev, out, tokenizer_file=tdir / "tokenizer.json", metric=task.metric,
                   embedding_table=table, dev_teacher_logits=dev_teacher,
                   provenance={"teacher": str(tdir), **(provenance or {})}, threads=threads, progress=progress)


def summary_line(task: Task, rec: dict[str, Any]) -> str:
    """One readable line about a trained student."""
    best = rec.get("dev", {})
    line = (f"student {task.name} ({rec['mode']}): dev {task.metric}={best.get(task.metric, float('nan')):.4f} "
            f"accuracy={best.get('accuracy', float('nan')):.4f} at epoch {rec.get('best_epoch')}; "
            f"{rec['train_rows']} train rows, {rec['examples_per_s']:.0f} ex/s, "
            f"params {rec['params']['total']:,} ({rec['params']['without_embeddings']:,} without embeddings), "
            f"vocab {rec['vocab']['size']} (dev coverage {rec['vocab']['dev_coverage']:.3f})")
    if "teacher_dev" in rec:
        line += f"; teacher dev {task.metric}={rec['teacher_dev'][task.metric]:.4f}"
    return line
