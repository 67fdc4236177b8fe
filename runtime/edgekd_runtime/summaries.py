"""Measurement arithmetic shared by `edgekd-run bench`, `edgekd profile` and the benchmarks: latency percentiles,
throughput summaries and the byte formatter of their tables."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def summarize_ms(ms: Sequence[float]) -> dict[str, float]:
    """Statistics of per-call latencies in ms: median (p50), p95, p99, the spread (p25, p75, IQR, min, max), mean, n."""
    x = np.asarray(ms, dtype=np.float64)
    if x.size == 0:
        raise ValueError("no latency samples")
    p25, p50, p75, p95, p99 = np.percentile(x, [25, 50, 75, 95, 99])
    return {"n": int(x.size), "p50": float(p50), "p95": float(p95), "p99": float(p99), "p25": float(p25),
            "p75": float(p75), "iqr": float(p75 - p25), "min": float(x.min()), "max": float(x.max()),
            "mean": float(x.mean())}


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """`summarize_ms` of latencies given in seconds."""
    return summarize_ms(np.asarray(seconds, dtype=np.float64) * 1e3)


def rate_summary(rates: Sequence[float]) -> dict[str, float]:
    """Throughput (items/s) over rounds: median and the spread (min, max)."""
    x = np.asarray(rates, dtype=np.float64)
    if x.size == 0:
        raise ValueError("no throughput rounds")
    return {"n": int(x.size), "median": float(np.median(x)), "min": float(x.min()), "max": float(x.max())}


def format_bytes(n: int | None, missing: str = "–") -> str:
    """About three significant digits in decimal units: 812 B, 1.00 kB, 6.14 MB, 43.3 MB, 438 MB; `missing` for None."""
    if n is None:
        return missing
    for unit, k in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= k:
            x = n / k
            return f"{x:.2f} {unit}" if x < 10 else f"{x:.1f} {unit}" if x < 100 else f"{x:.0f} {unit}"
    return f"{n} B"
