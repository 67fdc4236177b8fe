"""The concrete chain behind `edgekd build`: teacher -> augment -> label -> distill (+ baseline) -> export ->
validate -> profile, each a content-hashed stage (see stages.py) over the library function of that step."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable

from ..inputs import DataOptions
from ..tasks import Dataset, Task
from .presets import BuildConfig, build_config
from .stages import Stage, StageResult, run_stages


@dataclass(frozen=True)
class BuildInputs:
    """What the build reads: the task, its data, the teacher, the device profile."""

    task: Task
    train: Dataset
    dev: Dataset
    teacher: str | None = None       # HF id / folder; None = the built-in MiniLM
    device: str = "cpu-2t"           # device profile for the profile stage
    threads: int | None = None
    progress: bool = True


def _teacher_dir(records: dict) -> str:
    return records["teacher"]["outputs"]["dir"]


def make_stages(cfg: BuildConfig, inp: BuildInputs, log: Callable[[str], None] = print) -> list[Stage]:
    task, train, dev = inp.task, inp.train, inp.dev
    data_fp = train.fingerprint() + dev.fingerprint()

    def run_teacher(d: Path, up: dict) -> dict:
        from ..teacher.stage import run_teacher_stage

        rec = run_teacher_stage(task, train, dev, d / "model", teacher=inp.teacher, cfg=cfg.finetune,
                                progress=inp.progress)
        return {"dir": str(d / "model"), "fine_tuned": bool(rec.get("fine_tuned")), "dev": rec["best"],
                "wall_s": rec.get("wall_s")}

    def run_augment(d: Path, up: dict) -> dict:
        from ..augment.transfer import build_transfer_set

        aug = cfg.augment.without_pos() if cfg.no_pos else cfg.augment
        meta = build_transfer_set(train, d / "transfer.jsonl", aug, cfg.augment_seed, tagger=None if cfg.no_pos else "auto",
                                  progress=inp.progress, task=task.name)
        return {"path": str(d / "transfer.jsonl"), "rows": meta["counts"]["written"], "counts": meta["counts"]}

    def run_label(d: Path, up: dict) -> dict:
        from ..label import label_transfer_set
        from ..label.store import StaleCache
        from ..teacher.model import load_teacher

        teacher = load_teacher(_teacher_dir(up), task.num_labels, labels=task.labels)
        kw = dict(max_length=cfg.label_max_length, bf16=cfg.label_bf16, progress=inp.progress)
        transfer = up["augment"]["outputs"]["path"]
        try:
            cache = label_transfer_set(transfer, teacher, d / "cache", **kw)
        except StaleCache as e:  # made for another teacher/file/setting: this stage reran because they changed
            log(f"[label] {e}; relabelling")
            cache = label_transfer_set(transfer, teacher, d / "cache", rebuild=True, **kw)
        return {"dir": str(d / "cache"), "rows": int(cache.key["rows"]), "labelled_now": int(cache.labelled),
                "dtype": cache.key.get("dtype")}

    def student(d: Path, up: dict, gold_only: bool) -> dict:
        from ..label import load_logits
        from ..student.data import TrainRows, read_transfer
        from ..student_stage import student_config, summary_line, train_student

        scfg = student_config(task, cfg.student)
        if gold_only:
            rows, dcfg = TrainRows.from_dataset(train), replace(cfg.distill, loss="ce", alpha=0.0)
        else:
            transfer = up["augment"]["outputs"]["path"]
            rows = read_transfer(transfer, task.pair).with_logits(load_logits(up["label"]["outputs"]["dir"], transfer))
            dcfg = cfg.distill
        rec = train_student(task, rows, dev, d / "student", teacher=_teacher_dir(up), cfg=dcfg, scfg=scfg,
                            threads=inp.threads, progress=inp.progress, log=log)
        log(summary_line(task, rec))
        return {"dir": str(d / "student"), "dev": rec.get("dev", {}), "teacher_dev": rec.get("teacher_dev"),
                "params": rec.get("params"), "train_rows": rec.get("train_rows"), "wall_s": rec.get("wall_s")}

    def run_export(d: Path, up: dict) -> dict:
        from edgekd_exporters import Budgets

        from ..export import export_student

        man = export_student(up["distill"]["outputs"]["dir"], d / "bundle", precision=cfg.precision, quant=cfg.quant,
                             dev_data=dev, metric=task.metric, budgets=Budgets(max_drop_points=cfg.max_drop))
        size = sum(f.bytes for f in man.files)
        return {"dir": str(d / "bundle"), "bytes": size, "default_model": man.default_model,
                "metrics": json.loads(json.dumps(man.metrics, default=str))}

    def run_validate(d: Path, up: dict) -> dict:
        """Load the bundle the way a device would (checksums verified) and re-score dev through the runtime."""
        from edgekd_runtime import Bundle

        from ..metrics import score

        bdir = up["export"]["outputs"]["dir"]
        b = Bundle.load(bdir)
        items = list(zip(dev.texts, dev.text_pairs)) if task.pair else list(dev.texts)
        pred = b.predict(items)
        got = score(task.metric, dev.labels, pred.label_ids)
        recorded = up["export"]["outputs"]["metrics"].get("int8_vs_fp32_dev", {}).get("int8", {})
        if recorded and abs(recorded.get(task.metric, got[task.metric]) - got[task.metric]) > 0.005:
            raise RuntimeError(f"runtime dev {task.metric} {got[task.metric]:.4f} differs from the export's "
                               f"{recorded[task.metric]:.4f}: the bundle does not behave as validated")
        (d / "validate.json").write_text(json.dumps({"runtime_dev": got, "export_dev": recorded}, indent=2) + "\n")
        return {"runtime_dev": got}

    def run_profile(d: Path, up: dict) -> dict:
        from ..devices.measure import MeasureConfig
        from ..devices.run import profile_to_files

        mcfg = MeasureConfig(latency_samples=30, student_latency_samples=300, rounds=3, references=(), rss=True,
                             throughput_rounds=2, min_round_s=0.1) if cfg.profile_quick else MeasureConfig()
        record, paths = profile_to_files(inp.device, up["export"]["outputs"]["dir"], _teacher_dir(up),
                                         task=task.name, out=d, cfg=mcfg, progress=lambda m: log(f"[profile] {m}"))
        return {"headline": record.get("headline"), "files": {k: str(v) for k, v in paths.items()}}

    stages = [
        Stage("teacher", {"teacher": inp.teacher or "builtin:minilm-l6", "finetune": cfg.finetune.to_dict(),
                          "task": task.name}, run_teacher, data=data_fp, artifacts=("model/config.json",)),
        Stage("augment", {"augment": cfg.augment.to_dict(), "seed": cfg.augment_seed, "no_pos": cfg.no_pos},
              run_augment, data=train.fingerprint(), artifacts=("transfer.jsonl",)),
        Stage("label", {"max_length": cfg.label_max_length, "bf16": cfg.label_bf16}, run_label,
              deps=("teacher", "augment"), artifacts=("cache/logits.npy",)),
        Stage("distill", {"distill": cfg.distill.to_dict(), "student": asdict(cfg.student)},
              lambda d, up: student(d, up, gold_only=False), deps=("teacher", "augment", "label"),
              data=dev.fingerprint(), artifacts=("student/model.safetensors",)),
    ]
    if cfg.baseline:
        stages.append(Stage("baseline", {"distill": replace(cfg.distill, loss="ce", alpha=0.0).to_dict(),
                                         "student": asdict(cfg.student)},
                            lambda d, up: student(d, up, gold_only=True), deps=("teacher",), data=data_fp,
                            artifacts=("student/model.safetensors",)))
    stages += [
        Stage("export", {"precision": cfg.precision, "quant": cfg.quant, "max_drop": cfg.max_drop}, run_export,
              deps=("distill",), data=dev.fingerprint(), artifacts=("bundle/manifest.json",)),
        Stage("validate", {}, run_validate, deps=("export",), data=dev.fingerprint(), artifacts=("validate.json",)),
    ]
    if cfg.profile:
        stages.append(Stage("profile", {"device": inp.device, "quick": cfg.profile_quick}, run_profile,
                            deps=("export", "teacher")))
    return stages


def run_build(data: DataOptions, out_dir: str | Path, *, preset: str = "quick", overrides: dict | None = None,
              teacher: str | None = None, device: str = "cpu-2t", threads: int | None = None, progress: bool = True,
              force: tuple[str, ...] = (), log: Callable[[str], None] = print) -> dict[str, Any]:
    """`edgekd build`: load the task's data, make the preset's BuildConfig with `overrides` (see
    `presets.build_config`), and run the chain."""
    from ..teacher.stage import set_threads

    set_threads(threads)
    t, train, dev = data.load()
    cfg = build_config(preset, t.pair, **(overrides or {}))
    inputs = BuildInputs(task=t, train=train, dev=dev, teacher=teacher, device=device, threads=threads,
                         progress=progress)
    return build(cfg, inputs, out_dir, log=log, force=force)


def build(cfg: BuildConfig, inp: BuildInputs, out_dir: str | Path, log: Callable[[str], None] = print,
          force: tuple[str, ...] = ()) -> dict[str, Any]:
    """Run the chain and return a summary (also written to OUT/summary.json)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "build_config.json").write_text(json.dumps(cfg.to_dict(), indent=2, sort_keys=True, default=str) + "\n")
    results = run_stages(make_stages(cfg, inp, log), out, log=log, force=force)
    summary = summarize(inp.task, results, dev=inp.dev, out=out)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n")
    return summary


