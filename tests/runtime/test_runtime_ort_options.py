"""The onnxruntime SessionOptions are the deliberate ones documented in ort_backend.py."""
from __future__ import annotations

import pytest

from edgekd_runtime.ort_backend import session_options

ort = pytest.importorskip("onnxruntime")


def test_single_thread_options():
    so = session_options(threads=1)
    assert so.intra_op_num_threads == 1 and so.inter_op_num_threads == 1
    assert so.execution_mode == ort.ExecutionMode.ORT_SEQUENTIAL
    assert so.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert so.enable_cpu_mem_arena is True              # measured: off saved nothing (benchmarks/results/perf)
    with pytest.raises(RuntimeError):                    # unset: one thread has nothing to spin for
        so.get_session_config_entry("session.intra_op.allow_spinning")


def test_multi_thread_options_do_not_spin():
    so = session_options(threads=2, optimization="basic", mem_arena=False, extra={"session.disable_prepacking": "1"})
    assert so.intra_op_num_threads == 2
    assert so.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert so.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    assert so.enable_cpu_mem_arena is False
    assert so.get_session_config_entry("session.disable_prepacking") == "1"


def test_unknown_optimization_level():
    with pytest.raises(ValueError, match="optimization"):
        session_options(optimization="max")
