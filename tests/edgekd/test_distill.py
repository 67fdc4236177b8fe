"""The distillation loop end to end on a few hundred real SST-2/MRPC rows: checkpoint, metrics, determinism, CLI."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from edgekd.distill.config import DistillConfig
from edgekd.distill.loop import predict_logits
from edgekd.distill.train import distill
from edgekd.student.checkpoint import load_checkpoint
from edgekd.student.data import TrainRows
from edgekd.tasks import load_split
from edgekd_contract.checkpoint import StudentConfig, load_numpy_weights

SMALL = dict(embed_dim=8, hidden_size=8, mlp_size=8)


@pytest.fixture(scope="module")
def sst2(glue_dir):
    train = load_split("sst2", "train", glue_dir, limit=200)
    dev = load_split("sst2", "dev", glue_dir).head(100)
    # "random-ish" teacher logits that still carry the gold label, so MSE has something to learn
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 1, size=(200, 2)).astype(np.float32)
    logits[np.arange(200), train.labels] += 2.0
    return TrainRows.from_dataset(train, logits), dev


def run(tmp_path, name, rows, dev, tiny_teacher_dir, **kw):
    from edgekd.student.embeddings import teacher_embedding_table

    cfg = DistillConfig(**{"epochs": 1, "batch_size": 20, **kw})
    scfg = StudentConfig(max_length=32, **SMALL)
    return distill(cfg, scfg, rows, dev, tmp_path / name, tokenizer_file=tiny_teacher_dir / "tokenizer.json",
                   embedding_table=teacher_embedding_table(tiny_teacher_dir), threads=1, progress=False)


def test_tiny_distill_writes_a_loadable_best_checkpoint(tmp_path, sst2, tiny_teacher_dir):
    rows, dev = sst2
    rec = run(tmp_path, "s", rows, dev, tiny_teacher_dir, epochs=2, patience=0)
    out = tmp_path / "s"
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["history"] == rec["history"] and len(rec["history"]) == 2
    assert rec["train_rows"] == 200 and rec["train_examples_seen"] == 400 and rec["examples_per_s"] > 0
    assert rec["mode"] == "distill" and rec["embeddings"]["projection"] == "pca 16->8"
    p = rec["params"]
    assert p["total"] == p["embedding"] + p["without_embeddings"] and p["embedding"] == rec["vocab"]["size"] * 8
    assert 0 < rec["vocab"]["dev_coverage"] <= 1
    best = max(h["accuracy"] for h in rec["history"])
    assert rec["dev"]["accuracy"] == best
    # the checkpoint on disk is the best one: its dev accuracy reproduces the recorded value
    cfg, model, vocab_map = load_checkpoint(out)
    assert cfg.vocab_size == rec["vocab"]["size"] and len(vocab_map) == cfg.teacher_vocab_size
    from edgekd.distill.prepare import encode_split, to_student_ids
    from edgekd.student.vocab import Vocab, load_tokenizer

    tok = load_tokenizer(out / "tokenizer.json")
    enc = to_student_ids(encode_split(tok, dev.texts, None, cfg.max_length, 0, tok.token_to_id("[UNK]")),
                         Vocab.from_map(vocab_map))
    pred = predict_logits(model, enc).argmax(-1)
    acc = float((pred == dev.labels).mean())
    assert acc == pytest.approx(best)
    from edgekd_contract.checkpoint import load_dev_predictions

    np.testing.assert_array_equal(load_dev_predictions(out), pred)   # saved with the best checkpoint
    assert json.loads((out / "tokenizer.json").read_text())["padding"] is None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tok-")]   # temp tokenizer cleaned up


def test_same_seed_same_weights_other_seed_differs(tmp_path, sst2, tiny_teacher_dir):
    rows, dev = sst2
    torch.manual_seed(123)            # global state before the call must not matter
    run(tmp_path, "a", rows, dev, tiny_teacher_dir, seed=3)
    torch.manual_seed(999)
    run(tmp_path, "b", rows, dev, tiny_teacher_dir, seed=3)
    run(tmp_path, "c", rows, dev, tiny_teacher_dir, seed=4)
    a, b, c = (load_numpy_weights(tmp_path / n) for n in "abc")
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["lstm.weight_ih_l0"], c["lstm.weight_ih_l0"])


def test_baseline_adadelta_kl_and_subset(tmp_path, sst2, tiny_teacher_dir):
    rows, dev = sst2
    gold = TrainRows(rows.texts, rows.labels)                     # no logits
    rec = run(tmp_path, "ce", gold, dev, tiny_teacher_dir, loss="ce", optimizer="adadelta", max_train_rows=120)
    assert rec["mode"] == "no-distill" and rec["train_rows"] == 120
    rec = run(tmp_path, "kl", rows, dev, tiny_teacher_dir, loss="kl", temperature=2.0, alpha=0.5, embed_init="random")
    assert rec["embeddings"]["init"] == "random"
    with pytest.raises(ValueError, match="needs teacher logits"):
        run(tmp_path, "x", gold, dev, tiny_teacher_dir, loss="mse")


def test_time_budget_and_eval_every(tmp_path, sst2, tiny_teacher_dir):
    rows, dev = sst2
    rec = run(tmp_path, "t", rows, dev, tiny_teacher_dir, epochs=5, eval_every=3, time_budget_min=0.0)
    assert rec["stopped"] == "time budget" and len(rec["history"]) == 1 and rec["history"][0]["step"] == 1


def test_siamese_distill_on_mrpc(tmp_path, glue_dir, tiny_teacher_dir):
    from edgekd.student.embeddings import teacher_embedding_table

    train = load_split("mrpc", "train", glue_dir, limit=120)
    dev = load_split("mrpc", "dev", glue_dir).head(40)
    logits = np.random.default_rng(1).normal(size=(120, 2)).astype(np.float32)
    scfg = StudentConfig(kind="siamese_bilstm", task="mrpc", max_length=32, **SMALL)
    rec = distill(DistillConfig(epochs=1, batch_size=20), scfg, TrainRows.from_dataset(train, logits), dev,
                  tmp_path / "m", tokenizer_file=tiny_teacher_dir / "tokenizer.json", metric="f1",
                  embedding_table=teacher_embedding_table(tiny_teacher_dir), threads=1, progress=False)
    assert "f1" in rec["dev"] and rec["student_config"]["kind"] == "siamese_bilstm"
    assert load_checkpoint(tmp_path / "m")[1].hidden.in_features == 8 * 8


def test_cli_baseline_and_distill_from_a_logits_cache(tmp_path, glue_dir, tiny_teacher_dir):
    from edgekd.cli import main

    train_file = tmp_path / "train.tsv"
    lines = (glue_dir / "SST-2" / "train.tsv").read_text().splitlines()[:151]
    train_file.write_text("\n".join(lines) + "\n")
    common = ["--task", "sst2", "--train-file", str(train_file), "--dev-file", str(glue_dir / "SST-2" / "dev.tsv"),
              "--teacher", str(tiny_teacher_dir), "--epochs", "1", "--embed-dim", "8", "--hidden-size", "8",
              "--mlp-size", "8", "--threads", "1", "--no-progress", "--no-teacher-dev"]
    r = CliRunner().invoke(main, ["distill", *common, "--out", str(tmp_path / "base"), "--no-distill"])
    assert r.exit_code == 0, r.output
    assert "no-distill" in r.output and (tmp_path / "base" / "model.safetensors").is_file()
    r = CliRunner().invoke(main, ["distill", *common, "--out", str(tmp_path / "kd")])
    assert r.exit_code != 0 and "--logits" in r.output and "Traceback" not in r.output
    cache = tmp_path / "cache"
    cache.mkdir()
    np.save(cache / "logits.npy", np.zeros((150, 2), np.float32))
    (cache / "cache.json").write_text('{"rows": 150}')
    r = CliRunner().invoke(main, ["distill", *common, "--out", str(tmp_path / "kd"), "--logits", str(cache)])
    assert r.exit_code == 0, r.output
    rec = json.loads((tmp_path / "kd" / "metrics.json").read_text())
    assert rec["mode"] == "distill" and rec["provenance"]["logits_cache"]["cache"] == {"rows": 150}
    r = CliRunner().invoke(main, ["distill", *common, "--out", str(tmp_path / "hs"), "--logits", str(cache),
                                  "--loss", "hard_soft"])
    assert r.exit_code == 0, r.output
    rec = json.loads((tmp_path / "hs" / "metrics.json").read_text())
    assert rec["mode"] == "distill" and rec["distill_config"]["loss"] == "hard_soft"
    assert rec["distill_config"]["alpha"] == 0.5                  # hard_soft's default mixing weight
    r = CliRunner().invoke(main, ["distill", *common, "--out", str(tmp_path / "x"), "--loss", "nope"])
    assert r.exit_code != 0 and "hard_soft" in r.output
    np.save(cache / "logits.npy", np.zeros((149, 2), np.float32))
    r = CliRunner().invoke(main, ["distill", *common, "--out", str(tmp_path / "kd2"), "--logits", str(cache)])
    assert r.exit_code != 0 and "does not belong" in r.output


def test_reads_an_edgekd_label_cache_and_refuses_a_stale_one(tmp_path, glue_dir, tiny_teacher_dir):
    from edgekd.label import label_transfer_set
    from edgekd.student.data import read_logits, read_transfer
    from edgekd.teacher.model import load_teacher

    texts = load_split("sst2", "dev", glue_dir).texts[:30]
    rows = [{"text": t, "label": -1 if i % 3 else 1, "src": i, "aug": "mask" if i % 3 else "orig"}
            for i, t in enumerate(texts)]
    path = tmp_path / "transfer.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    teacher = load_teacher(str(tiny_teacher_dir), 2, device="cpu")
    label_transfer_set(path, teacher, tmp_path / "cache", max_length=32, chunk_rows=8, progress=False)
    logits = read_logits(tmp_path / "cache", path)
    assert logits.shape == (30, 2) and logits.dtype == np.float32
    tr = read_transfer(path, pair=False).with_logits(logits)
    assert len(tr.originals()) == 10 and np.array_equal(tr.originals().logits, logits[::3])
    other = tmp_path / "other.jsonl"
    other.write_text(path.read_text().replace('"src": 0', '"src": 99'))
    with pytest.raises(ValueError, match="relabel"):
        read_logits(tmp_path / "cache", other)


def test_lr_factor_linear_decays_to_zero_and_constant_stays():
    from edgekd.distill.loop import lr_factor

    assert [lr_factor("linear", k, 4) for k in range(6)] == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    assert lr_factor("constant", 99, 4) == 1.0
    with pytest.raises(ValueError, match="lr_schedule"):
        DistillConfig(lr_schedule="cosine")


def test_linear_schedule_is_applied_and_recorded(tmp_path, sst2, tiny_teacher_dir):
    rows, dev = sst2
    a = run(tmp_path, "c", rows, dev, tiny_teacher_dir, epochs=1, patience=0)
    b = run(tmp_path, "l", rows, dev, tiny_teacher_dir, epochs=1, patience=0, lr_schedule="linear")
    assert a["history"][-1]["train_loss"] != b["history"][-1]["train_loss"]
    assert b["distill_config"]["lr_schedule"] == "linear"


def test_representation_loss_trains_the_student_and_is_not_exported(tmp_path, sst2, tiny_teacher_dir):
    from edgekd.distill.loop import StudentLoss
    from edgekd.losses import mse_loss
    from edgekd.student.registry import build_student

    rows, dev = sst2
    reps = np.random.default_rng(2).normal(size=(len(rows), 6)).astype(np.float16)
    with pytest.raises(ValueError, match="representations"):
        run(tmp_path, "x", rows, dev, tiny_teacher_dir, repr_weight=1.0)             # no reps given
    rec = run(tmp_path, "r", rows.with_reps(reps), dev, tiny_teacher_dir, repr_weight=2.0)
    run(tmp_path, "l", rows.with_reps(reps), dev, tiny_teacher_dir)                   # weight 0: reps unused
    run(tmp_path, "n", rows, dev, tiny_teacher_dir)
    r, l, n = (load_numpy_weights(tmp_path / k) for k in "rln")
    assert set(r) == set(n) and all(np.array_equal(l[k], n[k]) for k in n)           # no projection exported
    assert not np.array_equal(r["lstm.weight_ih_l0"], n["lstm.weight_ih_l0"])
    assert rec["distill_config"]["repr_weight"] == 2.0

    # the batch loss is the logit loss + weight x MSE(projection of the pooled state, teacher representation)
    torch.manual_seed(0)
    model = build_student(StudentConfig(max_length=32, vocab_size=50, teacher_vocab_size=50, **SMALL))
    cfg = DistillConfig(repr_weight=0.5)
    loss_of = StudentLoss(model, cfg, reps)
    model.eval()
    ids, lengths = torch.tensor([[3, 4, 5], [6, 7, 0]]), torch.tensor([3, 2])
    idx = np.array([4, 1])
    teacher, labels = torch.from_numpy(rows.logits), torch.from_numpy(rows.labels)
    got = loss_of((ids, lengths), idx, teacher, labels)
    feats = model.features(ids, lengths)
    target = torch.from_numpy(reps[idx].astype(np.float32))
    want = mse_loss(model(ids, lengths), teacher[idx], labels[idx]) + 0.5 * ((loss_of.proj(feats) - target) ** 2).mean()
    assert got.item() == pytest.approx(want.item(), rel=1e-6)


def test_siamese_representation_loss(tmp_path, glue_dir, tiny_teacher_dir):
    from edgekd.student.embeddings import teacher_embedding_table

    train = load_split("mrpc", "train", glue_dir, limit=60)
    dev = load_split("mrpc", "dev", glue_dir).head(20)
    logits = np.random.default_rng(1).normal(size=(60, 2)).astype(np.float32)
    reps = np.random.default_rng(3).normal(size=(60, 5)).astype(np.float16)
    scfg = StudentConfig(kind="siamese_bilstm", task="mrpc", max_length=32, **SMALL)
    rec = distill(DistillConfig(epochs=1, batch_size=20, repr_weight=1.0), scfg,
                  TrainRows.from_dataset(train, logits).with_reps(reps), dev, tmp_path / "m",
                  tokenizer_file=tiny_teacher_dir / "tokenizer.json", metric="f1",
                  embedding_table=teacher_embedding_table(tiny_teacher_dir), threads=1, progress=False)
    assert rec["distill_config"]["repr_weight"] == 1.0 and np.isfinite(rec["history"][-1]["train_loss"])


def test_freeze_embeddings_and_init_from(tmp_path, sst2, tiny_teacher_dir):
    """--freeze-embeddings leaves the table as initialised; --init-from starts from a checkpoint (same rows) and
    refuses one over another vocabulary."""
    from edgekd.tasks import DataError

    rows, dev = sst2
    run(tmp_path, "a", rows, dev, tiny_teacher_dir, patience=0)
    rec = run(tmp_path, "b", rows, dev, tiny_teacher_dir, patience=0, freeze_embeddings=True,
              init_from=str(tmp_path / "a"))
    assert rec["student_init"] == {"init": "checkpoint", "checkpoint": str(tmp_path / "a")}
    a, b = load_numpy_weights(tmp_path / "a"), load_numpy_weights(tmp_path / "b")
    assert np.array_equal(a["embedding.weight"], b["embedding.weight"])          # frozen from a's table
    assert not np.array_equal(a["lstm.weight_hh_l0"], b["lstm.weight_hh_l0"])     # the rest trained on
    with pytest.raises(DataError, match="another vocabulary"):
        run(tmp_path, "c", rows.subset(np.arange(50)), dev, tiny_teacher_dir, init_from=str(tmp_path / "a"))
