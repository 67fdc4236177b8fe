"""Train one sweep point (the build's cached logits and transfer set, the point's shape, pruning and seed) and
export one bundle of it (one quantization preset). Each returns the small record the sweep keeps."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ..distill.config import DistillConfig
from ..student.data import TrainRows
from ..student_stage import StudentShape, student_config, train_student
from ..tasks import Dataset, Task
from .grid import FP32, ExportPoint, TrainPoint


def point_config(base: DistillConfig, point: TrainPoint) -> DistillConfig:
    """The build's training settings with the point's pruning threshold and seed."""
    return replace(base, min_count=point.min_count, seed=point.seed)


def point_shape(base: StudentShape, point: TrainPoint) -> StudentShape:
    """The build's student shape with the point's family, hidden size and embedding dim (dropout and length kept;
    the MLP too within the build's family, another family's default otherwise)."""
    if point.family != base.family:
        base = replace(base, family=point.family, mlp_size=None)
    return replace(base, hidden_size=point.hidden or None, embed_dim=point.embed)


def train_point(point: TrainPoint, task: Task, rows: TrainRows, dev: Dataset, out: Path, *, teacher: Path,
                cfg: DistillConfig, shape: StudentShape, threads: int | None, progress: bool) -> dict[str, Any]:
    """Train the point's student into `out`/student; its record (dev score, size, how training ended)."""
    rec = train_student(task, rows, dev, out / "student", teacher=str(teacher), cfg=point_config(cfg, point),
                        scfg=student_config(task, point_shape(shape, point)), teacher_dev=False, threads=threads,
                        progress=progress, log=lambda m: None)
    last = rec["history"][-1] if rec["history"] else {}
    return {"point": point.id, "family": point.family, "hidden": point.hidden, "embed": point.embed, "min_count": point.min_count,
            "seed": point.seed, "metric": task.metric, "dev": rec["dev"][task.metric],
            "best_epoch": rec.get("best_epoch"), "epochs_done": last.get("epoch"), "stopped": rec.get("stopped"),
            "train_seconds": rec["train_seconds"], "examples_per_s": rec["examples_per_s"],
            "params": rec["params"], "vocab_size": rec["vocab"]["size"],
            "dev_coverage": rec["vocab"]["dev_coverage"], "threads": rec["threads"]}


def export_point(point: ExportPoint, checkpoint: Path, out: Path, dev: Dataset, metric: str) -> dict[str, Any]:
    """Export the trained point to `out`/bundle with its preset; its record (dev score of the bundle, bytes).

    Budgets are recorded, not enforced: a preset that loses accuracy is a result of the sweep, not an error."""
    from edgekd_exporters import Budgets

    from ..export import export_student

    int8 = point.quant != FP32
    bundle = out / "bundle"
    man = export_student(checkpoint, bundle, precision="int8" if int8 else "fp32",
                         quant=point.quant if int8 else "default", dev_data=dev, metric=metric,
                         budgets=Budgets(max_drop_points=None))
    m = man.metrics
    dev_score = (m["int8_vs_fp32_dev"]["int8"] if int8 else m["fp32_dev"])[metric]
    files = {f.path: (bundle / f.path).stat().st_size for f in man.files}
    return {"point": point.id, "train_point": point.train.id, "quant": point.quant, "bundle": str(bundle),
            "dev": dev_score, "fp32_dev": m["fp32_dev"][metric], "bundle_bytes": sum(files.values()),
            "model_bytes": sum(m["model_bytes"].values())}
