"""The core side of export: the torch student as the parity reference, the task metric, readable label names."""
from __future__ import annotations

import numpy as np
import pytest

from edgekd import export as core_export
from edgekd_contract.checkpoint import StudentConfig
from edgekd_exporters import BudgetError

from tests.helpers.checkpoints import TINY_TEXTS, make_random_checkpoint


class Dev:
    texts = TINY_TEXTS * 6
    text_pairs = tuple(reversed(TINY_TEXTS * 6))
    labels = np.arange(len(TINY_TEXTS * 6)) % 2


def test_parity_not_measured_without_torch(tmp_path, monkeypatch):
    monkeypatch.setattr(core_export, "torch_available", lambda: False)
    ckpt = make_random_checkpoint(tmp_path / "ckpt")
    man = core_export.export_student(ckpt, tmp_path / "b")
    assert man.metrics["parity_torch_fp32"] == {"measured": False, "reason": "torch not installed"}
    with pytest.raises(BudgetError, match="torch is not installed"):
        core_export.export_student(ckpt, tmp_path / "c", check_parity=True)
    skipped = core_export.export_student(ckpt, tmp_path / "d", check_parity=False).metrics["parity_torch_fp32"]
    assert skipped == {"measured": False, "reason": "skipped on request"}


def test_parity_measured_with_torch_and_task_metric(tmp_path):
    pytest.importorskip("torch")
    ckpt = make_random_checkpoint(tmp_path / "ckpt", "siamese_bilstm")          # task mrpc: metric f1
    man = core_export.export_student(ckpt, tmp_path / "b", dev_data=Dev(), allow_budget_break=True)
    par = man.metrics["parity_torch_fp32"]
    assert par["measured"] and par["max_abs_diff"] < 1e-4 and par["rows"] == 96 + len(Dev.texts)
    assert man.metrics["int8_vs_fp32_dev"]["metric"] == "f1" and set(man.metrics["fp32_dev"]) == {"accuracy", "f1"}
    assert man.labels == ("not_equivalent", "equivalent")                       # the task's readable names


def test_readable_label_names():
    assert core_export.readable_label_names(StudentConfig(task="sst2", labels=("0", "1"))) == ("negative", "positive")
    assert core_export.readable_label_names(StudentConfig(task="sst2", labels=("neg", "pos"))) is None
    assert core_export.readable_label_names(StudentConfig(task="mine", labels=("0", "1"))) is None
    assert core_export.task_metric("mrpc") == "f1" and core_export.task_metric("mine") == "accuracy"
