"""The sweep's timing pass: every bundle measured with the runtime's own benchmark functions (`edgekd_runtime.bench`:
batch-1 latency with tokenization, throughput with the library's default batching, fresh-process peak RSS), in
rounds that visit every bundle in turn, so slow drifts of a shared host's load hit all points alike. Per bundle,
each figure is the median over rounds."""
from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any, Callable, Sequence


def measure_bundle(path: Path, threads: Sequence[int], iters: int, texts: str | Path | None, rss: bool,
                   min_seconds: float) -> dict[str, float]:
    """One bundle with the runtime's own measurements: batch-1 p50/p95 and peak RSS at threads[0], throughput of
    `predict(all texts)` with the library's default batching at each thread count (keys like `sent_per_s_2t`), also
    per CPU-second of this process (`sent_per_cpu_s_2t`: on a busy shared host, what idle cores would give)."""
    from edgekd_runtime import Bundle
    from edgekd_runtime.bench import bench_items, latency, peak_rss, throughput
    from edgekd_runtime.bundle import DEFAULT_BATCH_SIZE, DEFAULT_MAX_TOKENS

    out: dict[str, float] = {}
    for n, t in enumerate(threads):
        b = Bundle.load(path, threads=t)
        items, _ = bench_items(b, texts)
        if n == 0:
            lat = latency(b, items, iters=iters)
            out.update(threads_latency=t, p50_ms=lat["p50_ms"], p95_ms=lat["p95_ms"])
        tp = throughput(b, items, batch=DEFAULT_BATCH_SIZE, max_tokens=DEFAULT_MAX_TOKENS, min_seconds=min_seconds)
        out[f"sent_per_s_{t}t"] = tp["sentences_per_s"]
        out[f"sent_per_cpu_s_{t}t"] = tp["sentences_per_cpu_s"]    # unaffected by other load (see bench.throughput)
        del b
    if rss:
        out[f"peak_rss_mb_{threads[0]}t"] = peak_rss(path, "onnxruntime", None, threads[0], texts)["peak_rss_mb"]
    return out


def median_of(rounds: Sequence[dict[str, float]]) -> dict[str, float]:
    """Key-wise median of the rounds' summaries (keys present in every round)."""
    keys = [k for k in rounds[0] if all(k in r for r in rounds)]
    return {k: float(statistics.median(r[k] for r in rounds)) for k in keys}


def measure_bundles(bundles: dict[str, Path], *, threads: Sequence[int] = (1, 2), rounds: int = 2,
                    iters: int = 1000, texts: str | Path | None = None, rss: bool = True, min_seconds: float = 1.0,
                    log: Callable[[str], None] = print) -> dict[str, Any]:
    """{"per_point": {id: medians}, "rounds": [{id: summary}], "settings": ...} for the bundles (id -> folder)."""
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    per_round: list[dict[str, dict[str, float]]] = []
    loads = []
    for r in range(rounds):
        cur = {}
        for i, (pid, path) in enumerate(bundles.items(), 1):
            cur[pid] = measure_bundle(path, threads, iters, texts, rss, min_seconds)
            log(f"measure round {r + 1}/{rounds} [{i}/{len(bundles)}] {pid}: p50 {cur[pid]['p50_ms']:.3f} ms, "
                f"{cur[pid][f'sent_per_s_{threads[0]}t']:,.0f} sent/s")
        per_round.append(cur)
        loads.append(round(os.getloadavg()[0], 2))
    per_point = {pid: median_of([rd[pid] for rd in per_round]) for pid in bundles}
    return {"per_point": per_point, "rounds": per_round,
            "settings": {"threads": list(threads), "rounds": rounds, "iters": iters, "min_seconds": min_seconds,
                         "texts": None if texts is None else str(texts), "loadavg_1min_after_rounds": loads}}
