"""What each stage of `edgekd build` runs: `step(ctx, stage_dir, upstream_records) -> outputs`, one function per
stage over the library call of that step. `chain.make_stages` binds them to a `Ctx` and lists them with their keys."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..profiling.hostprofile import HOST_PROFILE, write_host_profile
from ..tasks import Dataset, Task
from .presets import BuildConfig


@dataclass(frozen=True)
class BuildInputs:
    """What the build reads: the task, its data, the teacher, the device profile."""

    task: Task
    train: Dataset
    dev: Dataset
    teacher: str | None = None       # HF id / folder; None = the built-in MiniLM
    device: str = "host"             # device profile for the profile stage ("host": this machine, generated)
    threads: int | None = None
    progress: bool = True
    label_engine: object = None      # label.LocalEngine (None) or RayEngine: where the teacher labels; not keyed
    unlabeled: object = None         # augment.unlabeled.UnlabeledOptions: --unlabeled text (keyed by content hash)
    host: dict | None = None         # edgekd.host.HostPlan.to_dict(): recorded in build_config.json, not keyed


@dataclass(frozen=True)
class Ctx:
    """Everything a step reads besides its own folder and the upstream records."""

    cfg: BuildConfig
    inp: BuildInputs
    log: Callable[[str], None] = print

    @property
    def task(self) -> Task:
        return self.inp.task


def teacher_dir(records: dict) -> str:
    return records["teacher"]["outputs"]["dir"]


def teacher(ctx: Ctx, d: Path, up: dict) -> dict:
    from ..teacher.stage import run_teacher_stage

    rec = run_teacher_stage(ctx.task, ctx.inp.train, ctx.inp.dev, d / "model", teacher=ctx.inp.teacher,
                            cfg=ctx.cfg.finetune, progress=ctx.inp.progress)
    return {"dir": str(d / "model"), "fine_tuned": bool(rec.get("fine_tuned")), "dev": rec["best"],
            "wall_s": rec.get("wall_s")}


def augment(ctx: Ctx, d: Path, up: dict) -> dict:
    from ..augment.transfer import build_transfer_set

    cfg = ctx.cfg
    aug = cfg.augment.without_pos() if cfg.no_pos else cfg.augment
    meta = build_transfer_set(ctx.inp.train, d / "transfer.jsonl", aug, cfg.augment_seed,
                              tagger=None if cfg.no_pos else "auto", progress=ctx.inp.progress, task=ctx.task.name,
                              unlabeled=ctx.inp.unlabeled, exclude=ctx.inp.dev)
    if ctx.inp.unlabeled is not None:
        u = meta["counts"]["unlabeled"]
        ctx.log(f"[augment] unlabeled: {u['written']} of {u['lines']} lines added (+{u['augmented']} augmented); "
                f"{u['dup_train_or_earlier']} equal to a training or earlier row and {u['dup_dev']} to a dev row "
                "dropped")
    return {"path": str(d / "transfer.jsonl"), "rows": meta["counts"]["written"], "counts": meta["counts"]}


def label(ctx: Ctx, d: Path, up: dict) -> dict:
    from ..label import label_transfer_set
    from ..label.store import StaleCache
    from ..teacher.model import load_teacher

    engine = ctx.inp.label_engine
    t = load_teacher(teacher_dir(up), ctx.task.num_labels, labels=ctx.task.labels,
                     device="cpu" if engine is not None and engine.name != "local" else None)
    budget = ctx.cfg.label_time_budget_min
    kw = dict(max_length=ctx.cfg.label_max_length, bf16=ctx.cfg.label_bf16, progress=ctx.inp.progress, engine=engine,
              representation=bool(ctx.cfg.distill.repr_weight), time_budget_s=None if budget is None else 60 * budget)
    transfer = up["augment"]["outputs"]["path"]
    try:
        cache = label_transfer_set(transfer, t, d / "cache", **kw)
    except StaleCache as e:  # made for another teacher/file/setting: this stage reran because they changed
        ctx.log(f"[label] {e}; relabelling")
        cache = label_transfer_set(transfer, t, d / "cache", rebuild=True, **kw)
    got = int(cache.header.get("rows_labelled", cache.key["rows"]))
    if got < int(cache.key["rows"]):
        ctx.log(f"[label] time budget ({budget} min): {got} of {cache.key['rows']} transfer rows labelled; the student "
                "trains on those")
    return {"dir": str(d / "cache"), "rows": int(cache.key["rows"]), "rows_labelled": got,
            "labelled_now": int(cache.labelled), "dtype": cache.key.get("dtype")}


def student(ctx: Ctx, d: Path, up: dict, gold_only: bool) -> dict:
    """The distilled student, or (gold_only) the same student trained on the gold labels: the baseline."""
    from ..student.data import TrainRows
    from ..student_stage import student_config, summary_line, train_student, training_rows

    task, cfg = ctx.task, ctx.cfg
    if gold_only:
        rows = TrainRows.from_dataset(ctx.inp.train)
        dcfg = cfg.gold_distill()
    else:
        transfer, cache = up["augment"]["outputs"]["path"], up["label"]["outputs"]["dir"]
        rows, _ = training_rows(task, None, transfer, cache, reps=bool(cfg.distill.repr_weight))
        dcfg = cfg.distill
    rec = train_student(task, rows, ctx.inp.dev, d / "student", teacher=teacher_dir(up), cfg=dcfg,
                        scfg=student_config(task, cfg.student), threads=ctx.inp.threads, progress=ctx.inp.progress,
                        log=ctx.log, layerwise=cfg.layerwise)
    ctx.log(summary_line(task, rec))
    return {"dir": str(d / "student"), "dev": rec.get("dev", {}), "teacher_dev": rec.get("teacher_dev"),
            "params": rec.get("params"), "train_rows": rec.get("train_rows"), "wall_s": rec.get("wall_s")}


def export(ctx: Ctx, d: Path, up: dict) -> dict:
    from edgekd_exporters import Budgets

    from ..export import export_student

    cfg = ctx.cfg
    man = export_student(up["distill"]["outputs"]["dir"], d / "bundle", precision=cfg.precision, quant=cfg.quant,
                         dev_data=ctx.inp.dev, metric=ctx.task.metric, budgets=Budgets(max_drop_points=cfg.max_drop))
    size = sum(f.bytes for f in man.files)
    return {"dir": str(d / "bundle"), "bytes": size, "default_model": man.default_model,
            "metrics": json.loads(json.dumps(man.metrics, default=str))}


def check_runtime_score(metric: str, got: dict, recorded: dict, family: str) -> float:
    """The tolerance used (the family's RUNTIME_SCORE_TOLERANCE: how far the runtime's int8 dev score may sit from
    the one the exporter measured, since dynamic int8 logits move with their batch mates); raises if the runtime's
    dev score is further than it from the exporter's."""
    from ..student.registry import hook

    tol = hook(family, "RUNTIME_SCORE_TOLERANCE")
    if metric in recorded and abs(recorded[metric] - got[metric]) > tol:
        raise RuntimeError(f"runtime dev {metric} {got[metric]:.4f} differs from the export's {recorded[metric]:.4f} "
                           f"by more than {tol}: the bundle does not behave as validated")
    return tol


