"""Bundle.load + predict on real exported (tiny, random) bundles: results, order, truncation, empty text, pairs."""
from __future__ import annotations

import numpy as np
import pytest

from edgekd_runtime import Bundle, InputArityError, InputError, ManifestError
from edgekd_runtime.encoding import encode


@pytest.fixture(scope="module", params=["onnxruntime", "numpy"])
def single(request, single_dir):
    if request.param == "onnxruntime":
        pytest.importorskip("onnxruntime")
    return Bundle.load(single_dir, backend=request.param)


@pytest.fixture(scope="module")
def single_fp32(single):
    # fp32 wherever rows are compared across batches: int8 activations are quantized per batch, so an int8
    # row's logits move slightly with its batch mates (documented in bundle.py).
    return Bundle.load(single.root, backend=single.backend.name, model="fp32")


def test_prediction_fields(single, texts):
    r = single.predict(texts)
    n, c = len(texts), len(single.labels)
    assert len(r) == n and r.logits.shape == (n, c) and r.probabilities.shape == (n, c)
    assert r.logits.dtype == np.float32 and r.probabilities.dtype == np.float32
    np.testing.assert_allclose(r.probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert list(r.label_ids) == list(r.logits.argmax(axis=1))
    assert list(r.labels) == [single.labels[i] for i in r.label_ids]
    assert r.metadata["backend"] == single.backend.name and r.metadata["model"] == "model.int8.onnx"


def test_bucketed_batches_restore_input_order(single_fp32, texts):
    b = single_fp32
    many = texts * 5
    together = b.predict(many, batch_size=4)
    alone = np.concatenate([b.predict([t]).logits for t in many])
    np.testing.assert_allclose(together.logits, alone, rtol=1e-5, atol=1e-5)


def test_batches_respect_row_and_token_caps():
    from edgekd_runtime.schedule import batches as _batches
    key = np.array([5, 1, 30, 2, 2, 9, 40, 3])
    order = np.argsort(key, kind="stable")
    for batch, cap in ((3, None), (8, 20), (2, 10), (8, 1)):
        runs = list(_batches(order, key, batch, cap))
        assert np.array_equal(np.concatenate(runs), order)                 # every row once, sorted order kept
        for r in runs:
            assert len(r) <= batch
            assert len(r) == 1 or cap is None or len(r) * key[r].max() <= cap   # one over-long row runs alone


def test_token_cap_does_not_change_results(single_fp32, texts):
    a = single_fp32.predict(texts * 3, batch_size=64, max_tokens=None).logits
    b = single_fp32.predict(texts * 3, batch_size=64, max_tokens=8).logits
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_truncation_is_reported(single_fp32, texts):
    single = single_fp32
    r = single.predict(texts)
    lengths = [len(single.tokenizer.encode(t, add_special_tokens=False).ids) for t in texts]
    want = [i for i, n in enumerate(lengths) if n > single.max_length]
    assert want, "the fixture texts must include an over-long one"
    assert r.metadata["truncated_rows"] == want and r.metadata["num_truncated"] == len(want)
    assert list(np.flatnonzero(r.truncated)) == want
    # The truncated row equals the model's answer on its first max_length pieces.
    long_text = texts[want[0]]
    enc = encode(single.tokenizer, [long_text], single.max_length)
    feeds = {"input_ids": enc.ids, "lengths": enc.lengths}
    np.testing.assert_allclose(r.logits[want[0]], single.backend.run(feeds)["logits"][0], rtol=1e-5, atol=1e-5)


def test_empty_and_whitespace_text_is_the_empty_id(single_fp32):
    single = single_fp32
    r = single.predict(["", "   \n\t", "ok"])
    assert r.metadata["empty_rows"] == [0, 1]
    empty_id = single.manifest.tokenizer.empty_id
    ref = single.backend.run({"input_ids": np.array([[empty_id]], np.int64), "lengths": np.array([1], np.int64)})
    np.testing.assert_allclose(r.logits[0], ref["logits"][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r.logits[1], r.logits[0], rtol=1e-5, atol=1e-6)


def test_lone_surrogates_become_replacement_chars(single_fp32):
    r = single_fp32.predict(["ok \ud800 bad", "ok \ufffd bad", "\ud83d\ude00", "\U0001F600"])
    np.testing.assert_allclose(r.logits[0], r.logits[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r.logits[2], r.logits[3], rtol=1e-5, atol=1e-6)   # a split pair is joined


def test_inputs_are_checked(single):
    with pytest.raises(InputArityError, match="single-sentence"):
        single.predict([("a", "b")])
    with pytest.raises(InputError, match="item 1"):
        single.predict(["fine", 3])
    assert len(single.predict("one string is one text")) == 1
    empty = single.predict([])                      # no rows: no graph run (onnxruntime's int8 LSTM crashes on 0)
    assert len(empty) == 0 and empty.logits.shape == (0, len(single.labels))


def test_pair_model(pair_dir, pairs):
    for backend in ("onnxruntime", "numpy"):
        b = Bundle.load(pair_dir, backend=backend)
        r = b.predict(pairs)
        assert r.logits.shape == (len(pairs), len(b.labels))
        assert r.metadata["truncated_rows"] == [i for i, (x, y) in enumerate(pairs) if len(x) > 200 or len(y) > 200]
        assert len(b.predict(("one", "pair"))) == 1
        with pytest.raises(InputArityError, match="pair model"):
            b.predict(["just one text"])
        with pytest.raises(InputArityError):
            b.predict([("a", "b", "c")])


def test_model_choice(single_dir):
    assert Bundle.load(single_dir, model="fp32").spec.precision == "fp32"
    assert Bundle.load(single_dir, model="model.int8.onnx").spec.precision == "int8"
    with pytest.raises(ManifestError, match="no model"):
        Bundle.load(single_dir, model="fp16")


def test_records(single_dir):
    b = Bundle.load(single_dir, backend="numpy")
    r = b.predict(["good", "it is a very very long story " * 12])
    recs = list(r.records(probs=True, label_names=b.labels))
    assert set(recs[0]) == {"label", "score", "probs"} and recs[1]["truncated"] is True
    assert recs[0]["score"] == pytest.approx(max(recs[0]["probs"].values()), abs=1e-6)
