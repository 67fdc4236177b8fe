"""Pure arithmetic of a profile run: student-vs-baseline ratios and budget verdicts (the latency and throughput
summaries are the runtime's, `edgekd_runtime.summaries`).

Rows are plain dicts (the JSON the report writes), so these functions are tested with hand-built numbers.
A missing measurement is None and propagates to None ratios and a "n/a" verdict, never to a fake pass.
"""
from __future__ import annotations

from typing import Any, Mapping


def ratio(numer: float | None, denom: float | None) -> float | None:
    """numer / denom, or None when either is unknown or the denominator is not positive."""
    if numer is None or denom is None or denom <= 0:
        return None
    return float(numer) / float(denom)


def _get(row: Mapping[str, Any], *path: str) -> float | None:
    cur: Any = row
    for key in path:
        if not isinstance(cur, Mapping) or cur.get(key) is None:
            return None
        cur = cur[key]
    return float(cur)


def best_throughput(row: Mapping[str, Any]) -> tuple[int | None, float | None]:
    """(batch size, median items/s) at the batch size where the row is fastest."""
    tp = row.get("throughput") or {}
    best = (None, None)
    for b, s in tp.items():
        if s and s.get("median") is not None and (best[1] is None or s["median"] > best[1]):
            best = (int(b), float(s["median"]))
    return best


def compare(student: Mapping[str, Any], baseline: Mapping[str, Any]) -> dict[str, Any]:
    """How much better the student is than a baseline: each ratio is baseline / student (> 1 favours the student).

    speedup_p50/p95: batch-1 latency ratios; throughput_speedup_batch1 and _best: items/s ratios at batch 1 and
    at each system's best batch size; memory_ratio: peak RSS; size_ratio: bytes on disk.
    """
    _, s_best = best_throughput(student)
    _, b_best = best_throughput(baseline)
    return {
        "student": student["system"], "baseline": baseline["system"],
        "timing_only": bool(baseline.get("timing_only")),
        "speedup_p50": ratio(_get(baseline, "latency_ms", "p50"), _get(student, "latency_ms", "p50")),
        "speedup_p95": ratio(_get(baseline, "latency_ms", "p95"), _get(student, "latency_ms", "p95")),
        "throughput_speedup_batch1": ratio(_get(student, "throughput", "1", "median"),
                                           _get(baseline, "throughput", "1", "median")),
        "throughput_speedup_best": ratio(s_best, b_best),
        "memory_ratio": ratio(_get(baseline, "peak_rss_mb"), _get(student, "peak_rss_mb")),
        "size_ratio": ratio(_get(baseline, "size_bytes"), _get(student, "size_bytes")),
    }


def check_budget(value: float | None, budget: float) -> dict[str, Any]:
    """One verdict: pass if value <= budget; "n/a" (pass None) if it was not measured."""
    return {"value": value, "budget": float(budget), "pass": None if value is None else bool(value <= budget)}


def budget_verdict(row: Mapping[str, Any], latency_budget_p95_ms: float, memory_budget_mb: float) -> dict[str, Any]:
    """The profile's budgets applied to one row: batch-1 p95 latency and peak RSS; `pass` needs both measured."""
    lat = check_budget(_get(row, "latency_ms", "p95"), latency_budget_p95_ms)
    mem = check_budget(_get(row, "peak_rss_mb"), memory_budget_mb)
    both = None if lat["pass"] is None or mem["pass"] is None else lat["pass"] and mem["pass"]
    return {"latency_p95_ms": lat, "peak_rss_mb": mem, "pass": both}


def verdict_text(passed: bool | None) -> str:
    return {True: "pass", False: "FAIL", None: "n/a"}[passed]
