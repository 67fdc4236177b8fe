"""The line-up of one comparison: every system built twice over where its library fixes threads per instance (a
1-thread instance for batch-1 latency, a multi-thread one for throughput), named and tagged for the table.

Teacher and student bundles go through `edgekd.profiling.systems` (the device profiler's adaptors); fastText and
TF-IDF are trained here (or reused from the work folder) and loaded back from disk, so every row times, sizes
and RSS-measures the artifact a deployment would ship.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from edgekd.profiling.systems import System, build

from . import fasttext_baseline as ftb
from . import tfidf_baseline as tfb
from . import train_child
from .common import Item

SYSTEM_KEYS = ("teacher", "student", "nodistill", "extra", "fasttext-gold", "fasttext-transfer", "tfidf")


@dataclass
class Entry:
    """One table row's systems: `lat` times batch-1 latency (1 thread), `tp` throughput, metric and RSS."""

    name: str
    kind: str                         # "teacher" | "student" | "nodistill" | "fasttext" | "tfidf"
    lat: System
    tp: System
    tp_threads: int                   # threads the throughput instance really uses
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sources:
    """What to compare; None leaves that row out (with a note)."""

    teacher: str | None = None
    bundle: str | None = None
    baseline_bundle: str | None = None
    extra_bundles: tuple[tuple[str, str], ...] = ()                  # (row name, bundle): e.g. a second family
    train: tuple[Sequence[Item], np.ndarray] | None = None          # gold train items, labels
    transfer: tuple[Sequence[Item], np.ndarray] | None = None       # transfer items, teacher argmax labels
    dev: tuple[Sequence[Item], np.ndarray] | None = None            # for the unquantized fastText accuracy
    work: str = "runs/bench"


def _student_spec(bundle: str, model: str, threads: int) -> dict[str, Any]:
    return {"kind": "student", "bundle": str(bundle), "backend": "onnxruntime", "model": model,
            "threads": threads, "ort": {}}


def student_entries(bundle: str, prefix: str, kind: str, task, threads: int,
                    precisions: Sequence[str] = ("int8", "fp32")) -> list[Entry]:
    """One entry per precision the bundle has (in `precisions` order), after checking it is for `task`."""
    from edgekd_runtime.manifest import Manifest

    man = Manifest.read(bundle)
    if man.pair != task.pair or len(man.labels) != task.num_labels:
        raise ValueError(f"{bundle}: the bundle is for {man.task} ({'pair' if man.pair else 'single'}, "
                         f"{len(man.labels)} labels) but the task is {task.name}")
    out = []
    for prec in precisions:
        m = next((m for m in man.models if m.precision == prec), None)
        if m is None:
            continue
        lat, tp = build(_student_spec(bundle, m.file, 1)), build(_student_spec(bundle, m.file, threads))
        lat.name = tp.name = f"{prefix}-{prec}"
        out.append(Entry(lat.name, kind, lat, tp, threads, {"bundle": str(bundle), "model_file": m.file,
                                                            "manifest_task": man.task,
                                                            "max_length": man.max_length,
                                                            "export_metrics": dict(man.metrics)}))
    return out


def teacher_entry(teacher: str, task, threads: int, max_length: int) -> Entry:
    """One torch instance for both phases: torch's thread count is per process, set per phase by the caller."""
    s = build({"kind": "teacher", "teacher": str(teacher), "device": "cpu", "threads": threads,
               "max_length": max_length, "num_labels": task.num_labels})
    s.name = "teacher"
    return Entry("teacher", "teacher", s, s, threads, {"source": s.info.get("source"),
                                                       "params": s.info.get("params")})


def _single(s: System, kind: str, info: dict[str, Any]) -> Entry:
    return Entry(s.name, kind, s, s, 1, info)


