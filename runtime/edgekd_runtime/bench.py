"""Latency, throughput and peak-RSS benchmark of a bundle, as run by `edgekd-run bench` (medians, no asserts).

- latency: `predict([text])` one text at a time, tokenization included, over real text; p50/p95/p99;
- throughput: `predict(all texts, batch_size=B)` (length-bucketed, as a user would call it), sentences/s,
  the median of several passes;
- peak RSS: a fresh `python -m edgekd_runtime.rss` that imports the runtime, loads the bundle and predicts the
  texts (batch 1 and the default batch 64), read in that child (see `rss` for why VmHWM and not ru_maxrss).
Text comes from --texts (TSV/JSONL/lines), else the bundle's own sample file (role "sample"), else a small
built-in set of English sentences (reported as such).
"""
from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .bundle import DEFAULT_BATCH_SIZE, DEFAULT_MAX_TOKENS, Bundle
from .errors import InputError
from .manifest import Manifest
from .summaries import summarize_ms
from .textio import read_items
from .verify import bundle_root

BUILTIN = (
    "a quietly moving film about grief , memory and the people who stay .",
    "the plot is thin , the jokes are stale and the ending drags on forever .",
    "an absolute delight from start to finish .", "i wanted to like it , but i could not .",
    "the performances are strong enough to carry a script that often stumbles .", "dull .",
    "it looks gorgeous , yet nothing on screen ever feels alive .",
    "one of the smartest comedies of the year , with a warm heart under its sharp wit .",
    "a tedious , overlong exercise in style over substance .", "funny , touching and surprisingly wise .",
    "the director never quite decides what kind of movie this is supposed to be .",
    "an unexpected pleasure .", "by the third act i had stopped caring about any of these characters .",
    "the cast is terrific and the music is even better .", "a mess , but an ambitious and fascinating one .",
    "it 's the kind of thriller that forgets to thrill .",
)


def bench_items(bundle: Bundle, texts: str | Path | None = None, limit: int | None = None) -> tuple[list, str]:
    """(items, source): the texts to time and where they came from."""
    if texts is not None:
        items = read_items(texts, bundle.pair, limit)
        source = str(texts)
    else:
        sample = [f.path for f in bundle.manifest.files if f.role == "sample"]
        if sample:
            items, source = read_items(bundle.root / sample[0], bundle.pair, limit), f"bundle sample {sample[0]}"
        else:
            items = list(BUILTIN) if not bundle.pair else list(zip(BUILTIN, BUILTIN[1:] + BUILTIN[:1]))
            source = "built-in sentences (pass --texts for real data)"
    if not items:
        raise InputError(f"no texts in {source}")
    return items, source


def _pct(ms: Sequence[float]) -> dict[str, float]:
    s = summarize_ms(ms)
    return {"p50_ms": s["p50"], "p95_ms": s["p95"], "p99_ms": s["p99"], "mean_ms": s["mean"]}


class _NoGC:
    """Collect once, then keep the cyclic GC out of a timed loop (as timeit does); restore it after."""

    def __enter__(self):
        self.was = gc.isenabled()
        gc.collect()
        gc.disable()

    def __exit__(self, *exc):
        if self.was:
            gc.enable()


def latency(bundle: Bundle, items: list, iters: int = 2000, warmup: int = 100) -> dict[str, Any]:
    """Batch-1 end-to-end latency (tokenize + infer + softmax) over `items`, cycled."""
    with _NoGC():
        return _latency(bundle, items, iters, warmup)


def _latency(bundle: Bundle, items: list, iters: int, warmup: int) -> dict[str, Any]:
    for i in range(warmup):
        bundle.predict([items[i % len(items)]])
    clock = time.perf_counter_ns
    ms = []
    for i in range(iters):
        x = [items[i % len(items)]]
        t0 = clock()
        bundle.predict(x)
        ms.append((clock() - t0) / 1e6)
    tok = []
    for i in range(min(iters, 500)):
        x = items[i % len(items)]
        t0 = clock()
        for s in (x if bundle.pair else (x,)):
            bundle._ids((s,))                       # the runtime's own path: ASCII fast path, else tokenizers
        tok.append((clock() - t0) / 1e6)
    return {**_pct(ms), "iters": iters, "tokenize_p50_ms": float(np.median(tok))}


