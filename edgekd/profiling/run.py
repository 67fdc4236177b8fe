"""`profile_bundle`: one side-by-side run of a bundle's student (every model, both backends) against its teacher and the
BERT reference architectures on a device profile, on the task's dev sentences; returns the record and writes it.
"""
from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from edgekd_contract.kinds import DEFAULT_KIND
from edgekd_runtime.numpy_backend import NUMPY_KINDS
from edgekd_runtime.profile import DeviceProfile, ProfileError

from ..metrics import score
from ..tasks import Dataset, Task
from ..teacher.config import TEACHER
from .machine import host_facts, host_mismatches
from .harness import MeasureConfig, measure_systems, predict_all
from .stats import budget_verdict, compare
from .systems import Item, System, build, set_thread_env

RECORD_SCHEMA = 1
STUDENT_BACKENDS = ("onnxruntime", "numpy")


class HostMismatch(ProfileError):
    """The profile describes hardware that is not this host; its results must be measured on the target."""


def bundle_id(manifest) -> str:
    """task + the first 10 hex digits of the default model file's sha256, e.g. "sst2-3f9a0c1d2e"."""
    sha = next((f.sha256 for f in manifest.files if f.path == manifest.model().file), "")
    return f"{manifest.task}-{sha[:10] or 'nosha'}"


def dev_items(dev: Dataset) -> list[Item]:
    return list(dev.texts) if dev.text_pairs is None else list(zip(dev.texts, dev.text_pairs))


