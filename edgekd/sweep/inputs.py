"""A finished `edgekd build` folder as the sweep's input: its task, teacher, transfer set, logits cache and distill
settings. Nothing in it is written; the teacher is not run again (its logits come from the cache)."""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from ..distill.config import DistillConfig
from ..student_stage import StudentShape
from ..tasks import DataError

NEEDED = ("build_config.json", "summary.json", "teacher/model", "augment/transfer.jsonl", "label/cache/cache.json")


@dataclass(frozen=True)
class BuildRun:
    """Paths and settings of one finished build."""

    root: Path
    task: str
    teacher: Path
    transfer: Path
    logits: Path
    distill: DistillConfig
    shape: StudentShape

    def with_training(self, epochs: int | None = None, time_budget_min: float | None = None) -> "BuildRun":
        """The build's distill settings with the sweep's overrides (None keeps the build's)."""
        d = self.distill
        if epochs is not None:
            d = replace(d, epochs=epochs)
        if time_budget_min is not None:
            d = replace(d, time_budget_min=time_budget_min if time_budget_min > 0 else None)
        return replace(self, distill=d)


def read_build(root: str | Path) -> BuildRun:
    """The build at `root`; a DataError naming what is missing when it is not a finished build."""
    root = Path(root)
    missing = [n for n in NEEDED if not (root / n).exists()]
    if missing:
        raise DataError(f"{root}: not a finished `edgekd build` folder (missing {', '.join(missing)}); "
                        "the sweep reuses a build's teacher logits")
    cfg = json.loads((root / "build_config.json").read_text())
    task = json.loads((root / "summary.json").read_text())["task"]
    return BuildRun(root=root, task=task, teacher=root / "teacher" / "model",
                    transfer=root / "augment" / "transfer.jsonl", logits=root / "label" / "cache",
                    distill=DistillConfig.from_dict(cfg["distill"]), shape=StudentShape(**cfg["student"]))
