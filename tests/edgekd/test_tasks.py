"""Task registry and loaders: real GLUE files, user files, and clear errors for bad rows."""
from __future__ import annotations

import json

import numpy as np
import pytest

from edgekd.tasks import DataError, TASKS, custom_task, get_task, load_file, load_split

COUNTS = {("sst2", "train"): 67349, ("sst2", "dev"): 872, ("mrpc", "train"): 3668, ("mrpc", "dev"): 408,
          ("rte", "train"): 2490, ("rte", "dev"): 277, ("cola", "train"): 8551, ("cola", "dev"): 1043}


@pytest.mark.parametrize("task,split", sorted(COUNTS))
def test_glue_row_counts_match_the_data_readme(glue_dir, task, split):
    ds = load_split(task, split, glue_dir)
    assert len(ds) == COUNTS[(task, split)]
    assert set(np.unique(ds.labels)) == {0, 1}
    assert (ds.text_pairs is not None) == get_task(task).pair


def test_label_balance_and_bom(glue_dir):
    mrpc = load_split("mrpc", "dev", glue_dir)  # header starts with a BOM
    assert int(mrpc.labels.sum()) == 279
    rte = load_split("rte", "train", glue_dir)  # string labels
    assert int((rte.labels == 0).sum()) == 1249
    assert load_split("cola", "dev", glue_dir).texts[-1]  # no trailing newline, no header


def test_registry_metrics():
    assert TASKS["mrpc"].metric == "f1" and TASKS["cola"].metric == "mcc" and TASKS["sst2"].metric == "accuracy"
    with pytest.raises(DataError, match="unknown task"):
        get_task("qqqp")


def test_user_csv_jsonl_and_bad_rows(tmp_path):
    task = custom_task("mine", ["neg", "pos"], "review", "y")
    csv_path = tmp_path / "d.csv"
    csv_path.write_text('review,y\n"great, really",pos\nbad,neg\nmeh,neutral\n,pos\n')
    with pytest.raises(DataError, match=r"d\.csv:4: unknown label 'neutral'"):
        load_file(csv_path, task)
    ds = load_file(csv_path, task, skip_bad=True)
    assert ds.texts == ("great, really", "bad") and ds.skipped == 2
    jl = tmp_path / "d.jsonl"
    jl.write_text(json.dumps({"review": "ok", "y": "pos"}) + "\n{not json\n")
    with pytest.raises(DataError, match=r"d\.jsonl:2: invalid JSON"):
        load_file(jl, task)
    tsv = tmp_path / "d.tsv"
    tsv.write_text("review\ty\nfine\tpos\textra\n")
    with pytest.raises(DataError, match=r"d\.tsv:2: expected 2 columns, found 3"):
        load_file(tsv, task)
    with pytest.raises(DataError, match="no column 'y'"):
        (tmp_path / "e.tsv").write_text("review\tlabel\nx\tpos\n")
        load_file(tmp_path / "e.tsv", task)


def test_fingerprint_changes_with_content(glue_dir):
    a = load_split("sst2", "dev", glue_dir)
    b = a.head(100)
    assert a.fingerprint() != b.fingerprint() and b.fingerprint() == a.head(100).fingerprint()
