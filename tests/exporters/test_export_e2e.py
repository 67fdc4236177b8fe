"""End to end on real data: train a small student (gold labels, < 1 min), export it, check parity and the int8 budget."""
from __future__ import annotations

import json

import onnx
import pytest
from click.testing import CliRunner

from edgekd.cli import main
from edgekd_runtime.golden import selftest


@pytest.mark.e2e
@pytest.mark.real_teacher
@pytest.mark.parametrize("task,rows", [("sst2", 4000), ("mrpc", 1500)])
def test_small_real_student_exports_within_budget(tmp_path, glue_dir, task, rows):
    ckpt, out = tmp_path / "student", tmp_path / "bundle"
    r = CliRunner().invoke(main, ["distill", "--task", task, "--data-dir", str(glue_dir), "--out", str(ckpt),
                                  "--no-distill", "--optimizer", "adam", "--epochs", "1", "--max-train-rows", str(rows),
                                  "--threads", "1", "--no-teacher-dev", "--no-progress"])
    assert r.exit_code == 0, r.output
    # Default budgets are enforced: parity < 1e-4 and int8 drop <= 0.5 points on the full dev split.
    r = CliRunner().invoke(main, ["export", str(ckpt), "--out", str(out), "--precision", "both",
                                  "--data-dir", str(glue_dir), "--parity"])
    assert r.exit_code == 0, r.output
    m = json.loads((out / "manifest.json").read_text())["metrics"]
    assert m["parity_torch_fp32"]["measured"] and m["parity_torch_fp32"]["max_abs_diff"] < 1e-4
    dev = m["int8_vs_fp32_dev"]
    assert dev["rows"] == {"sst2": 872, "mrpc": 408}[task] and dev["drop_points"] <= 0.5
    assert dev["argmax_agreement"] >= 0.97
    assert m["fp32_dev"]["accuracy"] > 0.6          # it learned something, so the drop check means something
    ops = [n.op_type for n in onnx.load(str(out / "model.int8.onnx")).graph.node]
    assert ops.count("DynamicQuantizeLSTM") == 1 and not {"LSTM", "Loop", "Scan"} & set(ops)
    # the real bundle proves itself with its golden vectors, on both backends, and names its labels
    for backend in ("onnxruntime", "numpy"):
        report = selftest(out, backend=backend)
        assert report.ok, report.failure
    names = {"sst2": ["negative", "positive"], "mrpc": ["not_equivalent", "equivalent"]}[task]
    assert json.loads((out / "manifest.json").read_text())["labels"] == names
