"""edgekd exporters: student checkpoint (safetensors + JSON) -> fused-LSTM ONNX graph -> int8 -> validated bundle.

Needs onnx, onnxruntime, tokenizers and safetensors. Reads the checkpoint through `edgekd_contract` and writes the
bundle schema of `edgekd_runtime`; never imports torch or the training core (`edgekd`), which passes in the torch
reference for the parity check (`Parity`) and the task metric (`Scorer`).
"""
from .bundle import export_bundle, write_archive
from .graph import build_graph
from .quantize import PRESETS, QuantSpec, quantize
from .validate import BudgetError, Budgets, Parity, Scorer

__all__ = ["export_bundle", "write_archive", "build_graph", "quantize", "QuantSpec", "PRESETS", "BudgetError", "Budgets",
           "Parity", "Scorer"]