def validate(ctx: Ctx, d: Path, up: dict) -> dict:
    """Load the bundle the way a device would (checksums verified) and re-score dev through the runtime."""
    from edgekd_runtime import Bundle

    from ..metrics import score

    task, dev = ctx.task, ctx.inp.dev
    b = Bundle.load(up["export"]["outputs"]["dir"])
    items = list(zip(dev.texts, dev.text_pairs)) if task.pair else list(dev.texts)
    got = score(task.metric, dev.labels, b.predict(items).label_ids)
    recorded = up["export"]["outputs"]["metrics"].get("int8_vs_fp32_dev", {}).get("int8", {})
    tol = check_runtime_score(task.metric, got, recorded, ctx.cfg.student.family)
    (d / "validate.json").write_text(json.dumps({"runtime_dev": got, "export_dev": recorded, "tolerance": tol},
                                                indent=2) + "\n")
    return {"runtime_dev": got}


def profile(ctx: Ctx, d: Path, up: dict) -> dict:
    from ..profiling.harness import MeasureConfig
    from ..profiling.run import profile_to_files

    mcfg = MeasureConfig(latency_samples=30, student_latency_samples=300, rounds=3, references=(), rss=True,
                         throughput_rounds=2, min_round_s=0.1) if ctx.cfg.profile_quick else MeasureConfig()
    device = ctx.inp.device
    if device == HOST_PROFILE:
        from ..host import detect_host

        device = str(write_host_profile(d, detect_host(), ctx.inp.threads, ctx.cfg.quant))
    record, paths = profile_to_files(device, up["export"]["outputs"]["dir"], teacher_dir(up),
                                     task=ctx.task.name, out=d, cfg=mcfg, progress=lambda m: ctx.log(f"[profile] {m}"))
    return {"headline": record.get("headline"), "files": {k: str(v) for k, v in paths.items()}}
