"""The onnxruntime backend: one InferenceSession with deliberately chosen options, imported only when used.

Choices (all overridable through `Bundle.load(..., session_options=...)` for experiments):
- intra_op_num_threads = `threads` (the device profile's number, default 1): a BiLSTM step is small, so
  more threads only help large batches;
- `session.intra_op.allow_spinning` = "0" when threads > 1, so idle workers sleep instead of burning the
  cores that tokenization and other processes need (spinning only pays off under a constant stream);
- inter_op_num_threads = 1 and sequential execution: the graph is a chain, there is nothing to overlap;
- graph optimisation level ORT_ENABLE_ALL (constant folding and fusions; the LSTM kernel is unchanged);
- the CPU memory arena on (the profile's `enable_cpu_mem_arena`), as onnxruntime's default;
- the CPU provider only, so a host with a GPU build behaves like every other host.
`InferenceSession.run` is thread-safe, so one session serves concurrent `predict` calls (and the batches one
`predict` runs at once with threads > 1).
Measured at batch 1 (benchmarks/perf_ort_options.py, results in benchmarks/results/perf/): optimisation levels, parallel execution mode, IO binding
and the arena switch all cost the same CPU within 2%, so the defaults stay; spinning workers (threads > 1) made
batch 1 slower on the shared 2-core host; disabling weight prepacking doubled it.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .errors import BackendUnavailableError, ModelFormatError

_LEVELS = {"disable": "ORT_DISABLE_ALL", "basic": "ORT_ENABLE_BASIC", "extended": "ORT_ENABLE_EXTENDED",
           "all": "ORT_ENABLE_ALL"}


def import_onnxruntime():
    try:
        import onnxruntime
    except ImportError as e:
        raise BackendUnavailableError(f"onnxruntime is not installed ({e}); install it (pip install "
                                      "'edgekd-runtime[onnxruntime]') or use the numpy backend (--backend numpy; "
                                      "Bundle.load(path, backend='numpy'))") from None
    return onnxruntime


def session_options(threads: int = 1, optimization: str = "all", extra: Mapping[str, str] | None = None,
                    mem_arena: bool = True):
    """The SessionOptions described in the module docstring."""
    ort = import_onnxruntime()
    if optimization not in _LEVELS:
        raise ValueError(f"optimization must be one of {sorted(_LEVELS)}, got {optimization!r}")
    so = ort.SessionOptions()
    so.intra_op_num_threads = int(threads)
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = getattr(ort.GraphOptimizationLevel, _LEVELS[optimization])
    so.enable_cpu_mem_arena = bool(mem_arena)
    so.log_severity_level = 3                       # errors only: warnings would clutter a CLI's stderr
    if threads > 1:
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    for k, v in (extra or {}).items():
        so.add_session_config_entry(str(k), str(v))
    return so


class OrtBackend:
    """Runs the model bytes in onnxruntime; `run(feeds)` returns {output name: array}."""

    name = "onnxruntime"

    def __init__(self, model_bytes: bytes, threads: int = 1, optimization: str = "all",
                 extra: Mapping[str, str] | None = None, mem_arena: bool = True, label: str = "model") -> None:
        ort = import_onnxruntime()
        so = session_options(threads, optimization, extra, mem_arena)
        try:
            self.session = ort.InferenceSession(model_bytes, sess_options=so, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own (pybind) exception types
            msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ModelFormatError(f"{label}: onnxruntime cannot load the model: {msg}") from None
        self.input_names = tuple(i.name for i in self.session.get_inputs())
        self.output_names = tuple(o.name for o in self.session.get_outputs())
        self.threads = int(threads)

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, Any]:
        outs = self.session.run(list(self.output_names), feeds)
        return dict(zip(self.output_names, outs))
