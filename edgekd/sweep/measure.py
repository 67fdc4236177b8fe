"""The sweep's timing pass: every bundle measured by the runtime's own benchmark (`edgekd_runtime.bench.run_bench`:
batch-1 latency with tokenization, throughput with the library's default batching, fresh-process peak RSS), in
rounds that visit every bundle in turn, so slow drifts of a shared host's load hit all points alike. Per bundle,
each figure is the median over rounds."""
from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any, Callable, Sequence


def summarize(run: dict[str, Any]) -> dict[str, float]:
    """The figures the sweep keeps from one `run_bench` result: p50/p95 at the first thread count, throughput and
    peak RSS per thread count (keys like `sent_per_s_2t`)."""
    rows = run["rows"]
    first = rows[0]
    out = {"threads_latency": first["threads"], "p50_ms": first["latency"]["p50_ms"],
           "p95_ms": first["latency"]["p95_ms"]}
    for row in rows:
        t = row["threads"]
        out[f"sent_per_s_{t}t"] = row["throughput_default"]["sentences_per_s"]
        if "memory" in row:
            out[f"peak_rss_mb_{t}t"] = row["memory"]["peak_rss_mb"]
    return out


def median_of(rounds: Sequence[dict[str, float]]) -> dict[str, float]:
    """Key-wise median of the rounds' summaries (keys present in every round)."""
    keys = [k for k in rounds[0] if all(k in r for r in rounds)]
    return {k: float(statistics.median(r[k] for r in rounds)) for k in keys}


def measure_bundles(bundles: dict[str, Path], *, threads: Sequence[int] = (1, 2), rounds: int = 2,
                    iters: int = 1000, texts: str | Path | None = None, rss: bool = True,
                    log: Callable[[str], None] = print) -> dict[str, Any]:
    """{"per_point": {id: medians}, "rounds": [{id: summary}], "settings": ...} for the bundles (id -> folder)."""
    from edgekd_runtime.bench import _loadavg, run_bench

    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    per_round: list[dict[str, dict[str, float]]] = []
    loads = []
    for r in range(rounds):
        cur = {}
        for i, (pid, path) in enumerate(bundles.items(), 1):
            cur[pid] = summarize(run_bench(path, threads=tuple(threads), iters=iters, texts=texts, rss=rss))
            log(f"measure round {r + 1}/{rounds} [{i}/{len(bundles)}] {pid}: p50 {cur[pid]['p50_ms']:.3f} ms, "
                f"{cur[pid][f'sent_per_s_{threads[0]}t']:,.0f} sent/s")
        per_round.append(cur)
        loads.append(_loadavg())
    per_point = {pid: median_of([rd[pid] for rd in per_round]) for pid in bundles}
    return {"per_point": per_point, "rounds": per_round,
            "settings": {"threads": list(threads), "rounds": rounds, "iters": iters,
                         "texts": None if texts is None else str(texts), "loadavg_1min_after_rounds": loads}}
