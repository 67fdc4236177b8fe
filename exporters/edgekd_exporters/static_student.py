"""The fp32 ONNX graph of a static student (`edgekd.student.static`): the word-piece table, masked mean and max
over the real tokens, then the ReLU layer and the logits. Built with `onnx.helper` only (no torch):

    input_ids (B, T) teacher ids --Gather(vocab_map)--> student ids --Gather(embedding)--> x (B, T, E)
    mean = ReduceSum(x * valid) / length,  max = ReduceMax(Where(valid, x, -inf)),  valid = t < length
    --Concat--> (B, 2E) --MatMul+Add+Relu--> (B, M) --MatMul+Add--> logits (B, C)
    [pairs: both sentences' ids concatenated on the time axis go through ONE embedding Gather (the node `quantize`
     turns into int8 rows), sliced apart, pooled each, then [u, v, u*v, |u-v|] (B, 8E)]

The bundle's inputs are every edgekd bundle's (input_ids, lengths[, input_ids_b, lengths_b]), so the Python,
Node and browser runtimes run it unchanged. No recurrence: the int8 bundle differs from fp32 only in its
embedding rows (int8 with a per-row scale), dequantized right after the Gather.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from edgekd_runtime.manifest import INPUT_IDS, INPUT_IDS_B, LENGTHS, LENGTHS_B, LOGITS

from .onnx_common import (EMBED_NODE, INIT_EMBEDDING, INIT_HIDDEN_B, INIT_HIDDEN_W, INIT_OUT_B,  # noqa: F401
                          INIT_OUT_W, INIT_VOCAB_MAP, VOCAB_REMAP_NODE, check_shapes, check_vocab_map, finish,
                          head_inits, head_shapes, int_input, table_inits)


def build_static_graph(cfg, weights: Mapping[str, np.ndarray]) -> onnx.ModelProto:
    """The fp32 ModelProto of a static (or static pair) student with checkpoint tensors `weights`."""
    check_shapes(weights, head_shapes(cfg))
    inits = [
        *table_inits(check_vocab_map(cfg, weights), weights),
        *head_inits(weights),
        numpy_helper.from_array(np.array(-np.inf, np.float32), "neg_inf"),
        numpy_helper.from_array(np.array([0], np.int64), "axis0"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        numpy_helper.from_array(np.array([2], np.int64), "axis2"),
        numpy_helper.from_array(np.array(0, np.int64), "zero"),
        numpy_helper.from_array(np.array(1, np.int64), "one"),
    ]
    inputs = [int_input(INPUT_IDS, ["batch", "seq"]), int_input(LENGTHS, ["batch"])]
    if cfg.pair:
        inputs += [int_input(INPUT_IDS_B, ["batch", "seq_b"]), int_input(LENGTHS_B, ["batch"])]
        inits.append(numpy_helper.from_array(np.array([np.iinfo(np.int64).max], np.int64), "to_end"))
        n = [helper.make_node("Concat", [INPUT_IDS, INPUT_IDS_B], ["ids_ab"], axis=1),         # (B, Ta + Tb)
             *_embed_nodes("ids_ab"),                                                           # (B, Ta + Tb, E)
             helper.make_node("Shape", [INPUT_IDS], ["t_a"], start=1, end=2),                   # [Ta]
             helper.make_node("Slice", ["emb", "axis0", "t_a", "axis1"], ["emb_a"]),            # (B, Ta, E)
             helper.make_node("Slice", ["emb", "t_a", "to_end", "axis1"], ["emb_b"]),           # (B, Tb, E)
             *_pool_nodes("emb_a", INPUT_IDS, LENGTHS, "u"),
             *_pool_nodes("emb_b", INPUT_IDS_B, LENGTHS_B, "v"),
             helper.make_node("Mul", ["u", "v"], ["uv"]),
             helper.make_node("Sub", ["u", "v"], ["u_v"]),
             helper.make_node("Abs", ["u_v"], ["abs_u_v"]),
             helper.make_node("Concat", ["u", "v", "uv", "abs_u_v"], ["feats"], axis=1)]      # (B, 8E)
    else:
        n = [*_embed_nodes(INPUT_IDS), *_pool_nodes("emb", INPUT_IDS, LENGTHS, "feats")]        # (B, 2E)
    n += [helper.make_node("MatMul", ["feats", INIT_HIDDEN_W], ["hid_mm"], name="hidden_matmul"),
          helper.make_node("Add", ["hid_mm", INIT_HIDDEN_B], ["hid_pre"]),
          helper.make_node("Relu", ["hid_pre"], ["hid"]),                                       # (B, M)
          helper.make_node("MatMul", ["hid", INIT_OUT_W], ["out_mm"], name="out_matmul"),
          helper.make_node("Add", ["out_mm", INIT_OUT_B], [LOGITS])]                            # (B, C)
    out = helper.make_tensor_value_info(LOGITS, TensorProto.FLOAT, ["batch", cfg.num_labels])
    return finish(helper.make_graph(n, f"edgekd_{cfg.kind}", inputs, [out], initializer=inits))


def _embed_nodes(ids: str) -> list[onnx.NodeProto]:
    """Teacher ids -> "emb" (B, T, E): the id remap, then the one embedding Gather (`quantize` rewrites it)."""
    return [helper.make_node("Gather", [INIT_VOCAB_MAP, ids], ["student_ids"], name=VOCAB_REMAP_NODE),
            helper.make_node("Gather", [INIT_EMBEDDING, "student_ids"], ["emb"], name=EMBED_NODE)]


def _pool_nodes(x: str, ids: str, lengths: str, out: str) -> list[onnx.NodeProto]:
    """x (B, T, E) with T = ids' width -> `out` (B, 2E) = [mean, max] over the first `lengths` steps of each row."""
    p = out + "_"
    return [
        helper.make_node("Shape", [ids], [p + "t"], start=1, end=2),                  # [T]
        helper.make_node("Squeeze", [p + "t"], [p + "t_scalar"]),
        helper.make_node("Range", ["zero", p + "t_scalar", "one"], [p + "t_range"]),  # (T,)
        helper.make_node("Unsqueeze", [p + "t_range", "axis0"], [p + "t_row"]),       # (1, T)
        helper.make_node("Cast", [lengths], [p + "len64"], to=TensorProto.INT64),
        helper.make_node("Unsqueeze", [p + "len64", "axis1"], [p + "len_col"]),       # (B, 1)
        helper.make_node("Less", [p + "t_row", p + "len_col"], [p + "valid"]),        # (B, T)
        helper.make_node("Unsqueeze", [p + "valid", "axis2"], [p + "valid3"]),        # (B, T, 1)
        helper.make_node("Cast", [p + "valid3"], [p + "validf"], to=TensorProto.FLOAT),
        helper.make_node("Mul", [x, p + "validf"], [p + "x_masked"]),
        helper.make_node("ReduceSum", [p + "x_masked", "axis1"], [p + "sum"], keepdims=0),   # (B, E)
        helper.make_node("Cast", [p + "len_col"], [p + "lenf"], to=TensorProto.FLOAT),       # (B, 1)
        helper.make_node("Div", [p + "sum", p + "lenf"], [p + "mean"]),                      # (B, E)
        helper.make_node("Where", [p + "valid3", x, "neg_inf"], [p + "x_neg"]),
        helper.make_node("ReduceMax", [p + "x_neg"], [p + "max"], axes=[1], keepdims=0),      # (B, E)
        helper.make_node("Concat", [p + "mean", p + "max"], [out], axis=1),                  # (B, 2E)
    ]
