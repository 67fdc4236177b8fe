"""The batch-1 path, the tokenization paths and the windowed/threaded batching give the general path's results."""
from __future__ import annotations

import numpy as np
import pytest

import edgekd_runtime.schedule as schedule
from edgekd_runtime import Bundle
from edgekd_runtime.bundle import _valid_unicode
from edgekd_runtime.encoding import pad_batch

BACKENDS = ["onnxruntime", "numpy"]


class Recorder:
    """Wraps a backend; keeps the feeds of every run."""

    def __init__(self, inner):
        self.inner, self.feeds, self.name, self.threads = inner, [], inner.name, getattr(inner, "threads", 1)

    def run(self, feeds):
        self.feeds.append({k: v.copy() for k, v in feeds.items()})
        return self.inner.run(feeds)


def _general_one(b: Bundle, item) -> np.ndarray:
    """Logits of one row through the general batch machinery (pad_batch + run)."""
    sides = [b._ids([item])] if not b.pair else [b._ids([item[0]]), b._ids([item[1]])]
    return b._run(sides)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("model", ["fp32", "int8"])
@pytest.mark.parametrize("kind", ["single", "pair"])
def test_batch1_path_equals_general_path(backend, model, kind, single_dir, pair_dir, texts, pairs):
    b = Bundle.load(single_dir if kind == "single" else pair_dir, backend=backend, model=model)
    items = texts if kind == "single" else pairs
    for item in items:
        one = b.predict([item])
        assert np.array_equal(one.logits, _general_one(b, item)), item          # bit-identical, int8 too
        ref = b._result(_general_one(b, item), one.truncated, np.array(one.metadata["empty_rows"]) == 0)
        assert one.labels == ref.labels and np.array_equal(one.probabilities, ref.probabilities)
    # flags: the over-long text is truncated, the empty and whitespace texts are empty rows
    if kind == "single":
        got = [b.predict([t]) for t in texts]
        assert [bool(p.truncated[0]) for p in got] == [len(b._ids([t])[0]) > b.max_length for t in texts]
        assert [p.metadata["empty_rows"] == [0] for p in got] == [not b._ids([t])[0] for t in texts]


def test_batch1_feeds_are_pad_batch_arrays(single_dir, texts):
    b = Bundle.load(single_dir, model="fp32")
    b.backend = rec = Recorder(b.backend)
    for t in texts:
        b.predict(t)
        want = pad_batch(b._ids([t]), b.max_length, b._pad_id, b._empty)
        got = rec.feeds[-1]
        assert got["input_ids"].dtype == want.ids.dtype and np.array_equal(got["input_ids"], want.ids)
        assert got["lengths"].dtype == want.lengths.dtype and np.array_equal(got["lengths"], want.lengths)


def test_ids_equal_per_text_encoding(single_dir, texts):
    """Fast path + encode_batch fallback (mixed rows, empty/whitespace/non-ASCII/long) == tokenizer.encode per text."""
    b = Bundle.load(single_dir)
    assert b._fast is not None
    rows = texts * 30 + ["[MASK] it", "x\ud800y"]                  # > one tokenize slice; an added token; a surrogate
    want = [b.tokenizer.encode(_valid_unicode(t), add_special_tokens=False).ids for t in rows]
    assert b._ids(rows) == want
    assert [b._ids([t])[0] for t in rows] == want


@pytest.mark.parametrize("model", ["fp32", "int8"])
def test_windows_and_threads_keep_results(model, single_dir, pair_dir, texts, pairs, monkeypatch):
    """Windows of rows are batched alike whether batches run one by one or on a pool; results in input order.
    (The same session: int8 kernels of onnxruntime round differently with another intra-op thread count.)"""
    monkeypatch.setattr(schedule, "SORT_WINDOW", 7)
    for path, items in ((single_dir, texts * 3), (pair_dir, pairs * 3)):
        b = Bundle.load(path, model=model, threads=3)
        threaded = b.predict(items, batch_size=4, max_tokens=40)
        b._workers = 1
        serial = b.predict(items, batch_size=4, max_tokens=40)
        assert np.array_equal(serial.logits, threaded.logits) and serial.labels == threaded.labels
        assert np.array_equal(serial.truncated, threaded.truncated)
        assert serial.metadata == threaded.metadata
        by_window = np.concatenate([b.predict(items[a:a + 7], batch_size=4, max_tokens=40).logits
                                    for a in range(0, len(items), 7)])
        assert np.array_equal(serial.logits, by_window)


def test_one_window_is_the_global_length_sort(single_dir, texts):
    """Up to SORT_WINDOW rows: the golden contract's rule (stable sort of all rows, then the caps)."""
    key = np.array([len(x) for x in texts])
    got = schedule.window_batches(key, 4, 40)
    order = np.argsort(key, kind="stable")
    assert np.array_equal(np.concatenate(got), order)
    assert [len(x) for x in got] == [len(x) for x in schedule.batches(order, key, 4, 40)]


def test_a_failing_batch_raises(single_dir, texts, monkeypatch):
    monkeypatch.setattr(schedule, "SORT_WINDOW", 4)
    b = Bundle.load(single_dir, threads=2)

    def boom(feeds):
        raise RuntimeError("kernel failed")
    b.backend.run = boom
    with pytest.raises(RuntimeError, match="kernel failed"):
        b.predict(texts * 2, batch_size=2)
