"""Build the fp32 ONNX graph of a BiLSTM student from its numpy weights, with one fused bidirectional `LSTM` node.

The graph mirrors `edgekd.student.bilstm` exactly (that module is the reference; change both together):

    input_ids (B, T) teacher ids --Gather(vocab_map)--> student ids --Gather(embedding)--> (B, T, E)
    --Transpose--> (T, B, E) --LSTM(bidirectional, sequence_lens=lengths)--> Y (T, 2, B, H)
    --Where(t < length, Y, -inf)--> ReduceMax over T --> (2, B, H) --> (B, 2H)
    [siamese: both sentences ride one LSTM call stacked on the batch axis, then [h1, h2, h1*h2, |h1-h2|]]
    --MatMul+Add+Relu--> (B, M) --MatMul+Add--> logits (B, C)

Built with `onnx.helper` only, so no torch is needed and the graph has no sort/unsort or Loop/Scan nodes.
Initializer names (read by `quantize` and by the runtime's numpy backend): see `INIT_*` below and `onnx_common`.

`build_graph` is the exporter's entry point for every family: it asks the registry (`families`) for the graph
builder of the checkpoint's kind; this module's own builder is the BiLSTM family's, `build_bilstm_graph`.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from edgekd_runtime.manifest import INPUT_IDS, INPUT_IDS_B, LENGTHS, LENGTHS_B, LOGITS

from .families import graph_builder
from .onnx_common import (EMBED_NODE, INIT_EMBEDDING, INIT_HIDDEN_B, INIT_HIDDEN_W, INIT_OUT_B,  # noqa: F401
                          INIT_OUT_W, INIT_VOCAB_MAP, IR_VERSION, MS_OPSET, OPSET, VOCAB_REMAP_NODE, check_shapes,
                          check_vocab_map, finish, head_inits, head_shapes, table_inits)
from .onnx_common import f32 as _f32
from .onnx_common import int_input as _int_input

INIT_LSTM_W = "lstm_W"              # float32 (2, 4H, E)   ONNX gate order i, o, f, c; direction 0 = forward
INIT_LSTM_R = "lstm_R"              # float32 (2, 4H, H)
INIT_LSTM_B = "lstm_B"              # float32 (2, 8H)      [Wb | Rb]
LSTM_NODE = "bilstm"

# PyTorch stores the four LSTM gate blocks as i, f, g, o; ONNX wants i, o, f, c (c = torch's g): take blocks [0, 3, 1, 2].
TORCH_TO_ONNX_GATES = (0, 3, 1, 2)


def reorder_gates(w: np.ndarray, hidden: int) -> np.ndarray:
    """Reorder the 4H leading axis of a torch LSTM weight or bias from i,f,g,o to ONNX i,o,f,c."""
    blocks = [w[k * hidden:(k + 1) * hidden] for k in range(4)]
    return np.concatenate([blocks[k] for k in TORCH_TO_ONNX_GATES], axis=0)


def lstm_tensors(weights: Mapping[str, np.ndarray], hidden: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W (2, 4H, E), R (2, 4H, H), B (2, 8H) in ONNX layout from the checkpoint's torch-named tensors."""
    W, R, B = [], [], []
    for suffix in ("_l0", "_l0_reverse"):  # ONNX direction 0 = forward, 1 = reverse, as torch
        W.append(reorder_gates(_f32(weights, "lstm.weight_ih" + suffix), hidden))
        R.append(reorder_gates(_f32(weights, "lstm.weight_hh" + suffix), hidden))
        B.append(np.concatenate([reorder_gates(_f32(weights, "lstm.bias_ih" + suffix), hidden),
                                 reorder_gates(_f32(weights, "lstm.bias_hh" + suffix), hidden)]))
    return np.stack(W), np.stack(R), np.stack(B)


def build_graph(cfg, weights: Mapping[str, np.ndarray]) -> onnx.ModelProto:
    """The fp32 ModelProto of the student `cfg` (a StudentConfig) with checkpoint tensors `weights`, built by its
    family's graph builder (`families.FAMILIES`; the transformer's needs torch and is imported only for it)."""
    return graph_builder(cfg.kind)(cfg, weights)


