"""The concrete chain behind `edgekd build`: teacher -> augment -> label -> distill (+ baseline) -> export ->
validate -> profile, each a content-hashed stage (see stages.py) over the library function of that step."""
from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any, Callable

from ..profiling.hostprofile import HOST_PROFILE
from ..inputs import DataOptions
from ..student.registry import hook as family_hook
from ..tasks import Dataset, Task
from . import steps
from .presets import BuildConfig, build_config
from .runner import Stage, StageResult, run_stages
from .steps import BuildInputs


def make_stages(cfg: BuildConfig, inp: BuildInputs, log: Callable[[str], None] = print) -> list[Stage]:
    """The stages of the chain, each with the config and data its key covers (see stages.py) and its step."""
    task, train, dev = inp.task, inp.train, inp.dev
    data_fp = train.fingerprint() + dev.fingerprint()
    ctx = steps.Ctx(cfg, inp, log)

    def step(fn, **kw):
        return partial(fn, ctx, **kw)

    aug_key = {"augment": cfg.augment.to_dict(), "seed": cfg.augment_seed, "no_pos": cfg.no_pos}
    aug_data = train.fingerprint() + dev.fingerprint()   # dev rows are kept out of the transfer set
    if inp.unlabeled is not None:
        aug_key["unlabeled"] = inp.unlabeled.key()       # the file's streamed sha256 and --augment-unlabeled
    label_key = {"max_length": cfg.label_max_length, "bf16": cfg.label_bf16}
    if cfg.label_time_budget_min is not None:
        label_key["time_budget_min"] = cfg.label_time_budget_min
    if cfg.distill.repr_weight:
        label_key["representation"] = True           # the cache also keeps the teacher's sentence representation
    stages = [
        Stage("teacher", {"teacher": inp.teacher or "builtin:minilm-l6", "finetune": cfg.finetune.to_dict(),
                          "task": task.name}, step(steps.teacher), data=data_fp, artifacts=("model/config.json",)),
        Stage("augment", aug_key, step(steps.augment), data=aug_data, artifacts=("transfer.jsonl",)),
        Stage("label", label_key, step(steps.label),
              deps=("teacher", "augment"), artifacts=("cache/logits.npy",)),
        Stage("distill", {"distill": cfg.distill.key_dict(), "student": cfg.student.key_dict(), **init_key(cfg),
                          **family_hook(cfg.student.family, "distill_key")(cfg)},
              step(steps.student, gold_only=False), deps=("teacher", "augment", "label"),
              data=dev.fingerprint(), artifacts=("student/model.safetensors",)),
    ]
    if cfg.baseline:
        stages.append(Stage("baseline", {"distill": cfg.gold_distill().key_dict(),
                                         "student": cfg.student.key_dict()},
                            step(steps.student, gold_only=True), deps=("teacher",), data=data_fp,
                            artifacts=("student/model.safetensors",)))
    stages += [
        Stage("export", {"precision": cfg.precision, "quant": cfg.quant, "max_drop": cfg.max_drop},
              step(steps.export), deps=("distill",), data=dev.fingerprint(), artifacts=("bundle/manifest.json",)),
        Stage("validate", {}, step(steps.validate), deps=("export",), data=dev.fingerprint(),
              artifacts=("validate.json",)),
    ]
    if cfg.profile:
        stages.append(Stage("profile", {"device": inp.device, "quick": cfg.profile_quick}, step(steps.profile),
                            deps=("export", "teacher")))
    return stages


def init_key(cfg: BuildConfig) -> dict:
    """With --init-from, the pre-distilled encoder's weights hash, so retraining it reruns distill."""
    if not cfg.distill.init_from:
        return {}
    from ..augment.unlabeled import file_sha256
    from edgekd_contract.checkpoint import WEIGHTS_FILE

    return {"init_from_sha256": file_sha256(Path(cfg.distill.init_from) / WEIGHTS_FILE)}


def run_build(data: DataOptions, out_dir: str | Path, *, preset: str = "quick", overrides: dict | None = None,
              teacher: str | None = None, device: str = HOST_PROFILE, threads: int | None = None, progress: bool = True,
              force: tuple[str, ...] = (), label_engine=None, unlabeled=None,
              log: Callable[[str], None] = print) -> dict[str, Any]:
    """`edgekd build`: load the task's data, make the preset's BuildConfig with `overrides` (see
    `presets.build_config`), and run the chain."""
    from ..teacher.stage import set_threads

    set_threads(threads)
    t, train, dev = data.load()
    cfg = build_config(preset, t.pair, **(overrides or {}))
    plan = host_plan(cfg, device, threads, label_engine)   # a profile that is not this host fails here, first
    log(plan.text())
    inputs = BuildInputs(task=t, train=train, dev=dev, teacher=teacher, device=device, threads=threads,
                         progress=progress, label_engine=label_engine, unlabeled=unlabeled, host=plan.to_dict())
    return build(cfg, inputs, out_dir, log=log, force=force)


def host_plan(cfg: BuildConfig, device: str, threads: int | None, label_engine=None):
    """This host's plan for the build (see edgekd.host); a named device profile is checked against the host
    now, before the first stage, unless the build has no profile stage."""
    from ..host import detect_host, plan_build_host

    if cfg.profile and device != HOST_PROFILE:
        from ..profiling import load_device_profile
        from ..profiling.run import check_host

        check_host(load_device_profile(device))
    engine = getattr(label_engine, "name", None) or "local"
    return plan_build_host(detect_host(), threads=threads, bf16_requested=cfg.label_bf16 or cfg.finetune.bf16,
                           labeller=engine, quant=cfg.quant, profile=device if cfg.profile else "none")


def build(cfg: BuildConfig, inp: BuildInputs, out_dir: str | Path, log: Callable[[str], None] = print,
          force: tuple[str, ...] = ()) -> dict[str, Any]:
    """Run the chain and return a summary (also written to OUT/summary.json)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    record = {**cfg.to_dict(), **({"host": inp.host} if inp.host else {})}
    (out / "build_config.json").write_text(json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")
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
    unl = o.get("augment", {}).get("counts", {}).get("unlabeled")
    if unl:
        s["unlabeled"] = unl
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
