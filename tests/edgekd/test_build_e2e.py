"""End to end: `edgekd build` on a tiny teacher and a real SST-2 slice, then rebuild-skip, then a config change."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from edgekd.pipeline.chain import BuildInputs, build, summary_text
from edgekd.pipeline.presets import preset
from edgekd.tasks import get_task, load_split


def _cfg(epochs: int = 1):
    cfg = preset("quick", pair=False)
    return replace(cfg, finetune=replace(cfg.finetune, max_train_examples=None, eval_every=50, max_length=64),
                   distill=replace(cfg.distill, epochs=epochs, time_budget_min=None),
                   student=replace(cfg.student, embed_dim=16, hidden_size=8, mlp_size=8),
                   max_drop=100.0, profile_quick=True)


@pytest.mark.e2e
def test_build_skip_and_partial_rebuild(tiny_teacher_dir, glue_dir, tmp_path):
    task = get_task("sst2")
    inp = BuildInputs(task, load_split(task, "train", glue_dir, limit=300), load_split(task, "dev", glue_dir).head(120),
                      teacher=str(tiny_teacher_dir), device="cpu-1t", threads=1, progress=False)
    logs: list[str] = []
    s1 = build(_cfg(), inp, tmp_path, log=logs.append)
    assert all(v["status"] == "ran" for v in s1["stages"].values()), s1["stages"]
    assert set(s1["stages"]) == {"teacher", "augment", "label", "distill", "baseline", "export", "validate", "profile"}
    bundle = tmp_path / "export" / "bundle"
    assert (bundle / "manifest.json").is_file() and s1["student_int8"] is not None
    assert "bundle" in summary_text(s1)
    # the paired test uses both students' saved dev predictions: its counts must reproduce the accuracy gap
    pv = s1["distill_vs_baseline"]
    assert 0.0 <= pv["p_value"] <= 1.0 and "McNemar" in summary_text(s1)
    assert (pv["a_only"] - pv["b_only"]) / 120 == pytest.approx(s1["student_fp32"] - s1["baseline_no_distill"])

    s2 = build(_cfg(), inp, tmp_path, log=logs.append)
    assert all(v["status"] == "skipped" for v in s2["stages"].values()), s2["stages"]

    # a student-only change reruns distill and what depends on it, not teacher/augment/label
    s3 = build(_cfg(epochs=2), inp, tmp_path, log=logs.append)
    ran = {k for k, v in s3["stages"].items() if v["status"] == "ran"}
    assert ran == {"distill", "baseline", "export", "validate", "profile"}, s3["stages"]
    assert "epochs: 1 -> 2" in s3["stages"]["distill"]["reason"]
    assert json.loads((tmp_path / "summary.json").read_text())["stages"]["label"]["status"] == "skipped"

    # --unlabeled (and the hard_soft loss): augment and label rerun and the teacher labels the new rows; the
    # gold-label baseline does not; dev and training duplicates are dropped and counted in the summary
    from edgekd.augment.unlabeled import UnlabeledOptions

    f = tmp_path / "unlabeled.txt"
    f.write_text(f"a sentence only the unlabeled file has\n{inp.dev.texts[0]}\n{inp.train.texts[0]}\n")
    cfg4 = _cfg(epochs=2)
    cfg4 = replace(cfg4, distill=replace(cfg4.distill, loss="hard_soft", alpha=0.5))
    s4 = build(cfg4, replace(inp, unlabeled=UnlabeledOptions(f)), tmp_path, log=logs.append)
    ran = {k for k, v in s4["stages"].items() if v["status"] == "ran"}
    assert ran == {"augment", "label", "distill", "export", "validate", "profile"}, s4["stages"]
    u = s4["unlabeled"]
    assert (u["lines"], u["written"], u["dup_dev"], u["dup_train_or_earlier"]) == (3, 1, 1, 1)
    aug = json.loads((tmp_path / "augment" / "stage.json").read_text())["outputs"]
    lab = json.loads((tmp_path / "label" / "stage.json").read_text())["outputs"]
    assert lab["rows"] == aug["rows"] and lab["labelled_now"] == aug["rows"]
    rows = [json.loads(x) for x in (tmp_path / "augment" / "transfer.jsonl").read_text().splitlines()]
    assert rows[-1]["aug"] == "unlabeled" and rows[-1]["src"] == -1
