"""End to end: a real SST-2 bundle predicts the dev set through `edgekd-run predict` with the accuracy recorded at export.

The bundle is $EDGEKD_SST2_BUNDLE, else the newest runs/**/manifest.json of task sst2; skipped if neither exists.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _sst2_bundle() -> Path | None:
    env = os.environ.get("EDGEKD_SST2_BUNDLE")
    if env:
        return Path(env)
    found = []
    for m in (REPO / "runs").glob("**/manifest.json"):
        try:
            if json.loads(m.read_text()).get("task") == "sst2":
                found.append(m)
        except (OSError, ValueError):
            continue
    return max(found, key=lambda p: p.stat().st_mtime).parent if found else None


def _recorded_accuracy(manifest: dict) -> float | None:
    """The dev accuracy the exporters recorded for the default model."""
    metrics, default = manifest["metrics"], manifest["default_model"]
    prec = next(m["precision"] for m in manifest["models"] if m["file"] == default)
    if prec == "int8":
        return metrics.get("int8_vs_fp32_dev", {}).get("int8", {}).get("accuracy")
    return metrics.get("fp32_dev", {}).get("accuracy")


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["onnxruntime", "numpy"])
def test_sst2_dev_through_the_cli(glue_dir, backend):
    bundle = _sst2_bundle()
    if bundle is None:
        pytest.skip("no SST-2 bundle: set EDGEKD_SST2_BUNDLE or export one under runs/")
    manifest = json.loads((bundle / "manifest.json").read_text())
    recorded = _recorded_accuracy(manifest)
    if recorded is None:
        pytest.skip(f"{bundle}: no dev accuracy recorded at export")
    rows = [line.rstrip("\n").split("\t") for line in (glue_dir / "SST-2" / "dev.tsv").open(encoding="utf-8")][1:]
    stdin = "".join(json.dumps({"text": text}) + "\n" for text, _ in rows)
    out = subprocess.run([sys.executable, "-m", "edgekd_runtime.cli", "predict", str(bundle), "--backend", backend],
                         input=stdin, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert out.returncode == 0, out.stderr
    preds = [json.loads(line)["label"] for line in out.stdout.splitlines()]
    assert len(preds) == len(rows) == 872
    names = manifest["labels"]          # class i is gold value "i" in the TSV, whatever the bundle calls it
    acc = sum(names.index(p) == int(gold) for p, (_, gold) in zip(preds, rows)) / len(rows)
    # onnxruntime: int8 rows can move a hair with their batch mates (dynamic per-tensor activation scales), so
    # allow one borderline row of 872. numpy keeps activations in fp32 (weights dequantized), so it sits between
    # the fp32 and int8 scores: allow the export's int8 budget, 0.5 points.
    tol = 1 / 872 + 1e-9 if backend == "onnxruntime" else 0.005
    assert abs(acc - recorded) <= tol, f"{backend}: dev accuracy {acc:.4f}, recorded {recorded:.4f}"
