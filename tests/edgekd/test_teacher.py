"""Teacher: locating the packaged MiniLM, loading, logits, and fine-tuning plumbing on a tiny BERT."""
from __future__ import annotations

import json

import numpy as np
import pytest

from edgekd.tasks import get_task, load_split
from edgekd.teacher.config import FinetuneConfig
from edgekd.teacher.locate import TeacherNotFound, resolve_teacher
from edgekd.teacher.model import load_teacher, teacher_logits, token_budget_batches
from edgekd.teacher.stage import run_teacher_stage


def test_token_budget_batches_cover_all_and_respect_budget():
    lengths = np.random.default_rng(0).integers(1, 60, size=500)
    batches = list(token_budget_batches(lengths, max_tokens=256))
    allidx = np.concatenate(batches)
    assert sorted(allidx.tolist()) == list(range(500))
    assert all(len(b) * lengths[b].max() <= 256 for b in batches)


def test_missing_local_teacher_is_a_clear_error(tmp_path):
    with pytest.raises(TeacherNotFound, match="no config.json"):
        resolve_teacher(str(tmp_path))


def test_logits_are_order_independent(tiny_teacher_dir, glue_dir):
    t = load_teacher(str(tiny_teacher_dir), 2, device="cpu")
    texts = load_split("sst2", "dev", glue_dir).texts[:40]
    a = teacher_logits(t, texts, max_tokens=200)
    b = teacher_logits(t, texts[::-1], max_tokens=10_000)[::-1]
    assert a.shape == (40, 2)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_finetune_writes_hf_checkpoint_and_eval(tiny_teacher_dir, glue_dir, tmp_path):
    task = get_task("sst2")
    train = load_split(task, "train", glue_dir, limit=256)
    dev = load_split(task, "dev", glue_dir).head(64)
    cfg = FinetuneConfig(lr=1e-3, batch_size=32, epochs=1, eval_every=4, max_length=32)
    rec = run_teacher_stage(task, train, dev, tmp_path / "t", teacher=str(tiny_teacher_dir), cfg=cfg,
                            device="cpu", force_finetune=True, progress=False)
    saved = json.loads((tmp_path / "t" / "eval.json").read_text())
    assert saved["best"]["accuracy"] == rec["best"]["accuracy"]
    assert len(saved["history"]) == 2 and saved["train_examples"] == 256
    assert (tmp_path / "t" / "model.safetensors").is_file()
    # the saved teacher now has a head for 2 labels and is evaluated, not fine-tuned, when loaded again
    reloaded = load_teacher(str(tmp_path / "t"), 2, device="cpu")
    assert reloaded.has_head
    logits = teacher_logits(reloaded, dev.texts, max_length=32)
    assert float((logits.argmax(-1) == dev.labels).mean()) == pytest.approx(rec["best"]["accuracy"])


@pytest.mark.real_teacher
def test_packaged_minilm_loads_and_tokenizes_known_ids(glue_dir):
    from edgekd.teacher.locate import default_teacher_dir

    try:
        default_teacher_dir()
    except TeacherNotFound as e:
        pytest.skip(str(e))
    t = load_teacher(None, 2, device="cpu")
    assert not t.has_head  # a fresh head is added to the sentence-embedding checkpoint
    # Known bert-base-uncased ids: guards against the transformers 5.x vocab_file trap that maps all to [UNK]
    assert t.tokenizer("hello world [MASK]", add_special_tokens=False)["input_ids"] == [7592, 2088, 103]
    texts = load_split("sst2", "dev", glue_dir).texts[:8]
    logits = teacher_logits(t, texts)
    assert logits.shape == (8, 2) and np.isfinite(logits).all()


def test_finetune_freeze_word_embeddings_trains_everything_else(tiny_teacher_dir, glue_dir, tmp_path):
    import torch

    from edgekd.teacher.finetune import finetune

    task = get_task("sst2")
    train = load_split(task, "train", glue_dir, limit=64)
    dev = load_split(task, "dev", glue_dir).head(16)
    t = load_teacher(str(tiny_teacher_dir), 2, device="cpu")
    before = {n: p.detach().clone() for n, p in t.model.named_parameters()}
    cfg = FinetuneConfig(lr=1e-2, batch_size=16, epochs=1, eval_every=100, max_length=32,
                         freeze_word_embeddings=True)
    finetune(t, task, train, dev, tmp_path / "t", cfg, progress=False)
    emb = t.model.get_input_embeddings().weight
    name = next(n for n, p in t.model.named_parameters() if p is emb)
    changed = {n for n, p in t.model.named_parameters() if not torch.equal(p.detach(), before[n])}
    assert name not in changed
    assert len(changed) >= len(before) - 2  # everything else moved (position/type tables may see few ids)


def test_one_teacher_config_feeds_every_stage():
    import inspect

    from edgekd.label import label_transfer_set
    from edgekd.pipeline.presets import BuildConfig
    from edgekd.teacher.config import TEACHER
    from edgekd.teacher.config import FinetuneConfig
    from edgekd.teacher.model import teacher_logits

    assert FinetuneConfig().max_length == TEACHER.max_length == BuildConfig.label_max_length == 128
    for fn in (teacher_logits, label_transfer_set):
        params = inspect.signature(fn).parameters
        assert params["max_length"].default == TEACHER.max_length and params["max_tokens"].default == TEACHER.max_tokens
    assert TEACHER.input_length(128, pair=False) == 130 and TEACHER.input_length(128, pair=True) == 259


def test_time_plan_fits_the_steps_into_the_budget_and_the_schedule_decays_to_zero_there():
    from edgekd.schedule import TimePlan, warmup_linear

    plan = TimePlan(total=2000, budget_s=210.0)
    assert plan.update(step=10, elapsed=5.0) == 2000          # still calibrating
    assert plan.update(step=40, elapsed=20.0) == 378          # 2 steps/s: 0.9 x 210 s x 2 = 378 steps fit
    assert plan.update(step=100, elapsed=45.0) == 378         # never grows back
    assert plan.update(step=200, elapsed=120.0) == 315        # evaluations slowed it: shrinks again
    assert plan.record() == {"planned_steps": 2000, "steps_fitting_budget": 315}
    assert warmup_linear(plan.total, plan.total, 0.06) == 0.0 and 0.0 < warmup_linear(200, plan.total, 0.06) < 1.0
    fast = TimePlan(total=500, budget_s=210.0)
    assert fast.update(step=400, elapsed=20.0) == 500 and not fast.shortened   # a fast host keeps it all
    assert TimePlan(total=500, budget_s=None).update(step=499, elapsed=1e6) == 500
    assert warmup_linear(25, 500, 0.1) == 0.5
