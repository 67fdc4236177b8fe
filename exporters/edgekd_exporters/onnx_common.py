"""What every student graph shares: the ONNX versions it is stamped with, and the names of the word-embedding
table and its Gather, which `quantize` turns into an int8 table with per-row scales whatever the family.

The bottom of the exporter's module graph: the family graph builders (`graph`, `bert_student`, `static_student`)
and `quantize` import it, and it imports none of them.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
# onnx 1.23's make_model stamps IR version 14, which onnxruntime 1.31 refuses (it reads <= 13). We stamp the
# lowest IR version that carries opset 17 (8), so the bundle also loads on older on-device onnxruntime builds.
IR_VERSION = 8
MS_OPSET = 1  # com.microsoft, used by the int8 graph (DynamicQuantizeLSTM)

INIT_VOCAB_MAP = "vocab_map"        # int32 (Vt,)      teacher id -> student id
INIT_EMBEDDING = "embedding"        # float32 (V, E)   (int8 graph: embedding_q int8 (V, E) + embedding_scale (V, 1))
EMBED_NODE = "embed"                # the Gather of INIT_EMBEDDING
VOCAB_REMAP_NODE = "vocab_remap"    # the Gather of INIT_VOCAB_MAP (the runtime's verifier finds the remap by it)
INIT_HIDDEN_W = "hidden_W"          # float32 (F, M)   transposed torch hidden.weight (table + ReLU-head students)
INIT_HIDDEN_B = "hidden_b"          # float32 (M,)
INIT_OUT_W = "out_W"                # float32 (M, C)
INIT_OUT_B = "out_b"                # float32 (C,)


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


def head_shapes(cfg) -> dict[str, tuple[int, ...]]:
    """Checkpoint tensors of every table + ReLU-head student (BiLSTM, static): the remap, the word-piece table and
    the two dense layers over the `feature_size` pooled features."""
    V, E, M, C, F = cfg.vocab_size, cfg.embed_dim, cfg.mlp_size, cfg.num_labels, cfg.feature_size
    return {"vocab_map": (cfg.teacher_vocab_size,), "embedding.weight": (V, E), "hidden.weight": (M, F),
            "hidden.bias": (M,), "out.weight": (C, M), "out.bias": (C,)}


def table_inits(vocab_map: np.ndarray, weights: Mapping[str, np.ndarray]) -> list[onnx.TensorProto]:
    """The remap (int32 halves the table; Gather takes it) and the word-piece table, as initializers."""
    return [numpy_helper.from_array(vocab_map.astype(np.int32), INIT_VOCAB_MAP),
            numpy_helper.from_array(f32(weights, "embedding.weight"), INIT_EMBEDDING)]


def head_inits(weights: Mapping[str, np.ndarray]) -> list[onnx.TensorProto]:
    """The ReLU layer and the output layer (weights transposed for MatMul), as initializers."""
    return [numpy_helper.from_array(f32(weights, "hidden.weight").T.copy(), INIT_HIDDEN_W),
            numpy_helper.from_array(f32(weights, "hidden.bias"), INIT_HIDDEN_B),
            numpy_helper.from_array(f32(weights, "out.weight").T.copy(), INIT_OUT_W),
            numpy_helper.from_array(f32(weights, "out.bias"), INIT_OUT_B)]


def finish(graph: onnx.GraphProto) -> onnx.ModelProto:
    """The checked ModelProto of a graph built with `onnx.helper` (opset 17, IR 8, producer edgekd)."""
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="edgekd")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model
