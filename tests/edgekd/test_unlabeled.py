"""--unlabeled text in the transfer set: formats and clear errors, dedup against training/dev rows, no dev row
ever written (augmentations included), lazy reading, and the file untouched without the option."""
from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
from click.testing import CliRunner

from edgekd.augment import AugmentConfig, build_transfer_set, read_transfer_set
from edgekd.augment.unlabeled import UnlabeledOptions, file_sha256, iter_unlabeled, normalise
from edgekd.tasks import DataError, Dataset
from tests.helpers.tagger import FakeTagger



TRAIN = Dataset(("a good film", "bad film", "not bad at all", "a truly great film"), np.array([1, 0, 1, 1]),
                source="mem")
DEV = Dataset(("the plot is thin", "great acting", "dull"), np.array([0, 1, 0]), source="mem-dev")


def _build(tmp_path, name, unlabeled=None, exclude=DEV, cfg=AugmentConfig(p_mask=0.3, p_pos=0.3, n_iter=8), ds=TRAIN):
    meta = build_transfer_set(ds, tmp_path / name, cfg, 0, tagger=FakeTagger(), progress=False,
                              unlabeled=unlabeled, exclude=exclude if unlabeled is not None else None)
    return meta, [json.loads(x) for x in (tmp_path / name).read_text().splitlines()]


def _dev_keys(dev):
    return {normalise((t,) if dev.text_pairs is None else (t, dev.text_pairs[i])) for i, t in enumerate(dev.texts)}


def test_plain_lines_join_after_training_rows_with_their_source_and_counts(tmp_path):
    f = tmp_path / "u.txt"
    f.write_text("a new sentence here\n\nbad   film\n  great acting \nanother fresh one\na new sentence here\n")
    meta, rows = _build(tmp_path, "t.jsonl", UnlabeledOptions(f))
    base_meta, base = _build(tmp_path, "b.jsonl")
    assert rows[:len(base)] == base                     # training rows unchanged, unlabeled text appended
    u = [r for r in rows if r["aug"].startswith("unlabeled")]
    assert [(r["text"], r["label"], r["src"], r["aug"]) for r in u] == \
        [("a new sentence here", -1, -1, "unlabeled"), ("another fresh one", -1, -5, "unlabeled")]
    c = meta["counts"]["unlabeled"]
    assert (c["lines"], c["written"], c["dup_train_or_earlier"], c["dup_dev"], c["augmented"]) == (5, 2, 2, 1, 0)
    assert meta["counts"]["written"] == len(rows) and c["sha256"] == file_sha256(f)
    ds, src, kinds = read_transfer_set(tmp_path / "t.jsonl")
    assert len(ds) == len(rows) and (ds.labels[-2:] == -1).all() and kinds[-1] == "unlabeled"


def test_no_dev_row_ever_enters_even_with_augmentation(tmp_path):
    """Unlabeled lines that are dev rows, and augmentations (of training and unlabeled rows) that equal a dev
    row, are all dropped: with masking off and n-grams on, n-grams of 'great acting tonight' hit dev rows."""
    dev = Dataset(("great acting", "acting", "film", "good film", "great"), np.zeros(5, int), source="d")
    f = tmp_path / "u.jsonl"
    f.write_text("\n".join(json.dumps({"text": t}) for t in
                           ("great acting tonight", "great acting", "the  plot is thin", "good film indeed")) + "\n")
    cfg = AugmentConfig(p_mask=0.0, p_pos=0.0, p_ng=1.0, ngram_min=1, ngram_max=2, n_iter=20)
    meta, rows = _build(tmp_path, "t.jsonl", UnlabeledOptions(f, augment=True), exclude=dev, cfg=cfg)
    keys = {normalise((r["text"],)) for r in rows if r["aug"] != "orig"}
    assert not keys & _dev_keys(dev)
    c, d = meta["counts"]["unlabeled"], meta["counts"]["dev_excluded"]
    assert c["dup_dev"] == 1 and c["aug_dev_dropped"] > 0 and d["augmented_dropped"] > 0
    assert c["augmented"] > 0 and any(r["aug"].startswith("unlabeled+ngram") for r in rows)
    assert all(r["src"] < 0 for r in rows if r["aug"].startswith("unlabeled"))
    # the same build without dev exclusion would have written dev rows: the test has teeth
    _, leaky = _build(tmp_path, "l.jsonl", UnlabeledOptions(f, augment=True), exclude=Dataset((), np.zeros(0, int)),
                      cfg=cfg)
    assert {normalise((r["text"],)) for r in leaky if r["aug"] != "orig"} & _dev_keys(dev)


