"""The few-labels split: the held-back rows' labels are never read, written or used by a build.

The held-back rows of a training file get a sentinel label that is not one of the task's labels: the task's
reader raises on it if anything parses it, and its bytes must not appear in any file the split or a build writes.
The sample depends on the row count and the seed only, so a file with real labels shows which rows are held back.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgekd.few_labels import LABELLED, RECORD, UNLABELED, split_labelled
from edgekd.tasks import DataError, get_task, load_file

SENTINEL = "HELD-BACK-LABEL-7f3a"


def _sst2_file(path: Path, n: int, label_of) -> Path:
    lines = ["sentence\tlabel"] + [f"sentence number {i} is {'good' if i % 2 else 'bad'} \t{label_of(i)}"
                                   for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _sentinel_twin(tmp_path: Path, n: int, n_labelled: int, seed: int) -> tuple[Path, set[str]]:
    """A training file whose held-back rows (for this n_labelled and seed) carry SENTINEL; the sampled texts."""
    task = get_task("sst2")
    plain = split_labelled(_sst2_file(tmp_path / "real.tsv", n, lambda i: i % 2), task, n_labelled, seed,
                           tmp_path / "probe")
    kept = set(load_file(tmp_path / "probe" / LABELLED, task).texts)
    assert plain["labelled"] == len(kept) == n_labelled
    texts = [f"sentence number {i} is {'good' if i % 2 else 'bad'} " for i in range(n)]
    src = _sst2_file(tmp_path / "train.tsv", n, lambda i: i % 2 if texts[i] in kept else SENTINEL)
    return src, kept


def test_held_back_labels_are_dropped_unread(tmp_path):
    task = get_task("sst2")
    src, kept = _sentinel_twin(tmp_path, 60, 12, seed=3)
    with pytest.raises(DataError, match="unknown label"):   # the sentinel cannot pass through the task's reader
        load_file(src, task)
    rec = split_labelled(src, task, 12, 3, tmp_path / "split")
    assert (rec["rows"], rec["labelled"], rec["unlabeled"]) == (60, 12, 48)
    lab = load_file(tmp_path / "split" / LABELLED, task)
    assert set(lab.texts) == kept and sorted(lab.labels.tolist()) == sorted(int(t.split()[2]) % 2 for t in kept)
    unl = [json.loads(x) for x in (tmp_path / "split" / UNLABELED).read_text().splitlines()]
    assert len(unl) == 48 and all(set(r) == {"text"} for r in unl)
    assert not kept & {r["text"] for r in unl}
    assert len(kept | {r["text"] for r in unl}) == 60
    for f in (tmp_path / "split").iterdir():
        assert SENTINEL.encode() not in f.read_bytes(), f


def test_sample_depends_on_seed_and_is_reused(tmp_path):
    task = get_task("sst2")
    src = _sst2_file(tmp_path / "t.tsv", 40, lambda i: i % 2)
    a = split_labelled(src, task, 10, 0, tmp_path / "a")
    stamp = (tmp_path / "a" / UNLABELED).stat().st_mtime_ns
    assert split_labelled(src, task, 10, 0, tmp_path / "a") == a
    assert (tmp_path / "a" / UNLABELED).stat().st_mtime_ns == stamp        # reused, not rewritten
    b = split_labelled(src, task, 10, 1, tmp_path / "b")
    assert a["labelled_sha256"] != b["labelled_sha256"]
    split_labelled(src, task, 11, 0, tmp_path / "a")                      # another size rewrites the split
    assert json.loads((tmp_path / "a" / RECORD).read_text())["labelled"] == 11
    assert len(load_file(tmp_path / "a" / LABELLED, task)) == 11


def test_pair_task_keeps_both_texts_and_drops_the_label(tmp_path):
    task = get_task("mrpc")
    head = "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String"
    rows = [f"{SENTINEL}\t{i}\t{i + 100}\tfirst {i}\tsecond {i}" for i in range(5)]
    src = tmp_path / "train.tsv"
    src.write_text("\n".join([head] + rows) + "\n")
    # every row carries the sentinel: the labelled file then fails the task's reader, the unlabeled one is clean
    split_labelled(src, task, 1, 0, tmp_path / "s")
    unl = [json.loads(x) for x in (tmp_path / "s" / UNLABELED).read_text().splitlines()]
    held = {i for i in range(5)} - {int(_labelled_id(tmp_path / "s" / LABELLED))}
    assert unl == [{"text": f"first {i}", "text_pair": f"second {i}"} for i in sorted(held)]
    assert SENTINEL.encode() not in (tmp_path / "s" / UNLABELED).read_bytes()
    with pytest.raises(DataError, match="unknown label"):
        load_file(tmp_path / "s" / LABELLED, task)


def _labelled_id(path: Path) -> str:
    """The id column of the one data line of a labelled MRPC-style file (read raw: its label is a sentinel)."""
    (line,) = path.read_text().splitlines()[1:]
    return line.split("\t")[1]


@pytest.mark.parametrize("n", [0, 40, 41])
def test_sample_size_must_leave_rows_on_both_sides(tmp_path, n):
    src = _sst2_file(tmp_path / "t.tsv", 40, lambda i: i % 2)
    with pytest.raises(DataError, match="cannot keep"):
        split_labelled(src, get_task("sst2"), n, 0, tmp_path / "s")


def test_short_held_back_line_is_named(tmp_path):
    src = tmp_path / "t.tsv"
    src.write_text("label\tsentence\n0\n1\tfine\n")   # the text column is second; a held-back row lacks it
    with pytest.raises(DataError, match="columns"):
        split_labelled(src, get_task("sst2"), 1, 0, tmp_path / "s")


@pytest.mark.e2e
def test_build_over_the_split_never_reads_the_held_back_labels(tiny_teacher_dir, glue_dir, tmp_path):
    """A few-labels build (tiny teacher and student) over a sentinel file: it runs, and no artifact it writes
    holds the sentinel; had it loaded the original training file, the reader would have raised on it."""
    from dataclasses import replace

    from edgekd.augment.unlabeled import UnlabeledOptions
    from edgekd.pipeline.chain import build
    from edgekd.pipeline.presets import build_config
    from edgekd.pipeline.steps import BuildInputs
    from edgekd.tasks import load_split

    task = get_task("sst2")
    real = load_split(task, "train", glue_dir, limit=200)
    kept_probe = tmp_path / "real.tsv"
    kept_probe.write_text("sentence\tlabel\n" + "".join(f"{t}\t{y}\n" for t, y in zip(real.texts, real.labels)))
    split_labelled(kept_probe, task, 40, 5, tmp_path / "probe")
    kept = set(load_file(tmp_path / "probe" / LABELLED, task).texts)
    src = tmp_path / "train.tsv"
    src.write_text("sentence\tlabel\n" + "".join(f"{t}\t{y if t in kept else SENTINEL}\n"
                                                 for t, y in zip(real.texts, real.labels)))
    split_labelled(src, task, 40, 5, tmp_path / "split")
    cfg = build_config("few-labels", False, seed=5, n_iter=1)
    cfg = replace(cfg, finetune=replace(cfg.finetune, epochs=1.0, eval_every=50, max_length=64),
                  distill=replace(cfg.distill, epochs=1, time_budget_min=None), baseline_epochs=2,
                  student=replace(cfg.student, embed_dim=16, hidden_size=8, mlp_size=8), max_drop=100.0)
    inp = BuildInputs(task, load_file(tmp_path / "split" / LABELLED, task), load_split(task, "dev", glue_dir).head(60),
                      teacher=str(tiny_teacher_dir), threads=1, progress=False,
                      unlabeled=UnlabeledOptions(tmp_path / "split" / UNLABELED, augment=True))
    s = build(cfg, inp, tmp_path / "run", log=lambda m: None)
    assert s["unlabeled"]["lines"] == 160 and s["student_fp32"] is not None
    base = json.loads((tmp_path / "run" / "baseline" / "stage.json").read_text())
    assert base["outputs"]["train_rows"] == 40 and base["config"]["distill"]["epochs"] == 2
    for f in (tmp_path / "run").rglob("*"):
        if f.is_file():
            assert SENTINEL.encode() not in f.read_bytes(), f
