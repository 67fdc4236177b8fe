"""Vocabulary pruning and remapping, embedding initialisation, and the ragged training store."""
from __future__ import annotations

import json

import numpy as np
import pytest

from edgekd.batching import length_buckets
from edgekd.student import embeddings as emb
from edgekd.student.data import Ragged, TrainRows, encode_ragged, read_logits, read_transfer
from edgekd.student.vocab import TeacherSpecials, Vocab, build_vocab, load_tokenizer, teacher_specials
from edgekd.tasks import DataError
from edgekd_contract.checkpoint import PAD_ID, UNK_ID
from edgekd_runtime.encoding import encode

SP = TeacherSpecials(pad_id=0, unk_id=3, other=(1, 2, 4))    # 1=[CLS], 2=[SEP], 4=[MASK] in a 12-id toy vocab


def test_build_vocab_remaps_specials_unseen_and_keeps_seen():
    v = build_vocab([np.array([5, 7, 7, 4, 3, 11]), np.array([9, 5])], 12, SP)
    assert v.kept.tolist() == [0, 3, 5, 7, 9, 11]         # PAD, UNK, then seen pieces in teacher order
    assert v.vocab_map[0] == PAD_ID
    assert v.vocab_map[[3, 4, 1, 2]].tolist() == [UNK_ID] * 4   # [UNK], [MASK], [CLS], [SEP] -> UNK
    assert v.vocab_map[[6, 8, 10]].tolist() == [UNK_ID] * 3     # never seen -> UNK
    assert v.vocab_map[[5, 7, 9, 11]].tolist() == [2, 3, 4, 5]
    assert v.remap(np.array([[5, 6, 0]])).tolist() == [[2, UNK_ID, PAD_ID]]
    # each student row maps back to its teacher piece
    assert all(v.kept[v.vocab_map[t]] == t for t in (5, 7, 9, 11))
    assert v.size == 6 and v.teacher_vocab_size == 12


def test_coverage_counts_tokens_with_their_own_row():
    v = build_vocab([np.array([5, 7])], 12, SP)
    # 5, 7 covered; 6 unseen; 3 is [UNK]; 4 is [MASK] -> 2 of 5
    assert v.coverage([np.array([5, 6, 3]), np.array([7, 4])]) == pytest.approx(2 / 5)


def test_min_count_and_out_of_range():
    v = build_vocab([np.array([5, 5, 7])], 12, SP, min_count=2)
    assert v.kept.tolist() == [0, 3, 5] and v.vocab_map[7] == UNK_ID
    with pytest.raises(ValueError, match="out of range"):
        build_vocab([np.array([12])], 12, SP)


def test_vocab_from_map_round_trip():
    v = build_vocab([np.array([5, 7, 9])], 12, SP)
    w = Vocab.from_map(v.vocab_map)
    assert np.array_equal(w.vocab_map, v.vocab_map)
    assert w.kept[2:].tolist() == v.kept[2:].tolist() and w.kept[PAD_ID] == 0


@pytest.fixture(scope="module")
def tok(tiny_teacher_dir):
    return load_tokenizer(tiny_teacher_dir / "tokenizer.json")


def test_teacher_specials_and_clean_tokenizer(tok, tmp_path):
    sp = teacher_specials(tok)
    assert (sp.pad_id, sp.unk_id) == (tok.token_to_id("[PAD]"), tok.token_to_id("[UNK]"))
    assert tok.token_to_id("[MASK]") in sp.other and tok.token_to_id("[CLS]") in sp.other
    # a tokenizer.json that pads to 128 (as hub files often do) is cleaned on load
    raw = json.loads(tok.to_str())
    raw["padding"] = {"strategy": {"Fixed": 128}, "direction": "Right", "pad_to_multiple_of": None, "pad_id": 0,
                      "pad_type_id": 0, "pad_token": "[PAD]"}
    (tmp_path / "tokenizer.json").write_text(json.dumps(raw))
    assert len(load_tokenizer(tmp_path / "tokenizer.json").encode("a good film", add_special_tokens=False).ids) < 10


def test_mask_in_text_becomes_unk(tok, glue_dir):
    from edgekd.tasks import load_split

    texts = load_split("sst2", "train", glue_dir, limit=200).texts
    sp = teacher_specials(tok)
    r = encode_ragged(tok, texts, 64, sp.pad_id, sp.unk_id)
    v = build_vocab([r.flat], tok.get_vocab_size(), sp)
    ids = encode(tok, ["a [MASK] film"], 64).ids[0]
    assert v.remap(ids)[1] == UNK_ID and v.remap(ids)[0] > UNK_ID


def test_ragged_store_matches_the_shared_encoding(tok, glue_dir):
    from edgekd.tasks import load_split

    texts = list(load_split("sst2", "dev", glue_dir).texts[:50]) + ["", "   "]
    r = encode_ragged(tok, texts, 12, pad_id=0, empty_id=100, chunk=7)   # several chunks
    ref = encode(tok, texts, 12, pad_id=0, empty_id=100)
    idx = np.arange(len(texts))
    ids, lengths = r.padded(idx)
    assert r.flat.dtype == np.int32 and np.array_equal(lengths, ref.lengths)
    assert np.array_equal(ids, ref.ids)
    sub = r.take(np.array([3, 0]))
    assert np.array_equal(sub.padded(np.arange(2))[0], r.padded(np.array([3, 0]))[0])


