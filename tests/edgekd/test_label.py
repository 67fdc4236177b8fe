"""Logits cache: equals direct teacher logits, refuses every kind of staleness, and resumes after a real SIGKILL to
the same bytes as an uninterrupted run (the Ray engine's tests are in test_label_ray.py)."""
from __future__ import annotations

import copy
import dataclasses
import json
import multiprocessing as mp
import os
import signal
import time

import numpy as np
import pytest
import torch

from edgekd.augment import AugmentConfig, build_transfer_set, read_transfer_set
from edgekd.label import CacheError, StaleCache, label_transfer_set, load_logits
from edgekd.label.store import load_representations
from edgekd.tasks import load_split
from edgekd.teacher.model import cpu_has_bf16, teacher_logits, weights_hash

CHUNK = 48
BF16 = cpu_has_bf16()           # resume must be exact even where bf16 makes results depend on batch composition


@pytest.fixture(scope="module")
def transfer(tmp_path_factory, glue_dir):
    """~1,100 rows of SST-2 originals + augmentations (no POS, so no spaCy needed)."""
    path = tmp_path_factory.mktemp("transfer") / "transfer.jsonl"
    ds = load_split("sst2", "train", glue_dir, limit=400)
    build_transfer_set(ds, path, AugmentConfig(n_iter=2), 0, tagger=None, progress=False, task="sst2")
    return path