def check_host(profile: DeviceProfile, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """This host's facts, or HostMismatch if it is not the hardware `profile` describes."""
    facts = facts or host_facts()
    why = host_mismatches(profile, facts)
    if why:
        raise HostMismatch(f"profile {profile.name!r} describes hardware that is not this host ({'; '.join(why)}). "
                           "It is a specification here: run `edgekd profile` on the target to record its results")
    return facts


def _try_build(spec: dict[str, Any], name: str, errors: list[dict[str, Any]]) -> System | None:
    try:
        return build(spec)
    except Exception as e:  # noqa: BLE001 - a system that cannot run here is reported, not fatal
        errors.append({"system": name, "kind": spec["kind"], "error": f"{type(e).__name__}: {e}"})
        return None


def plan_systems(profile: DeviceProfile, manifest, bundle: Path, teacher: str, task: Task, gpu: bool,
                 cfg: MeasureConfig) -> tuple[list[dict[str, Any]], list[str]]:
    """Specs of every system to measure, students first, and notes on what was left out and why."""
    notes, specs = [], []
    ort = {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(profile.onnxruntime).items()}
    models = sorted(manifest.models, key=lambda m: (m.precision != "int8", m.file))
    backends = STUDENT_BACKENDS
    if manifest.student.get("kind", DEFAULT_KIND) not in NUMPY_KINDS:
        backends = tuple(b for b in STUDENT_BACKENDS if b != "numpy")
        notes.append(f"The numpy backend does not run {manifest.student.get('kind')} bundles: onnxruntime only.")
    for backend in backends:
        for m in models:
            specs.append({"kind": "student", "bundle": str(bundle), "backend": backend, "model": m.file,
                          "threads": profile.threads, "ort": ort})
    if not any(m.precision == "fp32" for m in models):
        notes.append("The bundle has no fp32 model, so only int8 was measured.")
    per_sentence = TEACHER.input_length(profile.max_length, task.pair)       # + [CLS]/[SEP]
    devices = [d for d in profile.teacher_devices if d == "cpu" or gpu]
    if "cuda" in profile.teacher_devices and not gpu:
        notes.append("No GPU is present: the teacher was timed on CPU only." if devices else
                     "No GPU is present and the profile times the teacher on CUDA only.")
    for d in devices:
        specs.append({"kind": "teacher", "teacher": str(teacher), "device": d, "threads": profile.threads,
                      "max_length": per_sentence, "num_labels": task.num_labels})
    for arch in cfg.references if devices else ():
        specs.append({"kind": "reference", "arch": arch, "tokenizer": str(teacher), "device": devices[0],
                      "threads": profile.threads, "max_length": per_sentence, "num_labels": task.num_labels})
    if cfg.references and devices:
        notes.append(f"Reference architectures ({', '.join(cfg.references)}) are randomly initialised: timing "
                     "only, no metric; their size is fp32 parameter bytes.")
    return specs, notes


def _spec_name(spec: dict[str, Any], manifest) -> str:
    if spec["kind"] == "student":
        return f"student-{manifest.model(spec['model']).precision}-{spec['backend']}"
    return f"{spec['arch']}-{spec['device']}" if spec["kind"] == "reference" else f"teacher-{spec['device']}"


def _loadavg() -> list[float] | None:
    """1/5/15-minute load averages: how busy the (possibly shared) machine was around the measurement."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def _limit_blas(threads: int):
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(threads)


def profile_bundle(profile: DeviceProfile, bundle: str | Path, teacher: str, task: Task, dev: Dataset, *,
                   cfg: MeasureConfig = MeasureConfig(), profile_file: str | None = None,
                   facts: dict[str, Any] | None = None, progress=print) -> dict[str, Any]:
    """Measure everything on this host (which must match `profile`) and return the JSON-able record."""
    from edgekd_runtime.manifest import Manifest

    t_start = time.perf_counter()
    facts = check_host(profile, facts)
    bundle = Path(bundle)
    manifest = Manifest.read(bundle)
    if manifest.pair != task.pair or len(manifest.labels) != task.num_labels:
        raise ValueError(f"{bundle}: the bundle is for {manifest.task} ({'pair' if manifest.pair else 'single'}, "
                         f"{len(manifest.labels)} labels) but the task is {task.name}")
    load_start = _loadavg()
    specs, notes = plan_systems(profile, manifest, bundle, teacher, task, bool(facts.get("gpu")), cfg)
    if manifest.max_length != profile.max_length:
        notes.append(f"The student truncates at the bundle's max_length ({manifest.max_length} word pieces per "
                     f"sentence); the teacher at the profile's ({profile.max_length}, plus [CLS]/[SEP]).")
    saved_env = dict(os.environ)
    set_thread_env(profile.threads)
    blas = _limit_blas(profile.threads)
    try:
        rows, errors = measure_rows(specs, manifest, task, dev, profile, cfg, notes, progress)
    finally:
        if blas is not None:
            blas.restore_original_limits()
        os.environ.clear()
        os.environ.update(saved_env)
    students = [r for r in rows if r["kind"] == "student"]
    comparisons = [compare(s, b) for s in students for b in rows if b["kind"] != "student"]
    default_file = manifest.model().file
    default_name = next((r["system"] for r in students if r["info"].get("model_file") == default_file
                         and r["backend"] == "onnxruntime"), students[0]["system"] if students else None)
    return {
        "schema": RECORD_SCHEMA,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "profile": profile.to_dict(), "profile_file": profile_file,
        "host": facts, "measured_on_target": True,
        "load_average": {"start": load_start, "end": _loadavg()},
        "bundle": {"path": str(bundle), "id": bundle_id(manifest), "task": manifest.task,
                   "default_model": default_file, "max_length": manifest.max_length,
                   "quantization": dict(manifest.quantization), "export_metrics": dict(manifest.metrics),
                   "files": {f.path: f.bytes for f in manifest.files}},
        "teacher": {"path": str(teacher)},
        "data": {"task": task.name, "metric": task.metric, "source": dev.source, "items": len(dev),
                 "sha256": dev.fingerprint()},
        "measure": cfg.to_dict(),
        "systems": rows, "errors": errors, "comparisons": comparisons,
        "headline": headline(rows, comparisons, default_name),
        "notes": notes, "elapsed_s": round(time.perf_counter() - t_start, 1),
    }


def measure_rows(specs: list[dict[str, Any]], manifest, task: Task, dev: Dataset, profile: DeviceProfile,
                 cfg: MeasureConfig, notes: list[str], progress) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Build every system (failures become `errors`), score it on all of dev, time it; one result row each."""
    items = dev_items(dev)
    errors: list[dict[str, Any]] = []
    systems: list[System] = []
    for spec in specs:
        progress(f"loading {_spec_name(spec, manifest)}")
        s = _try_build(spec, _spec_name(spec, manifest), errors)
        if s is not None:
            systems.append(s)
    skipped = sorted({x for s in systems for x in s.info.get("ort_not_applied", ())})
    if skipped:
        notes.append("The runtime's onnxruntime session does not take these profile settings, so its own "
                     f"were used: {', '.join(skipped)}.")
    metrics: dict[str, Any] = {}
    for s in systems:
        if not s.timing_only:
            progress(f"metric of {s.name} on {len(items)} dev items")
            logits = predict_all(s, items, cfg.metric_batch)
            metrics[s.name] = score(task.metric, dev.labels, logits.argmax(axis=1))
    progress(f"timing {len(systems)} systems interleaved ({profile.threads} thread(s))")
    measured = measure_systems(systems, items, profile.batch_sizes, cfg)
    rows = []
    for s in systems:
        m = measured[s.name]
        rss = m.get("rss") or {}
        row = {"system": s.name, "kind": s.kind, "backend": s.backend, "device": s.device,
               "precision": s.precision, "timing_only": s.timing_only, "size_bytes": s.size_bytes,
               "metric": metrics.get(s.name), "latency_ms": m["latency_ms"], "throughput": m["throughput"],
               "cpu_latency_ms": m["cpu_latency_ms"], "throughput_per_cpu_s": m["throughput_per_cpu_s"],
               "peak_rss_mb": rss.get("peak_rss_mb"), "rss": rss or None, "cuda_peak_mb": rss.get("cuda_peak_mb"),
               "info": s.info, "spec": s.spec}
        row["budget"] = budget_verdict(row, profile.latency_budget_p95_ms, profile.memory_budget_mb)
        rows.append(row)
    return rows, errors


def default_results_root(profile_path: str | Path) -> Path:
    """results/ beside the profile file (devices/results in a checkout); ./devices/results for a profile packaged
    inside an installed edgekd-runtime (site-packages is no place for results)."""
    from edgekd_runtime.profile import is_packaged_profile

    return Path("devices") / "results" if is_packaged_profile(profile_path) else Path(profile_path).parent / "results"


def profile_to_files(device: str | Path, bundle: str | Path, teacher: str, *, task: str | None = None,
                     data_dir: str | Path | None = None, dev_file: str | Path | None = None, limit: int | None = None,
                     out: str | Path | None = None, cfg: MeasureConfig = MeasureConfig(),
                     progress=print) -> tuple[dict[str, Any], dict[str, Path]]:
    """The whole `edgekd profile`: find and check the profile, load the dev set (the bundle's task by default),
    measure, and write OUT/<profile>/<bundle-id>.{json,md,png} (OUT defaults to results/ beside the profile)."""
    from edgekd_runtime.manifest import Manifest
    from edgekd_runtime.profile import find_profile

    from ..tasks import get_task, load_file, load_split
    from ..teacher.locate import TeacherNotFound, resolve_teacher
    from . import load_device_profile
    from .report import write_report

    path = find_profile(device)
    prof = load_device_profile(path)
    facts = check_host(prof)
    manifest = Manifest.read(bundle)
    if (Path(teacher).is_absolute() or teacher.startswith((".", "~"))) and not Path(teacher).expanduser().exists():
        raise TeacherNotFound(f"{teacher}: no such teacher folder")
    teacher = resolve_teacher(teacher)          # a missing teacher is an error, not a run without one
    t = get_task(task or manifest.task)
    dev = (load_file(dev_file, t) if dev_file else load_split(t, "dev", data_dir)).head(limit)
    record = profile_bundle(prof, bundle, teacher, t, dev, cfg=cfg, profile_file=str(path), facts=facts,
                            progress=progress)
    return record, write_report(record, out if out is not None else default_results_root(path))


def headline(rows: Sequence[dict[str, Any]], comparisons: Sequence[dict[str, Any]],
             student: str | None) -> dict[str, Any]:
    """The key numbers: the default student vs each baseline, and its budget verdict."""
    row = next((r for r in rows if r["system"] == student), None)
    if row is None:
        return {"student": None}
    vs = {c["baseline"]: {k: c[k] for k in ("speedup_p50", "speedup_p95", "throughput_speedup_best",
                                            "memory_ratio", "size_ratio")}
          for c in comparisons if c["student"] == student}
    return {"student": student, "latency_p50_ms": row["latency_ms"]["p50"], "latency_p95_ms": row["latency_ms"]["p95"],
            "peak_rss_mb": row["peak_rss_mb"], "size_bytes": row["size_bytes"], "metric": row["metric"],
            "budget_pass": row["budget"]["pass"], "vs": vs}

