"""predict from 8 threads at once returns exactly the serial results (one shared Bundle per backend)."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from edgekd_runtime import Bundle


@pytest.mark.parametrize("backend", ["onnxruntime", "numpy"])
@pytest.mark.parametrize("kind", ["single", "pair"])
def test_eight_threads_equal_serial(backend, kind, single_dir, pair_dir, texts, pairs):
    if backend == "onnxruntime":
        pytest.importorskip("onnxruntime")
    pair = kind == "pair"
    b = Bundle.load(pair_dir if pair else single_dir, backend=backend, threads=2)
    items = pairs if pair else texts
    # Each thread gets its own workload (different rows, different batch sizes) so any shared mutable state
    # between calls would show up as a mismatch.
    jobs = [(items[i % len(items):] + items[:i % len(items)], 1 + i % 5) for i in range(8)]
    serial = [b.predict(x, batch_size=bs).logits for x, bs in jobs]
    results: list = [None] * len(jobs)
    errors: list = []
    barrier = threading.Barrier(len(jobs))

    def work(k: int) -> None:
        try:
            barrier.wait()
            for _ in range(5):
                got = b.predict(jobs[k][0], batch_size=jobs[k][1]).logits
                if results[k] is not None and not np.array_equal(results[k], got):
                    raise AssertionError(f"thread {k}: results changed between repeats")
                results[k] = got
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for k in range(len(jobs)):
        np.testing.assert_array_equal(results[k], serial[k], err_msg=f"thread {k}")
