"""End to end: `edgekd build --student transformer` on the tiny teacher and a real SST-2 slice."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from edgekd.distill.config import LayerwiseConfig
from edgekd.pipeline.chain import BuildInputs, build
from edgekd.pipeline.presets import build_config
from edgekd.student_stage import StudentShape
from edgekd.tasks import get_task, load_split
from edgekd_runtime import Bundle
from edgekd_runtime.golden import selftest


def test_build_config_for_transformer_students():
    cfg = build_config("quick", False, student="transformer", layers=2)
    assert cfg.student.family == "transformer" and cfg.student.num_layers == 2 and not cfg.baseline
    assert cfg.distill.lr == 1e-4 and cfg.layerwise.rows > 0
    assert build_config("quick", False).student.family == "bilstm" and build_config("quick", False).baseline


@pytest.mark.e2e
def test_build_transformer_student(tiny_teacher_dir, glue_dir, tmp_path):
    task = get_task("sst2")
    inp = BuildInputs(task, load_split(task, "train", glue_dir, limit=200), load_split(task, "dev", glue_dir).head(60),
                      teacher=str(tiny_teacher_dir), device="cpu-1t", threads=1, progress=False)
    cfg = build_config("quick", False, student="transformer", layers=1, profile=False)
    cfg = replace(cfg, finetune=replace(cfg.finetune, max_train_examples=None, eval_every=50, max_length=64),
                  augment=replace(cfg.augment, n_iter=1),
                  student=StudentShape(family="transformer", num_layers=1, embed_dim=16, mlp_size=32, num_heads=2),
                  distill=replace(cfg.distill, eval_every=0, time_budget_min=None),
                  layerwise=LayerwiseConfig(rows=64, batch_size=16), max_drop=100.0)
    s = build(cfg, inp, tmp_path, log=lambda m: None)
    assert set(s["stages"]) == {"teacher", "augment", "label", "distill", "export", "validate"}
    metrics = json.loads((tmp_path / "distill" / "student" / "metrics.json").read_text())
    init = metrics["student_init"]
    assert init["init"] == "teacher_layers" and init["layers"] == [1] and init["layerwise"]["rows"] == 64
    bundle = tmp_path / "export" / "bundle"
    b = Bundle.load(bundle)
    assert b.manifest.student["kind"] == "transformer" and b.manifest.quantization["name"] == "transformer"
    assert len(b.predict(["a fine film", ""]).labels) == 2
    assert selftest(bundle).ok
