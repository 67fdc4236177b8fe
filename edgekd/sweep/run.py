"""The whole sweep: train the grid's missing points, export the missing bundles, measure every bundle in one pass,
write the report. Each finished point is recorded at once, so a rerun after a kill resumes where it stopped."""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

from edgekd_contract.fsutil import write_json_atomic

from .grid import GridSpec
from .inputs import BuildRun, read_build
from .store import SweepFolder

PER_POINT = ("seed", "min_count", "hidden_size", "embed_dim")   # set by each point, not shared


@dataclass(frozen=True)
class SweepOptions:
    grid: GridSpec = GridSpec()
    epochs: int | None = None             # None: the build's
    time_budget_min: float | None = None  # per point; None: the build's; 0: none
    max_minutes: float | None = None      # start no new point after this many minutes
    threads: int | None = None            # torch threads while training
    measure: bool = True
    measure_only: bool = False
    measure_threads: tuple[int, ...] = (1, 2)
    rounds: int = 2
    iters: int = 1000
    min_seconds: float = 1.0             # throughput: time each thread count at least this long per round
    data_dir: str | None = None
    progress: bool = True


def shared_config(build: BuildRun) -> dict[str, Any]:
    """What every point of one sweep folder must share: the build and the training settings but the point's own."""
    d = {k: v for k, v in build.distill.to_dict().items() if k not in PER_POINT}
    s = {k: v for k, v in asdict(build.shape).items() if k not in PER_POINT}
    return {"build": str(build.root.resolve()), "task": build.task, "distill": d, "student": s}


def run_sweep(build_dir: str | Path, out: str | Path, opts: SweepOptions,
              log: Callable[[str], None] = print) -> dict[str, Any]:
    """Train, export, measure, report; the sweep record (also written as <out>/sweep.json)."""
    from ..tasks import get_task, load_split

    build = read_build(build_dir).with_training(opts.epochs, opts.time_budget_min)
    task = get_task(build.task)
    dev = load_split(task, "dev", opts.data_dir)
    folder = SweepFolder(out)
    if not opts.measure_only:
        folder.check_config(shared_config(build))
        train_all(build, task, dev, folder, opts, log)
        export_all(task, dev, folder, opts, log)
    measured = None
    if opts.measure or opts.measure_only:
        measured = measure_all(folder, dev, opts, log)
    elif folder.measure_path.is_file():
        measured = json.loads(folder.measure_path.read_text())
    return report(build, folder, measured)


def train_all(build: BuildRun, task, dev, folder: SweepFolder, opts: SweepOptions, log) -> None:
    from .steps import train_point

    points = opts.grid.train_points()
    deadline = None if opts.max_minutes is None else time.monotonic() + 60 * opts.max_minutes
    rows = None
    for i, p in enumerate(points, 1):
        d = folder.train_dir(p.id)
        done = folder.record(d)
        if done is not None:
            log(f"train [{i}/{len(points)}] {p.id}: done earlier (dev {100 * done['dev']:.2f})")
            continue
        if deadline is not None and time.monotonic() > deadline:
            log(f"train [{i}/{len(points)}] {p.id}: not started, --max-minutes reached (rerun to resume)")
            continue
        if rows is None:
            rows = _rows(build, task)
        rec = train_point(p, task, rows, dev, folder.fresh(d), teacher=build.teacher, cfg=build.distill,
                          shape=build.shape, threads=opts.threads, progress=opts.progress)
        folder.finish(d, rec)
        log(f"train [{i}/{len(points)}] {p.id}: dev {100 * rec['dev']:.2f} after {rec['epochs_done']} epochs "
            f"({rec['stopped']}, {rec['train_seconds']:.0f} s), vocab {rec['vocab_size']:,}")


def _rows(build: BuildRun, task):
    from ..student_stage import training_rows

    return training_rows(task, None, build.transfer, build.logits)[0]


def export_all(task, dev, folder: SweepFolder, opts: SweepOptions, log) -> None:
    """Export every trained grid point with each preset (points not trained, e.g. after --max-minutes, wait)."""
    from .steps import export_point

    points = opts.grid.export_points()
    for i, p in enumerate(points, 1):
        ckpt = folder.train_dir(p.train.id)
        d = folder.export_dir(p.id)
        if folder.record(d) is not None or folder.record(ckpt) is None:
            continue
        rec = export_point(p, ckpt / "student", folder.fresh(d), dev, task.metric)
        rec["bundle"] = str(Path(rec["bundle"]).relative_to(folder.root))
        folder.finish(d, rec)
        log(f"export [{i}/{len(points)}] {p.id}: dev {100 * rec['dev']:.2f}, {rec['bundle_bytes']:,} bytes")


def measure_all(folder: SweepFolder, dev, opts: SweepOptions, log) -> dict[str, Any]:
    """Measure every exported bundle of the folder (not only this grid's) in one pass; saved as measure.json."""
    from .timing import measure_bundles

    bundles = {e["point"]: folder.root / e["bundle"] for e in folder.records("export")}
    if not bundles:
        raise ValueError(f"{folder.root}: no exported bundles to measure")
    src = Path(dev.source)
    m = measure_bundles(bundles, threads=opts.measure_threads, rounds=opts.rounds, iters=opts.iters,
                        texts=src if src.is_file() else None, min_seconds=opts.min_seconds, log=log)
    write_json_atomic(folder.measure_path, m)
    return m


def report(build: BuildRun, folder: SweepFolder, measured: dict | None) -> dict[str, Any]:
    from .report import sweep_rows, write_report

    rows = sweep_rows(folder.records("train"), folder.records("export"),
                      (measured or {}).get("per_point", {}))
    cfg = folder.root / "sweep_config.json"
    record = {"build": str(build.root), "task": build.task,
              "config": json.loads(cfg.read_text()) if cfg.is_file() else shared_config(build),
              "rows": rows, "measure": measured}
    write_report(folder.root, record, f"edgekd sweep: {build.task} dev, from {build.root.name}")
    return record
