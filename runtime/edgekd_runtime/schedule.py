"""How `Bundle.predict` cuts many rows into batches and runs them: length-sorted windows, batches within both caps,
tokenization of the next window overlapped with the runs of the current one.

Batching rule (the golden contract's `batched` expectations and runtime/js/src mirror it):
- rows are taken in windows of `SORT_WINDOW` consecutive inputs (one window if there are at most that many);
- within a window, rows are stably sorted by padded length and cut into consecutive runs of at most `batch`
  rows and at most `max_tokens` padded word pieces (rows x longest row);
so a row's batch mates depend only on the inputs of its window, never on the thread count or timing.

Execution: with `workers` > 1 the batches run on a thread pool (onnxruntime's `run` releases the GIL and is
thread-safe) while the calling thread tokenizes the next window; with 1 worker everything runs on the calling
thread, one batch after another.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Iterator

import numpy as np

from .contract import SORT_WINDOW   # rows sorted together (contract.py)


def batches(order: np.ndarray, key: np.ndarray, batch: int, max_tokens: int | None) -> Iterator[np.ndarray]:
    """Consecutive runs of `order` (indices sorted by ascending `key` = padded length) within both caps."""
    start, n = 0, len(order)
    while start < n:
        stop = min(start + batch, n)
        if max_tokens is not None:
            # Sorted ascending, so a run's width is its last row's length; grow while rows * width fits.
            stop_tok = start + 1
            while stop_tok < stop and (stop_tok + 1 - start) * max(1, int(key[order[stop_tok]])) <= max_tokens:
                stop_tok += 1
            stop = stop_tok
        yield order[start:stop]
        start = stop


def window_batches(key: np.ndarray, batch: int, max_tokens: int | None) -> list[np.ndarray]:
    """The batches of one window (indices into it); one unsorted batch when all rows fit in one."""
    n = key.shape[0]
    if n <= batch and (max_tokens is None or n * int(key.max(initial=1)) <= max_tokens):
        return [np.arange(n)]
    return list(batches(np.argsort(key, kind="stable"), key, batch, max_tokens))


def run_windows(n: int, prepare: Callable[[int, int], object], run: Callable[[object, np.ndarray], np.ndarray],
                plan: Callable[[object], list[np.ndarray]], out: np.ndarray, workers: int) -> None:
    """Fill `out` (n rows): for each window [a, b), `prepare(a, b)` (tokenize), `plan(w)` (its batches), then
    `out[a + idx] = run(w, idx)` per batch. With workers > 1 the runs go to a pool while the next window is prepared."""
    starts = range(0, n, SORT_WINDOW)
    if workers <= 1:
        for a in starts:
            w = prepare(a, min(a + SORT_WINDOW, n))
            for idx in plan(w):
                out[a + idx] = run(w, idx)
        return
    pending: list[tuple[int, np.ndarray, Future]] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="edgekd-predict") as pool:
        for a in starts:
            w = prepare(a, min(a + SORT_WINDOW, n))               # overlaps the previous window's runs
            pending += [(a, idx, pool.submit(run, w, idx)) for idx in plan(w)]
            pending = _collect(pending, out, block=False)
        _collect(pending, out, block=True)


def _collect(pending: list[tuple[int, np.ndarray, Future]], out: np.ndarray, block: bool):
    """Copy finished batches into `out`; return the unfinished ones (none when block). Re-raises a batch's error."""
    left = []
    for a, idx, fut in pending:
        if block or fut.done():
            out[a + idx] = fut.result()
        else:
            left.append((a, idx, fut))
    return left
