"""edgekd exporters: student checkpoint (safetensors + JSON) -> fused-LSTM ONNX graph -> int8 -> validated bundle.

Needs onnx, onnxruntime, tokenizers and safetensors; torch only for the optional parity check (`validate`).
"""
from .bundle import export_bundle, write_archive
from .graph import build_graph
from .quantize import PRESETS, QuantSpec, quantize
from .validate import BudgetError, Budgets

__all__ = ["export_bundle", "write_archive", "build_graph", "quantize", "QuantSpec", "PRESETS", "BudgetError", "Budgets"]
