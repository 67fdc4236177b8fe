"""The timing harness: warm-up, batch-1 latency and per-batch-size throughput with the systems interleaved round by
round (so drift and noisy neighbours hit all of them alike), the task metric, and peak RSS in a fresh child.
"""
from __future__ import annotations

import contextlib
import gc
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from edgekd_runtime.summaries import latency_summary, rate_summary

from .systems import Item, System


@dataclass(frozen=True)
class MeasureConfig:
    """How long to measure. Reference architectures (timing-only) get far fewer iterations."""

    warmup: int = 10                          # batch-1 calls per system before timing
    rounds: int = 5                           # interleaved rounds the batch-1 samples are split into
    latency_samples: int = 300                # batch-1 timed calls of the teacher
    student_latency_samples: int = 2000       # students are fast: more calls give stable p99s at little cost
    reference_latency_samples: int = 10
    throughput_rounds: int = 3
    throughput_items: int = 128               # items per throughput round (each system, each batch size) ...
    min_round_s: float = 0.25                 # ... repeated until a round lasts this long (fast systems)
    reference_throughput_items: int = 16
    reference_batch_sizes: tuple[int, ...] = (1, 8)
    references: tuple[str, ...] = ("bert-base", "bert-large")
    rss: bool = True
    rss_items: int = 256                      # items the RSS child predicts, at the profile's largest batch
    reference_rss_items: int = 8
    rss_timeout_s: float = 600.0
    metric_batch: int = 64

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "MeasureConfig":
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})

    @classmethod
    def for_command(cls, *, quick: bool = False, latency_samples: int = 300, student_latency_samples: int = 2000,
                    rounds: int = 5, references: bool = True, rss: bool = True) -> "MeasureConfig":
        """`edgekd profile`'s settings: the given sample counts, or `QUICK` (a smoke run, not for committed results)."""
        timing = QUICK if quick else {"latency_samples": latency_samples,
                                      "student_latency_samples": student_latency_samples, "rounds": rounds}
        return cls(**timing, **({} if references else {"references": ()}), rss=rss)


# Very few iterations: `edgekd profile --quick`.
QUICK = dict(warmup=2, rounds=2, latency_samples=20, student_latency_samples=20, reference_latency_samples=2,
             throughput_rounds=1, throughput_items=16, min_round_s=0.0, reference_throughput_items=2, rss_items=16,
             reference_rss_items=2)


def _split(total: int, parts: int) -> list[int]:
    """`total` as `parts` near-equal non-negative counts (earlier parts get the remainder)."""
    q, r = divmod(total, parts)
    return [q + (i < r) for i in range(parts)]


def _rotated(systems: Sequence[System], r: int) -> list[System]:
    k = r % len(systems) if systems else 0
    return list(systems[k:]) + list(systems[:k])