def test_length_buckets_are_a_permutation_with_little_padding():
    lengths = np.random.default_rng(0).integers(1, 60, size=2000)
    batches = length_buckets(lengths, 50, np.random.default_rng(1))
    assert sorted(np.concatenate(batches).tolist()) == list(range(2000))
    pad = sum(len(b) * lengths[b].max() - lengths[b].sum() for b in batches)
    naive = sum(50 * lengths[i:i + 50].max() - lengths[i:i + 50].sum() for i in range(0, 2000, 50))
    assert pad < naive / 3
    again = length_buckets(lengths, 50, np.random.default_rng(1))
    assert all(np.array_equal(a, b) for a, b in zip(batches, again))


def test_pca_projection_shape_and_as_is():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6)) * np.array([5, 4, 3, 0.1, 0.1, 0.1])
    p = emb.pca_project(x, 3)
    assert p.shape == (40, 3) and p.dtype == np.float32
    # the top components carry nearly all the variance, in decreasing order
    var = p.var(axis=0)
    assert var.sum() / x.var(axis=0).sum() > 0.99 and var[0] >= var[1] >= var[2]
    np.testing.assert_allclose(emb.pca_project(x, 6), x - x.mean(0), atol=1e-5)    # as-is (centred)
    assert emb.pca_project(x, 8).shape == (40, 8)


def test_from_teacher_rows_follow_the_kept_pieces():
    table = np.random.default_rng(0).normal(size=(12, 4)).astype(np.float32)
    v = build_vocab([np.array([5, 7, 9])], 12, SP)
    same = emb.from_teacher(v, table, 4, std=0.5)
    assert same.shape == (5, 4) and not same[PAD_ID].any()
    assert float(same[1:].std()) == pytest.approx(0.5, rel=1e-5)
    rows = table[[3, 5, 7, 9]] - table[[3, 5, 7, 9]].mean(0)
    np.testing.assert_allclose(same[1:], rows * (0.5 / rows.std()), rtol=1e-5, atol=1e-6)
    assert emb.from_teacher(v, table, 2).shape == (5, 2)
    with pytest.raises(ValueError, match="different models"):
        emb.from_teacher(v, table[:10], 4)


def test_teacher_table_and_word_vectors(tiny_teacher_dir, tok, tmp_path):
    table = emb.teacher_embedding_table(tiny_teacher_dir)
    assert table.shape == (tok.get_vocab_size(), 16)
    good, film = tok.token_to_id("good"), tok.token_to_id("film")
    v = build_vocab([np.array([good, film])], tok.get_vocab_size(), teacher_specials(tok))
    (tmp_path / "vec.txt").write_text("3 3\ngood 1 0 0\nFILM 0 1 0\nbad 0 0 1\n")
    base = emb.random_embeddings(v.size, 3, seed=1)
    out, hit = emb.from_word_vectors(v, tok, tmp_path / "vec.txt", 3, base)
    assert hit == 1.0 and out.shape == (4, 3) and not out[PAD_ID].any()
    assert np.array_equal(out[UNK_ID], base[UNK_ID])
    (tmp_path / "case.txt").write_text("Good 9 9\ngood 1 0\nFilm 0 1\nfilm 5 5\n")
    vec, dim = emb.load_word_vectors(tmp_path / "case.txt", {"good", "film"})
    assert dim == 2 and vec["good"].tolist() == [1, 0] and vec["film"].tolist() == [5, 5]   # exact case wins
    (tmp_path / "bad.txt").write_text("good 1 0 0\nfilm 0 1\n")
    with pytest.raises(ValueError, match="bad.txt:2"):
        emb.load_word_vectors(tmp_path / "bad.txt")


def test_transfer_and_logits_readers(tmp_path):
    rows = [{"text": "a", "label": 1, "src": 0, "aug": "orig"}, {"text": "b", "label": -1, "src": 0, "aug": "mask"}]
    (tmp_path / "t.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    tr = read_transfer(tmp_path / "t.jsonl", pair=False)
    assert tr.texts == ("a", "b") and tr.labels.tolist() == [1, -1] and tr.original.tolist() == [True, False]
    assert tr.originals().texts == ("a",)
    (tmp_path / "c").mkdir()
    with pytest.raises(DataError, match="cache.json"):
        read_logits(tmp_path / "c")
    (tmp_path / "c" / "cache.json").write_text("{}")
    with pytest.raises(DataError, match="logits.npy"):
        read_logits(tmp_path / "c")
    np.save(tmp_path / "c" / "logits.npy", np.ones((2, 2), np.float32))
    assert tr.with_logits(read_logits(tmp_path / "c")).logits.shape == (2, 2)
    with pytest.raises(DataError, match="does not belong"):
        TrainRows(tr.texts, tr.labels, logits=np.ones((3, 2), np.float32))
    (tmp_path / "bad.jsonl").write_text('{"text": "a"}\n{"label": 1}\n')
    with pytest.raises(DataError, match="bad.jsonl:2"):
        read_transfer(tmp_path / "bad.jsonl", pair=False)


def test_ragged_empty_store():
    r = Ragged(np.zeros(0, np.int32), np.zeros(1, np.int64))
    assert len(r) == 0 and r.lengths.size == 0