def test_augmented_unlabeled_rows_are_deterministic_and_unique(tmp_path):
    f = tmp_path / "u.txt"
    f.write_text("\n".join(f"an unseen sentence number {i} with words" for i in range(30)) + "\n")
    m1, r1 = _build(tmp_path, "a.jsonl", UnlabeledOptions(f, augment=True))
    m2, r2 = _build(tmp_path, "b.jsonl", UnlabeledOptions(f, augment=True))
    assert r1 == r2 and m1["file"]["sha256"] == m2["file"]["sha256"]
    texts = [r["text"] for r in r1 if r["aug"] != "orig"]
    assert len(texts) == len(set(texts))
    assert m1["counts"]["unlabeled"]["augmented"] == sum(r["aug"].startswith("unlabeled+") for r in r1) > 0


def test_pair_records_and_clear_errors_naming_the_line(tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text('{"text": "a b", "text_pair": "c d"}\n\n{"text": "e", "text_pair": "f"}\n')
    assert list(iter_unlabeled(f, pair=True)) == [(1, ("a b", "c d")), (3, ("e", "f"))]
    with pytest.raises(DataError, match=r"p\.jsonl:1: .*single sentences"):
        list(iter_unlabeled(f, pair=False))
    bad = tmp_path / "bad.jsonl"
    cases = [('{"text": "a"}\n{"text": "b", oops}\n', False, r":2: malformed JSON"),
             ('{"text": "a"}\n{"txt": "b"}\n', False, r':2: expected a JSON object with a string "text"'),
             ('{"text": "a", "text_pair": "b"}\n{"text": "c"}\n', True, r':2: .*needs a string "text_pair"'),
             ("plain line\n", True, r":1: a pair task needs JSONL")]
    for body, pair, msg in cases:
        bad.write_text(body)
        with pytest.raises(DataError, match=msg):
            list(iter_unlabeled(bad, pair=pair))
    bad.write_bytes(b"fine\n\xff\xfe bad\n")
    with pytest.raises(DataError, match=r":2: not UTF-8"):
        list(iter_unlabeled(bad, pair=False))


def test_reader_is_lazy_and_memory_does_not_grow_with_the_file(tmp_path):
    """Only the line being read is held: the reader yields before reading on, and tracing peak memory while
    streaming 20k vs 200k lines (unique-hash table aside, which the writer holds) stays flat."""
    f = tmp_path / "big.txt"
    with open(f, "w") as out:
        for i in range(200_000):
            out.write(f"line {i} of some unlabeled text\n")
    it = iter_unlabeled(f, pair=False)
    assert next(it) == (1, ("line 0 of some unlabeled text",))
    assert it.gi_frame is not None and it.gi_frame.f_locals["line_no"] == 1   # nothing read past line 1

    def peak(n):
        tracemalloc.start()
        for k, _ in iter_unlabeled(f, pair=False):
            if k >= n:
                break
        p = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return p

    small, big = peak(20_000), peak(200_000)
    assert big < small + 64_000, (small, big)


def test_writer_memory_grows_only_by_the_hash_table(tmp_path):
    """Peak memory of writing N unlabeled rows grows with N only by the dedup table (8-byte hashes: <= 21 bytes
    a row, 32 while it doubles); the ~210 bytes of text per row are never held (bounded buffers aside)."""
    pad = " ".join(["words"] * 30)

    def peak(n):
        f = tmp_path / f"u{n}.txt"
        with open(f, "w") as out:
            for i in range(n):
                out.write(f"an unlabeled line number {i} {pad}\n")
        tracemalloc.start()
        meta = build_transfer_set(TRAIN, tmp_path / f"t{n}.jsonl", AugmentConfig(n_iter=1), 0, tagger=None,
                                  progress=False, unlabeled=UnlabeledOptions(f), exclude=DEV)
        p = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert meta["counts"]["unlabeled"]["written"] == n
        return p, f.stat().st_size

    (p1, s1), (p2, s2) = peak(10_000), peak(40_000)
    assert s2 - s1 > 30_000 * 200 and p2 - p1 < 30_000 * 40, (p1, p2)


def test_without_unlabeled_nothing_changes(tmp_path):
    meta, rows = _build(tmp_path, "t.jsonl")
    assert "unlabeled" not in meta["counts"] and "dev_excluded" not in meta["counts"]
    assert not any(r["aug"].startswith("unlabeled") for r in rows)


def test_cli_augment_unlabeled(tmp_path, glue_dir):
    from edgekd.cli import main

    dev0 = (glue_dir / "SST-2" / "dev.tsv").read_text().splitlines()[1].split("\t")[0]
    f = tmp_path / "u.txt"
    f.write_text(f"a sentence nobody wrote before\n{dev0}\n")
    out = tmp_path / "transfer.jsonl"
    common = ["augment", "--task", "sst2", "--data-dir", str(glue_dir), "--out", str(out), "--limit", "20",
              "--no-pos", "--quiet", "--n-iter", "2"]
    r = CliRunner().invoke(main, [*common, "--unlabeled", str(f), "--augment-unlabeled"])
    assert r.exit_code == 0, r.output
    assert "1 of 2 lines added" in r.output and "1 equal to a dev row" in r.output
    rows_out = out.read_text().count("\n")
    assert f"transfer set {out}: {rows_out} rows = 20 originals + " in r.output and " from --unlabeled " in r.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows[20 * 0 + 20:] and not any(normalise((x["text"],)) == normalise((dev0,)) for x in rows)
    r = CliRunner().invoke(main, [*common, "--augment-unlabeled"])
    assert r.exit_code != 0 and "--unlabeled" in r.output
    (tmp_path / "bad.txt").write_text('{"text": "ok"}\n{"text": 3}\n')
    r = CliRunner().invoke(main, [*common, "--unlabeled", str(tmp_path / "bad.txt")])
    assert r.exit_code != 0 and "bad.txt:2" in r.output and "Traceback" not in r.output


def test_cli_build_unlabeled_options(tmp_path, glue_dir):
    from edgekd.cli import main

    r = CliRunner().invoke(main, ["build", "--help"])
    assert r.exit_code == 0 and "--unlabeled" in r.output and "--augment-unlabeled" in r.output
    assert "hard_soft" in r.output
    r = CliRunner().invoke(main, ["build", "--data-dir", str(glue_dir), "--out", str(tmp_path / "b"),
                                  "--augment-unlabeled"])
    assert r.exit_code != 0 and "needs --unlabeled" in r.output


def test_build_config_loss_override():
    from edgekd.pipeline.presets import build_config

    assert build_config("quick", False, loss="hard_soft").distill.alpha == 0.5
    d = build_config("quick", False, loss="hard_soft", alpha=0.2).distill
    assert (d.loss, d.alpha) == ("hard_soft", 0.2)
    assert build_config("quick", False) == build_config("quick", False, loss=None, alpha=None)


def test_cli_augment_always_keeps_dev_rows_out(tmp_path, glue_dir):
    """Without --unlabeled too: the quick build's SST-2 transfer set once held 2 dev sentences ("cool ?", "bad .")."""
    from edgekd.augment.transfer import read_meta
    from edgekd.cli import main
    from edgekd.tasks import load_split

    out = tmp_path / "transfer.jsonl"
    r = CliRunner().invoke(main, ["augment", "--task", "sst2", "--data-dir", str(glue_dir), "--out", str(out),
                                  "--limit", "20", "--no-pos", "--quiet", "--n-iter", "2"])
    assert r.exit_code == 0, r.output
    ex = read_meta(out)["counts"]["dev_excluded"]
    assert ex["dev_fingerprint"] == load_split("sst2", "dev", glue_dir).fingerprint()


@pytest.mark.e2e
def test_a_million_line_file_streams_into_the_transfer_set_in_bounded_memory(tmp_path):
    """1M generated lines (37 MB of text) through the augment stage: every line written, dev rows dropped, and
    Python's peak allocation stays under the dedup table's 32 bytes a row plus 8 MB, where holding the texts as
    str objects alone would take ~90 MB."""
    n, f = 1_000_000, tmp_path / "million.txt"
    with open(f, "w") as out:
        for i in range(n):
            out.write("great acting\n" if i % 100_000 == 7 else f"unlabeled line {i:07d} of the corpus\n")
    tracemalloc.start()
    meta = build_transfer_set(TRAIN, tmp_path / "t.jsonl", AugmentConfig(n_iter=0), 0, tagger=None, progress=False,
                              unlabeled=UnlabeledOptions(f), exclude=DEV)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    c = meta["counts"]["unlabeled"]
    assert (c["lines"], c["dup_dev"], c["written"]) == (n, 10, n - 10)
    assert f.stat().st_size > 35_000_000 and peak < 32 * n + 8_000_000, peak     # measured: 28 MB