def _uninterrupted(out, transfer, teacher, representation=False):
    """An uninterrupted run on 1 thread: bf16 (where the CPU has it) with CHUNK rows per chunk; its folder."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        label_transfer_set(transfer, teacher, out, chunk_rows=CHUNK, bf16=BF16, progress=False,
                           representation=representation)
        return out
    finally:
        torch.set_num_threads(before)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, transfer, teacher):
    return load_logits(_uninterrupted(tmp_path_factory.mktemp("ref"), transfer, teacher), transfer)


def test_cache_equals_direct_logits_and_is_reused(tmp_path, transfer, teacher, capsys):
    cache = label_transfer_set(transfer, teacher, tmp_path, chunk_rows=256, progress=False)
    ds, _, _ = read_transfer_set(transfer)
    got = load_logits(tmp_path, transfer, weights_hash(teacher.model))
    assert got.shape == (len(ds), 2) and got.dtype == np.float32
    np.testing.assert_allclose(got, teacher_logits(teacher, ds.texts), atol=1e-5)
    assert cache.key["dtype"] == "fp32" and cache.header["stats"]["rows_labelled_this_run"] == len(ds)
    again = label_transfer_set(transfer, teacher, tmp_path, chunk_rows=256, progress=False)
    assert "up to date" in capsys.readouterr().err and again.header["stats"] == cache.header["stats"]
    assert cache.labelled == len(ds) and again.labelled == 0


def test_pairs_are_labelled_as_pairs(tmp_path, teacher, glue_dir):
    ds = load_split("mrpc", "train", glue_dir, limit=15)
    build_transfer_set(ds, tmp_path / "p.jsonl", AugmentConfig.for_pairs(n_iter=2), 0, tagger=None, progress=False)
    label_transfer_set(tmp_path / "p.jsonl", teacher, tmp_path / "c", chunk_rows=7, progress=False)
    rows, _, _ = read_transfer_set(tmp_path / "p.jsonl")
    np.testing.assert_allclose(load_logits(tmp_path / "c"), teacher_logits(teacher, rows.texts, rows.text_pairs),
                               atol=1e-5)


def test_every_key_change_is_refused_then_rebuilt_on_request(tmp_path, transfer, teacher, capsys):
    out = tmp_path / "c"
    base = dict(chunk_rows=256, progress=False)
    label_transfer_set(transfer, teacher, out, **base)
    variants = {"max_length": dict(max_length=64), "chunk_rows": dict(chunk_rows=128),
                "max_tokens": dict(max_tokens=4096), "rows": dict(limit=500)}
    if BF16:
        variants["dtype"] = dict(bf16=True)
    for field, change in variants.items():
        with pytest.raises(StaleCache, match=f"{field} differs.*--rebuild"):
            label_transfer_set(transfer, teacher, out, **{**base, **change})
    three = dataclasses.replace(teacher, model=copy.deepcopy(teacher.model))
    three.model.classifier = torch.nn.Linear(three.model.config.hidden_size, 3)
    three.model.config.num_labels = 3
    with pytest.raises(StaleCache, match="num_labels differs"):
        label_transfer_set(transfer, three, out, **base)
    with torch.no_grad():
        teacher.model.classifier.bias += 1.0
    try:
        with pytest.raises(StaleCache, match="teacher_hash differs"):
            label_transfer_set(transfer, teacher, out, **base)
    finally:
        with torch.no_grad():
            teacher.model.classifier.bias -= 1.0
    edited = tmp_path / "edited.jsonl"
    lines = transfer.read_text().splitlines(keepends=True)
    edited.write_text("".join(lines[:-1]) + lines[-1].replace('"text": "', '"text": "not ', 1))
    with pytest.raises(StaleCache, match="transfer_sha256 differs"):
        label_transfer_set(edited, teacher, out, **base)
    with pytest.raises(StaleCache, match="sha256"):
        load_logits(out, edited)
    with pytest.raises(StaleCache, match="teacher weights"):
        load_logits(out, transfer, teacher_hash="0" * 64)
    assert load_logits(out, transfer).shape[0] == len(lines)            # the refused runs left it intact
    capsys.readouterr()
    cache = label_transfer_set(transfer, teacher, out, **{**base, "max_length": 64, "rebuild": True})
    assert "rebuilding" in capsys.readouterr().err and cache.key["max_length"] == 64


def test_incomplete_and_old_shard_folders_are_not_loaded(tmp_path, transfer, teacher):
    out = tmp_path / "c"
    label_transfer_set(transfer, teacher, out, chunk_rows=512, progress=False, limit=100)
    h = json.loads((out / "cache.json").read_text())
    (out / "cache.json").write_text(json.dumps({**h, "complete": False}))
    with pytest.raises(CacheError, match="incomplete"):
        load_logits(out)
    (out / "cache.json").write_text(json.dumps({**h, "shard": [0, 2]}))      # edgekd 0.2's `--shard 0/2`
    with pytest.raises(CacheError, match="one shard of an older sharded run"):
        load_logits(out)


def _child(teacher_dir, transfer, out, mode, n, reps=False):
    """Body of a forked labelling process that dies by SIGKILL at a chosen (or, in "slow" mode, any) moment."""
    import edgekd.label.run as run
    import edgekd.teacher.model as tm

    torch.set_num_threads(1)
    calls = {"progress": 0, "flush": 0}
    if mode == "progress":      # die inside the n-th progress commit: tmp file half written, rename not done
        real = run._write_json_atomic

        def commit(path, obj):
            if path.name == "progress.json":
                calls["progress"] += 1
                if calls["progress"] == n:
                    path.with_name(path.name + ".tmp").write_text(json.dumps(obj)[:25])
                    os.kill(os.getpid(), signal.SIGKILL)
            real(path, obj)
        run._write_json_atomic = commit
    elif mode == "flush":       # die after the n-th chunk's logits went into the memmap, before flush + commit
        real_flush = np.memmap.flush

        def flush(self):
            calls["flush"] += 1
            if calls["flush"] == n:
                os.kill(os.getpid(), signal.SIGKILL)
            real_flush(self)
        np.memmap.flush = flush
    elif mode == "slow":        # the parent kills us from outside at an arbitrary moment
        real_outputs = tm.teacher_outputs

        def slow(*a, **k):
            time.sleep(0.05)
            return real_outputs(*a, **k)
        tm.teacher_outputs = slow
    teacher = tm.load_teacher(str(teacher_dir), 2, device="cpu")
    label_transfer_set(transfer, teacher, out, chunk_rows=CHUNK, bf16=BF16, progress=False, representation=reps)


def _fork(target, *args) -> mp.Process:
    """A real child process (fork: no fresh interpreter importing torch again, so the test stays fast)."""
    p = mp.get_context("fork").Process(target=target, args=args, daemon=True)
    p.start()
    return p


def _worker(tiny_teacher_dir, transfer, out, mode, n, reps=False):
    return _fork(_child, tiny_teacher_dir, transfer, out, mode, n, reps)


def _done(out):
    p = out / "progress.json"
    try:
        return len(json.loads(p.read_text())["done"]) if p.is_file() else 0
    except (json.JSONDecodeError, OSError):
        return 0


def test_resume_after_sigkill_inside_commits_equals_uninterrupted(tmp_path, tiny_teacher_dir, transfer, teacher,
                                                                   reference, one_thread):
    out = tmp_path / "c"
    p = _worker(tiny_teacher_dir, transfer, out, "progress", 5)              # commit 1 is the empty progress
    p.join(120)
    assert p.exitcode == -signal.SIGKILL
    assert _done(out) == 3 and (out / "progress.json.tmp").is_file()
    p = _worker(tiny_teacher_dir, transfer, out, "flush", 5)                 # a resumed run flushes once a chunk
    p.join(120)
    assert p.exitcode == -signal.SIGKILL
    assert _done(out) == 7 and not json.loads((out / "cache.json").read_text())["complete"]
    cache = label_transfer_set(transfer, teacher, out, chunk_rows=CHUNK, bf16=BF16, progress=False)
    assert cache.header["stats"]["rows_labelled_this_run"] == len(reference) - 7 * CHUNK
    assert np.array_equal(load_logits(out, transfer), reference)             # bit for bit
    assert not (out / "progress.json").exists()


def test_resume_after_external_sigkill_equals_uninterrupted(tmp_path, tiny_teacher_dir, transfer, teacher,
                                                            reference, one_thread):
    out = tmp_path / "c"
    p = _worker(tiny_teacher_dir, transfer, out, "slow", 0)
    deadline = time.monotonic() + 120
    while _done(out) < 4 and p.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.02)                                                         # land somewhere inside a chunk
    os.kill(p.pid, signal.SIGKILL)
    p.join(30)
    assert p.exitcode == -signal.SIGKILL
    k = _done(out)
    assert 4 <= k < -(-len(reference) // CHUNK)
    cache = label_transfer_set(transfer, teacher, out, chunk_rows=CHUNK, bf16=BF16, progress=False)
    assert cache.header["stats"]["rows_labelled_this_run"] == len(reference) - k * CHUNK
    assert np.array_equal(load_logits(out, transfer), reference)


@pytest.fixture(scope="module")
def reference_reps(tmp_path_factory, transfer, teacher):
    """An uninterrupted run that also keeps the teacher's representations: (logits, representations)."""
    out = _uninterrupted(tmp_path_factory.mktemp("ref_reps"), transfer, teacher, representation=True)
    return load_logits(out, transfer), np.array(load_representations(out))


