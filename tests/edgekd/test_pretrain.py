"""Task-agnostic pre-distillation: the corpus (dedup, both sides of pairs), the encoder trained on representations
alone, `init_from_pretrained` (what it copies, shape checks) and `--init-from` through distill."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from edgekd.pretrain import PretrainConfig, corpus_texts, init_from_pretrained, run_pretrain, write_corpus
from edgekd.student_stage import StudentShape
from edgekd.tasks import DataError, load_split
from edgekd_contract.checkpoint import StudentConfig, load_numpy_weights

SHAPE = dict(embed_dim=8, hidden_size=6)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, glue_dir):
    d = tmp_path_factory.mktemp("corpus")
    texts = load_split("sst2", "train", glue_dir, limit=300).texts
    (d / "plain.txt").write_text("\n".join([*texts, texts[0], "  ", texts[1]]) + "\n")
    (d / "pairs.jsonl").write_text("".join(json.dumps({"text": f"left {i}", "text_pair": f"right {i}"}) + "\n"
                                           for i in range(20)))
    return d


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory, corpus, tiny_teacher_dir):
    out = tmp_path_factory.mktemp("pre")
    rec = run_pretrain(out, corpus=[corpus / "plain.txt", corpus / "pairs.jsonl"], teacher=str(tiny_teacher_dir),
                       cfg=PretrainConfig(StudentShape(max_length=32, **SHAPE), epochs=2), bf16=False, threads=1, progress=False,
                       log=lambda m: None)
    return out, rec


def test_corpus_dedups_and_reads_both_sides_of_pairs(tmp_path, corpus):
    texts = list(corpus_texts([corpus / "plain.txt", corpus / "pairs.jsonl"]))
    assert "left 3" in texts and "right 3" in texts
    counts = write_corpus(texts, tmp_path / "c.jsonl")
    rows = [json.loads(x) for x in (tmp_path / "c.jsonl").read_text().splitlines()]
    assert counts["written"] == len(rows) == len({r["text"] for r in rows})
    assert counts["duplicate"] >= 2 and counts["blank"] == 0     # iter_unlabeled already skips blank lines
    with pytest.raises(DataError, match="empty"):
        write_corpus(["", "  "], tmp_path / "e.jsonl")


def test_encoder_learns_from_representations_only(pretrained, tiny_teacher_dir):
    out, rec = pretrained
    cfg = StudentConfig.read(out / "student")
    assert (cfg.embed_dim, cfg.hidden_size, cfg.task) == (8, 6, "pretrain")
    assert rec["corpus"]["written"] == rec["rows"] and len(rec["history"]) == 2
    assert all(np.isfinite(h["heldout_repr_mse"]) for h in rec["history"])
    assert json.loads((out / "label" / "cache.json").read_text())["key"]["representation"] == "cls_last"
    # the held-out representation error after training is below a fresh projection's on the untrained encoder
    first, last = rec["history"][0]["heldout_repr_mse"], rec["history"][-1]["heldout_repr_mse"]
    assert last <= first * 1.05


def test_init_from_copies_the_encoder_and_checks_shapes(pretrained, tiny_teacher_dir):
    from edgekd.student.registry import build_student
    from edgekd.student.vocab import Vocab, load_tokenizer, teacher_specials

    out, _ = pretrained
    w = load_numpy_weights(out / "student")
    vt = len(w["vocab_map"])
    # a task vocabulary: some pieces the pre-trained one holds, some it does not
    known = np.flatnonzero(w["vocab_map"] > 1)[:5]
    unknown = np.flatnonzero(w["vocab_map"] == 1)[-3:]
    sp = teacher_specials(load_tokenizer(tiny_teacher_dir / "tokenizer.json"))
    kept = np.concatenate([[sp.pad_id, sp.unk_id], known, unknown]).astype(np.int64)
    vmap = np.ones(vt, dtype=np.int64)
    vmap[kept[2:]] = np.arange(2, len(kept))
    vocab = Vocab(kept=kept, vocab_map=vmap)
    torch.manual_seed(0)
    model = build_student(StudentConfig(vocab_size=len(kept), teacher_vocab_size=vt, mlp_size=4, max_length=32,
                                        **SHAPE))
    before = model.embedding.weight.detach().clone()
    info = init_from_pretrained(model, vocab, out / "student")
    assert info["embedding_rows_copied"] == len(known)
    emb = model.embedding.weight.detach().numpy()
    np.testing.assert_array_equal(emb[2:2 + len(known)], w["embedding.weight"][w["vocab_map"][known]])
    np.testing.assert_array_equal(emb[2 + len(known):], before.numpy()[2 + len(known):])   # unknown pieces untouched
    np.testing.assert_array_equal(model.encoder.lstm.weight_hh_l0.detach().numpy(), w["lstm.weight_hh_l0"])
    wrong = build_student(StudentConfig(vocab_size=len(kept), teacher_vocab_size=vt, embed_dim=8, hidden_size=7,
                                        mlp_size=4, max_length=32))
    with pytest.raises(ValueError, match="hidden 6; this student has 8 and 7"):
        init_from_pretrained(wrong, vocab, out / "student")


def test_distill_init_from_and_cli(tmp_path, pretrained, glue_dir, tiny_teacher_dir):
    from edgekd.cli import main

    out, _ = pretrained
    base = ["distill", "--task", "sst2", "--data-dir", str(glue_dir), "--teacher", str(tiny_teacher_dir),
            "--no-distill", "--epochs", "1", "--embed-dim", "8", "--hidden-size", "6", "--mlp-size", "4",
            "--max-length", "32", "--max-train-rows", "100", "--threads", "1", "--no-progress",
            "--no-teacher-dev"]
    r = CliRunner().invoke(main, [*base, "--out", str(tmp_path / "s"), "--init-from", str(out / "student")])
    assert r.exit_code == 0, r.output
    rec = json.loads((tmp_path / "s" / "metrics.json").read_text())
    assert rec["student_init"]["init_from"] == str(out / "student") and rec["student_init"]["embedding_rows_copied"] > 0
    r = CliRunner().invoke(main, [*base[:-12], "--embed-dim", "16", "--hidden-size", "6", "--mlp-size", "4",
                                  "--max-length", "32", "--max-train-rows", "100", "--threads", "1",
                                  "--no-progress", "--no-teacher-dev", "--out", str(tmp_path / "w"),
                                  "--init-from", str(out / "student")])
    assert r.exit_code != 0 and "embedding 8" in r.output
    r = CliRunner().invoke(main, ["pretrain-student", "--out", str(tmp_path / "p")])
    assert r.exit_code == 2 and "--corpus" in r.output


def test_a_rerun_reuses_the_representation_cache_of_a_teacher_without_a_2_label_head(tmp_path, corpus, glue_dir):
    """The packaged MiniLM has no head: the fresh one must not change the cache key between runs."""
    from tests.conftest import make_tiny_teacher

    teacher = make_tiny_teacher(tmp_path / "t3", load_split("sst2", "train", glue_dir, limit=300).texts, num_labels=3)
    kw = dict(corpus=[corpus / "plain.txt"], teacher=str(teacher), cfg=PretrainConfig(StudentShape(max_length=16, **SHAPE), epochs=1),
              bf16=False, threads=1, progress=False, log=lambda m: None)
    run_pretrain(tmp_path / "out", **kw)
    first = json.loads((tmp_path / "out" / "label" / "cache.json").read_text())
    run_pretrain(tmp_path / "out", **kw)           # before the fix: "stale cache, teacher_hash differs"
    again = json.loads((tmp_path / "out" / "label" / "cache.json").read_text())
    assert again["key"] == first["key"]


def test_the_encoder_shape_is_a_student_shape():
    """The pre-distilled encoder is described by the same StudentShape as every student (no copy of its fields)."""
    from edgekd.pretrain import encoder_config

    cfg = encoder_config(PretrainConfig(StudentShape(embed_dim=8, hidden_size=6, max_length=20)))
    assert (cfg.embed_dim, cfg.hidden_size, cfg.max_length) == (8, 6, 20)
    with pytest.raises(ValueError, match="hidden_size"):
        PretrainConfig(StudentShape())
