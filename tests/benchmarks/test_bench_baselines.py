"""fastText and TF-IDF baselines: pickle-free TF-IDF round trip, artifact cache keys, the training child, and
building both through the device profiler's `plugin` kind, including its peak-RSS child."""
from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks import train_child
from benchmarks.common import PAIR_SEP, join_item

FT = dict(dim=16, bucket=10_000, cutoff=2_000, epoch=3, threads=1)


@pytest.fixture(scope="module")
def sst2(glue_dir):
    from edgekd.tasks import load_split

    tr = load_split("sst2", "train", glue_dir, limit=400)
    dev = load_split("sst2", "dev", glue_dir, limit=40)
    return list(tr.texts), np.asarray(tr.labels), list(dev.texts), np.asarray(dev.labels)


def test_join_item_pairs_and_newlines():
    assert join_item("a\nb  c ") == "a b c"
    assert join_item(("one .", "two\t!")) == f"one . {PAIR_SEP} two !"


def test_tfidf_saved_without_pickle_predicts_like_the_fitted_pipeline(sst2, tmp_path):
    pytest.importorskip("sklearn")
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from benchmarks.tfidf_baseline import TfidfSettings, tfidf_system, train_tfidf

    texts, labels, dev, _ = sst2
    s = TfidfSettings()
    meta = train_tfidf(texts, labels, 2, tmp_path / "m", s, progress=lambda m: None)
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["config.json", "meta.json", "vocab.json",
                                                                    "weights.npz"]
    with np.load(tmp_path / "m" / "weights.npz", allow_pickle=False) as w:   # plain arrays only
        assert w["coef"].dtype == np.float32
    # The same pipeline fitted in memory, the ordinary sklearn way.
    vecs = [TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)]
    X = sp.hstack([v.fit_transform(texts) for v in vecs]).tocsr()
    clf = LogisticRegression(C=s.C, max_iter=s.max_iter).fit(X, labels)
    ref = clf.decision_function(sp.hstack([v.transform(dev) for v in vecs]).tocsr())
    system = tfidf_system(str(tmp_path / "m"))
    z = system.predict(dev)
    assert z.shape == (len(dev), 2) and z.dtype == np.float32
    np.testing.assert_allclose(z[:, 1] - z[:, 0], ref, atol=1e-3)
    assert system.size_bytes == meta["bytes"] > 0 and meta["features"]["word"] == len(vecs[0].vocabulary_)


def test_training_child_caches_by_data_and_settings(sst2, tmp_path):
    pytest.importorskip("fasttext")
    from benchmarks.fasttext_baseline import FastTextSettings, fasttext_system

    texts, labels, dev, dev_labels = sst2
    said = []
    s = FastTextSettings(**FT)
    meta = train_child.train("fasttext", texts, labels, 2, tmp_path / "ft", s, dev=(dev, dev_labels),
                             progress=said.append)
    assert meta["file"] == "model.ftz" and meta["quantized"] and 0 <= meta["unquantized_dev_accuracy"] <= 1
    assert any("quantizing" in m for m in said) and not (tmp_path / "ft" / "_job").exists()
    mtime = (tmp_path / "ft" / "model.ftz").stat().st_mtime_ns
    said.clear()
    assert train_child.train("fasttext", texts, labels, 2, tmp_path / "ft", s, dev=(dev, dev_labels),
                             progress=said.append) == meta
    assert said == [f"fasttext: reusing {(tmp_path / 'ft').resolve()} (same data and settings)"]
    assert (tmp_path / "ft" / "model.ftz").stat().st_mtime_ns == mtime
    flipped = labels.copy()
    flipped[0] = 1 - flipped[0]
    said.clear()
    meta2 = train_child.train("fasttext", texts, flipped, 2, tmp_path / "ft", s, dev=(dev, dev_labels),
                              progress=said.append)
    assert not any("reusing" in m for m in said) and meta2["key"] != meta["key"]   # other labels: retrained
    system = fasttext_system(str(tmp_path / "ft" / "model.ftz"), 2)
    z = system.predict(dev[:5] + [""])
    assert z.shape == (6, 2) and np.isfinite(z).all() and (z <= 0).all()          # log-probabilities
    assert system.size_bytes == meta2["bytes"] and system.spec["kind"] == "plugin"


def test_training_child_failure_names_the_problem(tmp_path):
    pytest.importorskip("sklearn")
    from benchmarks.tfidf_baseline import TfidfSettings

    with pytest.raises(RuntimeError, match="training tfidf in a child process failed.*ValueError"):
        train_child.train("tfidf", ["a b", "c d"], np.array([0, 0]), 2, tmp_path / "t", TfidfSettings(min_df=1))


def test_plugin_systems_rebuild_in_a_torch_free_rss_child(sst2, tmp_path):
    pytest.importorskip("sklearn")
    from edgekd.profiling.harness import peak_rss
    from edgekd.profiling.systems import build

    from benchmarks.tfidf_baseline import TfidfSettings, tfidf_system

    texts, labels, dev, _ = sst2
    train_child.train("tfidf", texts, labels, 2, tmp_path / "t", TfidfSettings(), progress=lambda m: None)
    s = tfidf_system(str(tmp_path / "t"))
    again = build(json.loads(json.dumps(s.spec)))                     # the spec survives JSON, as in the child
    np.testing.assert_array_equal(again.predict(dev), s.predict(dev))
    res = peak_rss({s.name: (s, dev[:16], 8)}, timeout_s=60)[s.name]
    assert "error" not in res, res
    assert res["torch_imported"] is False and res["items"] == 16 and 0 < res["peak_rss_mb"] < 1000