def summarize(task: Task, results: dict[str, StageResult], dev: Dataset | None = None,
              out: Path | None = None) -> dict[str, Any]:
    """Teacher vs student metric, int8 drop, bundle size, latency ratio, where the bundle is, and (given the
    dev labels) a paired test of the distilled student against the no-distill baseline."""
    m = task.metric
    o = {k: r.record.get("outputs", {}) for k, r in results.items()}
    exp = o.get("export", {}).get("metrics", {})
    dev8 = exp.get("int8_vs_fp32_dev", {})
    s: dict[str, Any] = {
        "task": task.name, "metric": m,
        "teacher": o["teacher"]["dev"].get(m),
        "student_fp32": (o["distill"].get("dev") or {}).get(m),
        "student_int8": (dev8.get("int8") or {}).get(m),
        "int8_drop_points": dev8.get("drop_points"),
        "baseline_no_distill": (o.get("baseline", {}).get("dev") or {}).get(m),
        "bundle": o.get("export", {}).get("dir"), "bundle_bytes": o.get("export", {}).get("bytes"),
        "stages": {k: {"status": r.status, "reason": r.reason, "seconds": round(r.seconds, 1)}
                   for k, r in results.items()},
    }
    paired = _paired(o, dev, out)
    if paired:
        s["distill_vs_baseline"] = paired
    head = (o.get("profile") or {}).get("headline") or {}
    if head:
        s["student_p50_ms"] = head.get("latency_p50_ms")
        s["vs_teacher"] = head.get("vs", {})
    return s


