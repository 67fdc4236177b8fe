"""What every student graph shares: the ONNX versions it is stamped with, and the names of the word-embedding
table and its Gather, which `quantize` turns into an int8 table with per-row scales whatever the family.

The bottom of the exporter's module graph: the family graph builders (`graph`, `bert_student`, `static_student`)
and `quantize` import it, and it imports none of them.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import onnx
from onnx import TensorProto, helper

OPSET = 17
# onnx 1.23's make_model stamps IR version 14, which onnxruntime 1.31 refuses (it reads <= 13). We stamp the
# lowest IR version that carries opset 17 (8), so the bundle also loads on older on-device onnxruntime builds.
IR_VERSION = 8
MS_OPSET = 1  # com.microsoft, used by the int8 graph (DynamicQuantizeLSTM)

INIT_VOCAB_MAP = "vocab_map"        # int32 (Vt,)      teacher id -> student id
INIT_EMBEDDING = "embedding"        # float32 (V, E)   (int8 graph: embedding_q int8 (V, E) + embedding_scale (V, 1))
EMBED_NODE = "embed"                # the Gather of INIT_EMBEDDING
VOCAB_REMAP_NODE = "vocab_remap"    # the Gather of INIT_VOCAB_MAP (the runtime's verifier finds the remap by it)


def int_input(name: str, dims: list[str]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.INT64, dims)


def f32(weights: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    if name not in weights:
        raise KeyError(f"student checkpoint lacks tensor {name!r}")
    return np.ascontiguousarray(weights[name], dtype=np.float32)


def check_vocab_map(cfg, weights: Mapping[str, np.ndarray]) -> np.ndarray:
    """The checkpoint's vocab_map, checked to point inside the student vocabulary."""
    vocab_map = np.asarray(weights["vocab_map"])
    if vocab_map.min() < 0 or vocab_map.max() >= cfg.vocab_size:
        raise ValueError(f"vocab_map holds ids outside [0, {cfg.vocab_size}) of the student vocabulary")
    return vocab_map


def check_shapes(weights: Mapping[str, np.ndarray], want: Mapping[str, tuple[int, ...]]) -> None:
    """Fail with the tensor's name when a checkpoint does not match its StudentConfig."""
    for name, shape in want.items():
        if name not in weights:
            raise KeyError(f"student checkpoint lacks tensor {name!r}")
        if tuple(weights[name].shape) != shape:
            raise ValueError(f"student tensor {name!r} has shape {tuple(weights[name].shape)}, config says {shape}")


def finish(graph: onnx.GraphProto) -> onnx.ModelProto:
    """The checked ModelProto of a graph built with `onnx.helper` (opset 17, IR 8, producer edgekd)."""
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="edgekd")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model