@contextlib.contextmanager
def _no_gc():
    """Collect once, then keep the cyclic GC out of the timed region (as `timeit` does)."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def interleaved_latency(systems: Sequence[System], items: Sequence[Item], samples: dict[str, int],
                        rounds: int, warmup: int) -> dict[str, tuple[list[float], list[float]]]:
    """(wall, process-CPU) seconds per batch-1 `predict` (tokenization included) of each system, on the same items
    in the same order.

    Each round runs a slice of every system's samples, starting with a different system, so no system is
    always measured first or last. CPU time (all threads of this process) is immune to waiting for a core on
    a shared host; the wall clock is what a user sees.
    """
    for s in systems:
        for i in range(warmup):
            s.predict([items[i % len(items)]])
    times: dict[str, tuple[list[float], list[float]]] = {s.name: ([], []) for s in systems}
    cursor = {s.name: 0 for s in systems}
    plan = {s.name: _split(samples[s.name], rounds) for s in systems}
    with _no_gc():
        for r in range(rounds):
            for s in _rotated(systems, r):
                for _ in range(plan[s.name][r]):
                    x = [items[cursor[s.name] % len(items)]]
                    cursor[s.name] += 1
                    c0, t0 = time.process_time(), time.perf_counter()
                    s.predict(x)
                    t1, c1 = time.perf_counter(), time.process_time()
                    times[s.name][0].append(t1 - t0)
                    times[s.name][1].append(c1 - c0)
    return times


def interleaved_throughput(systems: Sequence[System], items: Sequence[Item], batch_sizes: dict[str, Sequence[int]],
                           n_items: dict[str, int], rounds: int,
                           min_round_s: float = 0.0) -> dict[str, dict[int, tuple[list[float], list[float]]]]:
    """(items per wall second, items per CPU second) of each system at each of its batch sizes, one value per
    round; rounds interleave the systems.

    A round predicts `n_items` items in batches, again and again until it has lasted `min_round_s`, so a
    fast system's figure is not one scheduler tick's worth of work.
    """
    out: dict[str, dict[int, tuple[list[float], list[float]]]] = {s.name: {} for s in systems}
    all_sizes = sorted({b for bs in batch_sizes.values() for b in bs})
    for b in all_sizes:
        todo = [s for s in systems if b in batch_sizes[s.name]]
        for s in todo:                           # warm up this shape once
            s.predict([items[i % len(items)] for i in range(b)])
        with _no_gc():
            for r in range(rounds):
                for s in _rotated(todo, r):
                    n = max(n_items[s.name], b)
                    start = (r * n) % len(items)
                    chunk = [items[(start + i) % len(items)] for i in range(n)]
                    done, c0, t0 = 0, time.process_time(), time.perf_counter()
                    while True:
                        for i in range(0, n, b):
                            s.predict(chunk[i:i + b])
                        done += n
                        elapsed = time.perf_counter() - t0
                        if elapsed >= min_round_s:
                            break
                    cpu = max(time.process_time() - c0, 1e-9)
                    wall, per_cpu = out[s.name].setdefault(b, ([], []))
                    wall.append(done / elapsed)
                    per_cpu.append(done / cpu)
    return out


def predict_all(system: System, items: Sequence[Item], batch: int) -> np.ndarray:
    """Logits of every item, in input order (for the task metric); batches of similar length waste less padding."""
    order = np.argsort([len(x) if isinstance(x, str) else len(x[0]) + len(x[1]) for x in items], kind="stable")
    parts = [system.predict([items[j] for j in order[i:i + batch]]) for i in range(0, len(items), batch)]
    cat = np.concatenate(parts)
    out = np.empty_like(cat)
    out[order] = cat
    return out


def peak_rss(jobs: dict[str, tuple[System, Sequence[Item], int]], timeout_s: float) -> dict[str, dict[str, Any]]:
    """Peak RSS of each system, name -> (system, items, batch), from `rss_child` runs (its JSON, or {"error": ...}).

    The children run concurrently: each reports its own process's high-water mark, which does not depend on
    what else runs, and no timing is taken meanwhile.
    """
    out: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="edgekd_rss_") as tmp:
        procs = {}
        for i, (name, (system, items, batch)) in enumerate(jobs.items()):
            job = Path(tmp) / f"job{i}.json"
            job.write_text(json.dumps({"spec": system.spec, "items": list(items), "batch": batch}))
            procs[name] = subprocess.Popen([sys.executable, "-m", "edgekd.profiling.rss_child", str(job)],
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + timeout_s
        for name, proc in procs.items():
            try:
                stdout, stderr = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                out[name] = {"error": f"peak-RSS child timed out after {timeout_s:.0f} s"}
                continue
            out[name] = _child_result(proc.returncode, stdout, stderr)
    return out


def _child_result(code: int, stdout: str, stderr: str) -> dict[str, Any]:
    if code != 0:
        tail = " | ".join(stderr.strip().splitlines()[-3:])
        return {"error": f"peak-RSS child failed (exit {code}): {tail}"}
    try:
        return json.loads(stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return {"error": f"peak-RSS child printed no JSON: {stdout[-200:]!r}"}


def measure_systems(systems: Sequence[System], items: Sequence[Item], batch_sizes: Sequence[int],
                    cfg: MeasureConfig) -> dict[str, dict[str, Any]]:
    """Latency and throughput summaries per system name (interleaved), plus peak RSS when cfg.rss."""
    ref = {s.name: s.kind == "reference" for s in systems}
    samples = {s.name: {"reference": cfg.reference_latency_samples, "student": cfg.student_latency_samples}.get(
        s.kind, cfg.latency_samples) for s in systems}
    lat = interleaved_latency(systems, items, samples, cfg.rounds, cfg.warmup)
    sizes = {n: [b for b in batch_sizes if b in cfg.reference_batch_sizes] if r else list(batch_sizes)
             for n, r in ref.items()}
    tp = interleaved_throughput(systems, items, sizes, {n: cfg.reference_throughput_items if r
                                                        else cfg.throughput_items for n, r in ref.items()},
                                cfg.throughput_rounds, cfg.min_round_s)
    res = {s.name: {"latency_ms": latency_summary(lat[s.name][0]),
                    "cpu_latency_ms": latency_summary(lat[s.name][1]),
                    "throughput": {str(b): rate_summary(w) for b, (w, _) in sorted(tp[s.name].items())},
                    "throughput_per_cpu_s": {str(b): rate_summary(c) for b, (_, c) in sorted(tp[s.name].items())}}
           for s in systems}
    if cfg.rss:
        jobs = {s.name: (s, items[:cfg.reference_rss_items if ref[s.name] else cfg.rss_items],
                         max(sizes[s.name], default=1)) for s in systems}
        for name, r in peak_rss(jobs, cfg.rss_timeout_s).items():
            res[name]["rss"] = r
    return res