def throughput(bundle: Bundle, items: list, batch: int = 256, max_tokens: int | None = None,
               min_seconds: float = 1.0, min_passes: int = 3) -> dict[str, Any]:
    """Sentences per second of `predict(items, batch_size=batch, max_tokens=...)`, median over passes.

    max_tokens=None makes every batch exactly `batch` rows (the last one excepted), as the issue's
    "throughput at batch 256" means; the library default caps padded tokens per batch instead.
    """
    work = items * max(1, -(-batch // len(items)))      # at least one full batch
    bundle.predict(work[:batch], batch_size=batch, max_tokens=max_tokens)   # warm up
    rates, cpu_rates, t_start = [], [], time.perf_counter()
    with _NoGC():
        while len(rates) < min_passes or time.perf_counter() - t_start < min_seconds:
            t0, c0 = time.perf_counter(), time.process_time()
            bundle.predict(work, batch_size=batch, max_tokens=max_tokens)
            rates.append(len(work) / (time.perf_counter() - t0))
            cpu_rates.append(len(work) / max(time.process_time() - c0, 1e-9))
    # Sentences per CPU-second of this process (all its threads): on a shared host, what an idle core would
    # give at 1 thread, since time spent descheduled does not count.
    return {"batch": batch, "max_tokens": max_tokens, "sentences_per_s": float(statistics.median(rates)),
            "sentences_per_cpu_s": float(statistics.median(cpu_rates)), "passes": len(rates),
            "rows_per_pass": len(work)}


def peak_rss(bundle: str | Path, backend: str, model: str | None, threads: int,
             texts: str | Path | None, limit: int | None = None) -> dict[str, Any]:
    """Peak RSS (MB) of a fresh interpreter that imports, loads the bundle and predicts; also after import/load."""
    arg = json.dumps({"bundle": str(bundle), "backend": backend, "model": model, "threads": threads,
                      "texts": None if texts is None else str(texts), "limit": limit})
    n = str(threads if backend == "numpy" else 1)      # numpy's BLAS pool, as edgekd-run sets it
    env = {**os.environ, "OMP_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": n, "MKL_NUM_THREADS": n}
    out = subprocess.run([sys.executable, "-m", "edgekd_runtime.rss", arg], capture_output=True, text=True, env=env,
                         timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"peak-RSS subprocess failed: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_bench(path: str | Path, backend: str = "onnxruntime", model: str | None = None,
              threads: Sequence[int] = (1, 2), batch: int = 256, texts: str | Path | None = None,
              limit: int | None = None, iters: int = 2000, rss: bool = True, optimization: str = "all",
              mem_arena: bool = True) -> dict[str, Any]:
    """Every measurement for each thread count; a JSON-able dict (see `format_table`)."""
    rows = []
    source = ""
    for t in threads:
        b = Bundle.load(path, backend=backend, model=model, threads=t, optimization=optimization, mem_arena=mem_arena)
        items, source = bench_items(b, texts, limit)
        row: dict[str, Any] = {"threads": t, "latency": latency(b, items, iters=iters),
                               "throughput": throughput(b, items, batch=batch),
                               "throughput_default": throughput(b, items, batch=DEFAULT_BATCH_SIZE, max_tokens=DEFAULT_MAX_TOKENS)}
        if rss:
            row["memory"] = peak_rss(path, backend, model, t, texts, limit)
        rows.append(row)
        del b
    root = bundle_root(path)
    man = Manifest.read(root)
    spec = man.model(model)
    return {"bundle": str(root), "task": man.task, "loadavg_1min": _loadavg(), "model": spec.file,
            "precision": spec.precision,
            "backend": backend, "texts": source, "num_texts": len(items), "max_length": man.max_length,
            "cpu_count": os.cpu_count(), "rows": rows}


def _loadavg() -> float | None:
    """1-minute load average: how busy the host was (timings on a shared host are upper bounds)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def format_table(r: dict[str, Any]) -> str:
    head = (f"{r['bundle']}  task={r['task']}  model={r['model']} ({r['precision']})  backend={r['backend']}\n"
            f"texts: {r['texts']} ({r['num_texts']})  max_length={r['max_length']}  cpus={r['cpu_count']}  "
            f"load avg (1 min) at the end: {r.get('loadavg_1min')}\n")
    cols = ("threads", "p50 ms", "p95 ms", "p99 ms", "tok p50 ms", f"sent/s @{r['rows'][0]['throughput']['batch']}",
            "sent/s dflt", "sent/cpu-s", "RSS b1 MB", "RSS peak MB")
    lines = ["  ".join(f"{c:>11}" for c in cols)]
    for row in r["rows"]:
        lat, thr, mem = row["latency"], row["throughput"], row.get("memory")
        vals = (str(row["threads"]), f"{lat['p50_ms']:.3f}", f"{lat['p95_ms']:.3f}", f"{lat['p99_ms']:.3f}",
                f"{lat['tokenize_p50_ms']:.3f}", f"{thr['sentences_per_s']:,.0f}",
                f"{row['throughput_default']['sentences_per_s']:,.0f}",
                f"{thr['sentences_per_cpu_s']:,.0f}",
                f"{mem['batch1_rss_mb']:.1f}" if mem else "-", f"{mem['peak_rss_mb']:.1f}" if mem else "-")
        lines.append("  ".join(f"{v:>11}" for v in vals))
    notes = ("latency: predict([text]) incl. tokenization; sent/s @N: batches of exactly N rows; sent/s dflt: "
             f"predict(all) with the defaults ({DEFAULT_BATCH_SIZE} rows, <= {DEFAULT_MAX_TOKENS} padded tokens per batch); "
             "threads: onnxruntime intra-op threads and batches in flight at once; sent/cpu-s: @N per CPU-second "
             "of the process (unaffected by other load); RSS: fresh process, "
             "after 300 batch-1 calls (b1) and after predicting all texts with the defaults (peak)")
    return head + "\n".join(lines) + "\n" + notes