def _paired(outputs: dict[str, dict], dev: Dataset | None, out: Path | None) -> dict[str, Any] | None:
    """Exact McNemar test, fp32 distilled student (A) vs the gold-label baseline (B), on their saved dev argmax.

    The checkpoints are found under the run folder (not the recorded paths, which are relative to wherever
    the first build ran); students trained before predictions were saved give no test (None)."""
    from edgekd_contract.checkpoint import load_dev_predictions

    from ..metrics import paired_comparison

    if dev is None or out is None or "baseline" not in outputs or "distill" not in outputs:
        return None
    a, b = (load_dev_predictions(Path(out) / k / "student") for k in ("distill", "baseline"))
    if a is None or b is None or not len(a) == len(b) == len(dev):
        return None
    return paired_comparison(dev.labels, a, b)


def summary_text(s: dict[str, Any]) -> str:
    """The final human summary printed by `edgekd build`."""
    def pct(x):
        return "n/a" if x is None else f"{100 * x:.2f}"

    drop = "n/a" if s["int8_drop_points"] is None else f"{s['int8_drop_points']:+.2f}"
    size = "n/a" if s["bundle_bytes"] is None else f"{s['bundle_bytes'] / 1e6:.2f} MB"
    lines = [f"== edgekd build: {s['task']} ({s['metric']}) ==",
             f"teacher            {pct(s['teacher'])}",
             f"student fp32       {pct(s['student_fp32'])}",
             f"student int8       {pct(s['student_int8'])}   (int8 drop {drop} points)",
             f"no-distill BiLSTM  {pct(s['baseline_no_distill'])}" + _paired_text(s.get("distill_vs_baseline")),
             f"bundle             {s['bundle']} ({size})"]
    if s.get("student_p50_ms") is not None:
        lines.append(f"student p50        {s['student_p50_ms']:.3f} ms (batch 1, tokenization included)")
    for base, c in (s.get("vs_teacher") or {}).items():
        if c.get("speedup_p50"):
            lines.append(f"speedup vs {base:8s} {c['speedup_p50']:.0f}x at batch 1")
    lines.append("stages: " + ", ".join(f"{k} {v['status']} ({v['seconds']}s)" for k, v in s["stages"].items()))
    return "\n".join(lines)


def _paired_text(p: dict[str, Any] | None) -> str:
    if not p:
        return ""
    return (f"   (dev rows only the student gets right: {p['a_only']}, only the baseline: {p['b_only']}; "
            f"exact McNemar p={p['p_value']:.3g})")