def test_representations_equal_the_teachers_cls_state(tmp_path, transfer, teacher, reference, reference_reps):
    ds, _, _ = read_transfer_set(transfer)
    logits, reps = reference_reps
    assert np.array_equal(logits, reference)                  # keeping representations changes no logit
    assert reps.shape == (len(ds), teacher.model.config.hidden_size) and reps.dtype == np.float16
    enc = teacher.tokenizer(list(ds.texts[:3]), padding=True, truncation=True, max_length=128, return_tensors="pt")
    with torch.inference_mode():
        cls = teacher.model(**enc, output_hidden_states=True).hidden_states[-1][:, 0].numpy()
    np.testing.assert_allclose(reps[:3].astype(np.float32), cls, atol=2e-2 if BF16 else 2e-3, rtol=1e-2)


def test_representation_key(tmp_path, transfer, teacher, capsys):
    """A cache that keeps representations serves a logits-only request; a logits-only cache is stale for a
    request that needs representations; a logits-only cache has none to load."""
    label_transfer_set(transfer, teacher, tmp_path / "r", chunk_rows=256, progress=False, representation=True)
    again = label_transfer_set(transfer, teacher, tmp_path / "r", chunk_rows=256, progress=False)
    assert again.labelled == 0 and "up to date" in capsys.readouterr().err
    assert again.representations().shape[0] == again.key["rows"]
    label_transfer_set(transfer, teacher, tmp_path / "l", chunk_rows=256, progress=False)
    with pytest.raises(CacheError, match="no teacher representations"):
        load_representations(tmp_path / "l")
    with pytest.raises(StaleCache, match="representation differs"):
        label_transfer_set(transfer, teacher, tmp_path / "l", chunk_rows=256, progress=False, representation=True)
    rebuilt = label_transfer_set(transfer, teacher, tmp_path / "l", chunk_rows=256, progress=False,
                                 representation=True, rebuild=True)
    assert rebuilt.labelled == rebuilt.key["rows"] and load_representations(tmp_path / "l").dtype == np.float16