def build_lineup(src: Sources, task, include: Sequence[str], threads: int, teacher_max_length: int,
                 ft_settings: ftb.FastTextSettings, tfidf_settings: tfb.TfidfSettings, force: bool = False,
                 progress: Callable[[str], None] = print) -> tuple[list[Entry], list[str], list[dict[str, Any]]]:
    """(entries in table order, notes on what was left out, build errors). A failing system is an error row, not
    a crash, so the rest of the table still comes out."""
    entries, notes, errors = [], [], []

    def attempt(key: str, what: str, fn: Callable[[], list[Entry]]) -> None:
        if key not in include:
            notes.append(f"{what}: skipped (--skip {key}).")
            return
        try:
            progress(f"building {what}")
            entries.extend(fn())
        except Exception as e:  # noqa: BLE001 - reported in the record and the notes
            errors.append({"system": key, "error": f"{type(e).__name__}: {e}"})
            notes.append(f"{what}: FAILED ({type(e).__name__}: {e}).")

    work = Path(src.work)
    if src.teacher:
        attempt("teacher", "teacher", lambda: [teacher_entry(src.teacher, task, threads, teacher_max_length)])
    else:
        notes.append("teacher: not given (--teacher), row left out.")
    if src.bundle:
        attempt("student", "distilled student", lambda: student_entries(src.bundle, "student", "student", task,
                                                                        threads))
    else:
        notes.append("distilled student: not given (--bundle), rows left out.")
    if src.baseline_bundle:
        attempt("nodistill", "BiLSTM without distillation",
                lambda: student_entries(src.baseline_bundle, "nodistill", "nodistill", task, threads,
                                        ("int8",)) or student_entries(src.baseline_bundle, "nodistill",
                                                                      "nodistill", task, threads, ("fp32",)))
    else:
        notes.append("BiLSTM without distillation: not given (--baseline-bundle), row left out.")
    for name, path in src.extra_bundles:
        attempt("extra", f"bundle {name}", lambda name=name, path=path: student_entries(path, name, "student", task,
                                                                                         threads, ("int8",)))
    why_ft = ftb.available()
    for key, data, what in (("fasttext-gold", src.train, "fastText on the gold train labels"),
                            ("fasttext-transfer", src.transfer, "fastText on the transfer set (teacher argmax)")):
        if why_ft:
            notes.append(f"{what}: {why_ft}")
        elif data is None:
            notes.append(f"{what}: no data given" + (" (--transfer and --logits)" if "transfer" in key else "")
                         + ", row left out.")
        else:
            attempt(key, what, lambda key=key, data=data: [_fasttext(key, data, task, work, ft_settings, src.dev,
                                                                     force, progress)])
    why_tf = tfb.available()
    if why_tf:
        notes.append(why_tf)
    elif src.train is not None:
        attempt("tfidf", "TF-IDF + logistic regression",
                lambda: [_tfidf(src.train, task, work, tfidf_settings, force, progress)])
    return entries, notes, errors


def _fasttext(key: str, data, task, work: Path, settings: ftb.FastTextSettings, dev, force: bool,
              progress) -> Entry:
    folder = work / key
    meta = train_child.train("fasttext", data[0], data[1], task.num_labels, folder, settings, dev=dev, force=force,
                             progress=progress)
    s = ftb.fasttext_system(str(folder / meta["file"]), task.num_labels, name=key)
    return _single(s, "fasttext", {"artifact": str(folder / meta["file"]), "train_rows": meta["rows"],
                                   "unquantized_dev_accuracy": meta.get("unquantized_dev_accuracy"),
                                   "quantized": meta.get("quantized"), "train_s": meta.get("total_s")})


def _tfidf(data, task, work: Path, settings: tfb.TfidfSettings, force: bool, progress) -> Entry:
    folder = work / "tfidf"
    meta = train_child.train("tfidf", data[0], data[1], task.num_labels, folder, settings, force=force,
                             progress=progress)
    s = tfb.tfidf_system(str(folder), name="tfidf-lr")
    return _single(s, "tfidf", {"artifact": str(folder), "train_rows": meta["rows"],
                                "features": meta.get("features"), "train_s": meta.get("train_s")})
