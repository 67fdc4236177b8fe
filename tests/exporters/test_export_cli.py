"""`edgekd export` smoke tests through click's CliRunner."""
from __future__ import annotations

import json

from click.testing import CliRunner

from edgekd.cli import main

from tests.helpers.checkpoints import TINY_TEXTS, make_random_checkpoint


def _tsv(path, rows):
    path.write_text("sentence\tlabel\n" + "".join(f"{t}\t{i % 2}\n" for i, t in enumerate(rows)))
    return path


def test_cli_exports_with_dev_file(tmp_path):
    ckpt = make_random_checkpoint(tmp_path / "ckpt", "bilstm")
    dev = _tsv(tmp_path / "dev.tsv", [t for t in TINY_TEXTS if t] * 3)
    res = CliRunner().invoke(main, ["export", str(ckpt), "--out", str(tmp_path / "b"), "--precision", "both",
                                    "--dev-file", str(dev), "--no-parity", "--allow-budget-break", "--archive", "zip"])
    assert res.exit_code == 0, res.output
    assert "int8 vs fp32 on dev: argmax agreement" in res.output and "model.int8.onnx" in res.output
    assert (tmp_path / "b.zip").is_file()
    man = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert man["metrics"]["int8_vs_fp32_dev"]["rows"] == 18 and man["quantization"]["name"] == "default"


def test_cli_real_glue_slice_pair(tmp_path, glue_dir):
    ckpt = make_random_checkpoint(tmp_path / "ckpt", "siamese_bilstm")   # task mrpc: GLUE dev, metric f1
    res = CliRunner().invoke(main, ["export", str(ckpt), "--out", str(tmp_path / "b"), "--data-dir", str(glue_dir),
                                    "--dev-limit", "40", "--quant", "all-int8", "--max-drop", "100"])
    assert res.exit_code == 0, res.output
    assert "dev f1: fp32" in res.output
    man = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert man["quantization"]["name"] == "all-int8" and man["metrics"]["int8_vs_fp32_dev"]["metric"] == "f1"


def test_cli_errors_are_one_clear_line(tmp_path):
    ckpt = make_random_checkpoint(tmp_path / "ckpt", "bilstm")
    r = CliRunner().invoke(main, ["export", str(ckpt), "--out", str(tmp_path / "b"), "--quant", "turbo", "--no-dev"])
    assert r.exit_code == 2 and "unknown quantization preset 'turbo'" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(main, ["export", str(ckpt), "--out", str(tmp_path / "b"), "--no-dev", "--max-bytes", "10"])
    assert r.exit_code == 3 and "export budget broken" in r.output and "--allow-budget-break" in r.output
    assert not (tmp_path / "b").exists()
    r = CliRunner().invoke(main, ["export", str(tmp_path), "--out", str(tmp_path / "b")])
    assert r.exit_code == 2 and "config.json" in r.output and "Traceback" not in r.output