def build_bilstm_graph(cfg, weights: Mapping[str, np.ndarray]) -> onnx.ModelProto:
    """The fp32 ModelProto of a BiLSTM (or siamese BiLSTM) student."""
    H = cfg.hidden_size
    _check_shapes(cfg, weights)
    W, R, B = lstm_tensors(weights, H)
    inits = [
        *table_inits(check_vocab_map(cfg, weights), weights),
        numpy_helper.from_array(W, INIT_LSTM_W), numpy_helper.from_array(R, INIT_LSTM_R),
        numpy_helper.from_array(B, INIT_LSTM_B),
        *head_inits(weights),
        numpy_helper.from_array(np.array(-np.inf, np.float32), "neg_inf"),
        numpy_helper.from_array(np.array([0], np.int64), "axis0"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        numpy_helper.from_array(np.array([1, 3], np.int64), "axes13"),
        numpy_helper.from_array(np.array([0, -1], np.int64), "shape_b_flat"),
        numpy_helper.from_array(np.array(0, np.int64), "zero"),
        numpy_helper.from_array(np.array(1, np.int64), "one"),
    ]
    inputs = [_int_input(INPUT_IDS, ["batch", "seq"]), _int_input(LENGTHS, ["batch"])]
    if cfg.pair:
        inputs += [_int_input(INPUT_IDS_B, ["batch", "seq_b"]), _int_input(LENGTHS_B, ["batch"])]
        n = _stack_pair_nodes() + _encoder_nodes("ids_ab", "lengths_ab", H) + _siamese_nodes()   # -> (B, 8H)
    else:
        n = _encoder_nodes(INPUT_IDS, LENGTHS, H) + [helper.make_node("Identity", ["sent"], ["feats"])]  # (B, 2H)
    n += [helper.make_node("MatMul", ["feats", INIT_HIDDEN_W], ["hid_mm"], name="hidden_matmul"),
          helper.make_node("Add", ["hid_mm", INIT_HIDDEN_B], ["hid_pre"]),
          helper.make_node("Relu", ["hid_pre"], ["hid"]),                               # (B, M)
          helper.make_node("MatMul", ["hid", INIT_OUT_W], ["out_mm"], name="out_matmul"),
          helper.make_node("Add", ["out_mm", INIT_OUT_B], [LOGITS])]                    # (B, C)
    out = helper.make_tensor_value_info(LOGITS, TensorProto.FLOAT, ["batch", cfg.num_labels])
    return finish(helper.make_graph(n, f"edgekd_{cfg.kind}", inputs, [out], initializer=inits))


def _stack_pair_nodes() -> list[onnx.NodeProto]:
    """Both sentences stacked on the batch axis so ONE LSTM call encodes them: "ids_ab" (2B, T), "lengths_ab" (2B,).
    The narrower input is right-padded first (with 0; masked anyway)."""
    return [helper.make_node("Shape", [INPUT_IDS], ["t_a"], start=1, end=2),
            helper.make_node("Shape", [INPUT_IDS_B], ["t_b"], start=1, end=2),
            helper.make_node("Max", ["t_a", "t_b"], ["t_ab"]),
            helper.make_node("Sub", ["t_ab", "t_a"], ["padr_a"]),
            helper.make_node("Sub", ["t_ab", "t_b"], ["padr_b"]),
            helper.make_node("Concat", ["axis0", "axis0", "axis0", "padr_a"], ["pads_a"], axis=0),
            helper.make_node("Concat", ["axis0", "axis0", "axis0", "padr_b"], ["pads_b"], axis=0),
            helper.make_node("Pad", [INPUT_IDS, "pads_a"], ["ids_a_padded"]),     # pads with 0, masked anyway
            helper.make_node("Pad", [INPUT_IDS_B, "pads_b"], ["ids_b_padded"]),
            helper.make_node("Concat", ["ids_a_padded", "ids_b_padded"], ["ids_ab"], axis=0),  # (2B, T)
            helper.make_node("Concat", [LENGTHS, LENGTHS_B], ["lengths_ab"], axis=0)]          # (2B,)


def _siamese_nodes() -> list[onnx.NodeProto]:
    """"sent" (2B, 2H) -> "feats" (B, 8H) = [h1, h2, h1*h2, |h1-h2|]."""
    return [helper.make_node("Split", ["sent"], ["h1", "h2"], axis=0),                # (B, 2H) each
            helper.make_node("Mul", ["h1", "h2"], ["h1h2"]),
            helper.make_node("Sub", ["h1", "h2"], ["h1_h2"]),
            helper.make_node("Abs", ["h1_h2"], ["abs_h1_h2"]),
            helper.make_node("Concat", ["h1", "h2", "h1h2", "abs_h1_h2"], ["feats"], axis=1)]  # (B, 8H)


def _encoder_nodes(ids: str, lengths: str, H: int) -> list[onnx.NodeProto]:
    """ids (B, T) int64 teacher ids + lengths (B,) -> "sent" (B, 2H): embed, one BiLSTM, -inf masked max over time."""
    return [
        helper.make_node("Gather", [INIT_VOCAB_MAP, ids], ["student_ids"], name=VOCAB_REMAP_NODE),  # (B, T) int32
        helper.make_node("Gather", [INIT_EMBEDDING, "student_ids"], ["emb"], name=EMBED_NODE),   # (B, T, E)
        helper.make_node("Transpose", ["emb"], ["x"], perm=[1, 0, 2]),                             # (T, B, E)
        helper.make_node("Cast", [lengths], ["seq_lens"], to=TensorProto.INT32),                  # (B,)
        helper.make_node("LSTM", ["x", INIT_LSTM_W, INIT_LSTM_R, INIT_LSTM_B, "seq_lens"], ["y"],
                         name=LSTM_NODE, direction="bidirectional", hidden_size=H),               # (T, 2, B, H)
        # ORT writes zeros to Y past each length; a zero would beat negative states in the max, so mask with -inf.
        helper.make_node("Shape", [ids], ["t_dim"], start=1, end=2),                              # [T]
        helper.make_node("Squeeze", ["t_dim"], ["t_scalar"]),
        helper.make_node("Range", ["zero", "t_scalar", "one"], ["t_range"]),                      # (T,)
        helper.make_node("Unsqueeze", ["t_range", "axis1"], ["t_col"]),                           # (T, 1)
        helper.make_node("Cast", [lengths], ["len64"], to=TensorProto.INT64),
        helper.make_node("Unsqueeze", ["len64", "axis0"], ["len_row"]),                           # (1, B)
        helper.make_node("Less", ["t_col", "len_row"], ["valid"]),                                # (T, B)
        helper.make_node("Unsqueeze", ["valid", "axes13"], ["valid4"]),                           # (T, 1, B, 1)
        helper.make_node("Where", ["valid4", "y", "neg_inf"], ["y_masked"]),                      # (T, 2, B, H)
        helper.make_node("ReduceMax", ["y_masked"], ["pooled"], axes=[0], keepdims=0),            # (2, B, H)
        helper.make_node("Transpose", ["pooled"], ["pooled_b"], perm=[1, 0, 2]),                  # (B, 2, H)
        helper.make_node("Reshape", ["pooled_b", "shape_b_flat"], ["sent"]),                      # (B, 2H) = [fwd, bwd]
    ]


def _check_shapes(cfg, weights: Mapping[str, np.ndarray]) -> None:
    """Fail with the tensor's name when a checkpoint does not match its StudentConfig."""
    E, H = cfg.embed_dim, cfg.hidden_size
    want = head_shapes(cfg)
    for s in ("_l0", "_l0_reverse"):
        want |= {f"lstm.weight_ih{s}": (4 * H, E), f"lstm.weight_hh{s}": (4 * H, H),
                 f"lstm.bias_ih{s}": (4 * H,), f"lstm.bias_hh{s}": (4 * H,)}
    check_shapes(weights, want)