@pytest.mark.parametrize("n", [3, 4])   # odd: killed before the logits flush of a chunk; even: between the two
def test_representation_cache_resumes_after_sigkill(tmp_path, tiny_teacher_dir, transfer, teacher, reference_reps,
                                                    one_thread, n):
    out = tmp_path / "c"
    p = _worker(tiny_teacher_dir, transfer, out, "flush", 2 * 3 + n, True)    # 2 flushes (logits, reps) a chunk
    p.join(120)
    assert p.exitcode == -signal.SIGKILL
    assert _done(out) == 3
    cache = label_transfer_set(transfer, teacher, out, chunk_rows=CHUNK, bf16=BF16, progress=False,
                               representation=True)
    assert cache.header["stats"]["rows_labelled_this_run"] == len(reference_reps[0]) - 3 * CHUNK
    assert np.array_equal(load_logits(out, transfer), reference_reps[0])
    assert np.array_equal(load_representations(out), reference_reps[1])      # bit for bit


def test_time_budget_labels_a_random_sample_of_chunks_then_resumes_to_the_full_cache(tmp_path, transfer, teacher,
                                                                                       reference):
    from edgekd.label.run import chunk_order
    from edgekd.label.store import load_labelled

    cache = label_transfer_set(transfer, teacher, tmp_path, chunk_rows=CHUNK, bf16=BF16, progress=False,
                               time_budget_s=0.0)           # stops after the first chunk it finishes
    first = chunk_order(cache.header["n_chunks"], 0.0)[0]
    assert cache.complete and cache.header["chunks_done"] == [first] and first != 0
    assert cache.header["rows_labelled"] == CHUNK
    with pytest.raises(CacheError, match="time budget stopped this cache"):
        load_logits(tmp_path, transfer)
    rows, logits = load_labelled(tmp_path, transfer)
    assert list(rows) == list(range(first * CHUNK, (first + 1) * CHUNK))
    np.testing.assert_allclose(logits[rows], reference[rows], atol=1e-5)
    from edgekd.student_stage import training_rows
    from edgekd.tasks import get_task

    train, _ = training_rows(get_task("sst2"), None, transfer, tmp_path)   # what a student trains on
    assert len(train) == CHUNK
    np.testing.assert_allclose(train.logits, reference[rows], atol=1e-5)
    again = label_transfer_set(transfer, teacher, tmp_path, chunk_rows=CHUNK, bf16=BF16, progress=False,
                               time_budget_s=0.0)           # the same budget: reused as it is
    assert again.labelled == 0 and again.header["chunks_done"] == [first]
    full = label_transfer_set(transfer, teacher, tmp_path, chunk_rows=CHUNK, bf16=BF16, progress=False)
    assert full.labelled == len(reference) - CHUNK and "chunks_done" not in full.header
    np.testing.assert_allclose(load_logits(tmp_path, transfer), reference, atol=1e-5)
