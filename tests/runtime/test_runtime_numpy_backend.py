"""The numpy interpreter matches onnxruntime on a hand-built BiLSTM graph (fp32 and ORT-quantized int8).

The graph mirrors what the exporter emits (remap Gather, embedding, one bidirectional LSTM with
sequence_lens, -inf masked max-pool, ReLU layer), built with onnx.helper so this test does not depend on
the exporters package; `test_runtime_bundle_parity.py` checks real exported bundles.
"""
from __future__ import annotations

import numpy as np
import pytest

from edgekd_runtime.errors import UnsupportedOpError
from edgekd_runtime.numpy_backend import NumpyGraph
from edgekd_runtime.onnx_proto import parse_model

onnx = pytest.importorskip("onnx", reason="building test graphs needs `onnx` (dev venv only)")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

VT, V, E, H, M, C = 50, 30, 12, 7, 9, 3


def _bilstm_graph(seed: int = 0, layout: int = 0) -> "onnx.ModelProto":
    rng = np.random.default_rng(seed)
    w = lambda *s: (rng.standard_normal(s) * 0.4).astype(np.float32)  # noqa: E731
    init = [numpy_helper.from_array(rng.integers(0, V, VT).astype(np.int64), "vocab_map"),
            numpy_helper.from_array(w(V, E), "emb"), numpy_helper.from_array(w(2, 4 * H, E), "W"),
            numpy_helper.from_array(w(2, 4 * H, H), "R"), numpy_helper.from_array(w(2, 8 * H), "B"),
            numpy_helper.from_array(w(2 * H, M), "W1"), numpy_helper.from_array(w(M), "b1"),
            numpy_helper.from_array(w(M, C), "W2"), numpy_helper.from_array(w(C), "b2"),
            numpy_helper.from_array(np.array(-np.inf, np.float32), "neg_inf"),
            numpy_helper.from_array(np.array([0, 0, -1], np.int64), "shape3"),
            numpy_helper.from_array(np.array(0, np.int64), "zero"), numpy_helper.from_array(np.array(1, np.int64), "one"),
            numpy_helper.from_array(np.array([1], np.int64), "ax1"), numpy_helper.from_array(np.array([0], np.int64), "ax0"),
            numpy_helper.from_array(np.array([2], np.int64), "ax2")]
    n = helper.make_node
    nodes = [n("Gather", ["vocab_map", "input_ids"], ["sid"]), n("Gather", ["emb", "sid"], ["x_bte"]),
             n("Cast", ["lengths"], ["seq"], to=TensorProto.INT32)]
    if layout == 0:
        nodes += [n("Transpose", ["x_bte"], ["x"], perm=[1, 0, 2]),
                  n("LSTM", ["x", "W", "R", "B", "seq"], ["Y"], hidden_size=H, direction="bidirectional"),
                  n("Transpose", ["Y"], ["Yb"], perm=[2, 0, 1, 3])]
    else:
        nodes += [n("LSTM", ["x_bte", "W", "R", "B", "seq"], ["Yb"], hidden_size=H, direction="bidirectional",
                    layout=1)]
    nodes += [n("Reshape", ["Yb", "shape3"], ["y"]),
              n("Shape", ["input_ids"], ["shp"]), n("Gather", ["shp", "one"], ["T"], axis=0),
              n("Range", ["zero", "T", "one"], ["r"]), n("Unsqueeze", ["r", "ax0"], ["r2"]),
              n("Unsqueeze", ["lengths", "ax1"], ["l2"]), n("Less", ["r2", "l2"], ["m"]),
              n("Unsqueeze", ["m", "ax2"], ["m3"]), n("Where", ["m3", "y", "neg_inf"], ["ym"]),
              n("ReduceMax", ["ym", "ax1"], ["pooled"], keepdims=0),
              n("MatMul", ["pooled", "W1"], ["h0"]), n("Add", ["h0", "b1"], ["h1"]), n("Relu", ["h1"], ["h"]),
              n("MatMul", ["h", "W2"], ["l0"]), n("Add", ["l0", "b2"], ["logits"])]
    g = helper.make_graph(nodes, "bilstm", [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "t"]),
                                            helper.make_tensor_value_info("lengths", TensorProto.INT64, ["b"])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["b", C])], init)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    m.ir_version = 9
    return m


def _quantized(model, tmp_path) -> bytes:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    src, dst = tmp_path / "f.onnx", tmp_path / "q.onnx"
    onnx.save(model, src)
    # 7-bit weights, as every bundle but the "vnni" preset stores them: 8-bit ones saturate in onnxruntime's AVX2
    # kernels (VPMADDUBSW), so there this comparison would measure the CPU, not the numpy backend.
    quantize_dynamic(str(src), str(dst), op_types_to_quantize=["LSTM", "MatMul", "Gather"],
                     per_channel=True, reduce_range=True, weight_type=QuantType.QInt8)
    return dst.read_bytes()


def _feeds(seed: int = 1, b: int = 6, t: int = 9):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, t + 1, b).astype(np.int64)
    lengths[0] = t
    lengths[1] = 1
    ids = rng.integers(0, VT, (b, t)).astype(np.int64)
    ids[np.arange(t)[None, :] >= lengths[:, None]] = 0
    return {"input_ids": ids, "lengths": lengths}


def _both(data: bytes, feeds):
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return NumpyGraph(parse_model(data)).run(feeds)["logits"], sess.run(["logits"], feeds)[0]


def test_fp32_matches_onnxruntime():
    got, want = _both(_bilstm_graph().SerializeToString(), _feeds())
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_batch_first_layout_equals_time_major():
    # onnxruntime rejects layout=1 LSTMs, so the numpy backend's layout=1 path is checked against layout=0.
    feeds = _feeds()
    a = NumpyGraph(parse_model(_bilstm_graph(layout=0).SerializeToString())).run(feeds)["logits"]
    b = NumpyGraph(parse_model(_bilstm_graph(layout=1).SerializeToString())).run(feeds)["logits"]
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_int8_matches_onnxruntime(tmp_path):
    data = _quantized(_bilstm_graph(), tmp_path)
    ops = {n.op_type for n in parse_model(data, decode=False).graph.nodes}
    assert "DynamicQuantizeLSTM" in ops, ops
    feeds = _feeds(b=64)
    got, want = _both(data, feeds)
    # ORT also quantizes activations per tensor on the fly; we keep them fp32 (tolerance in bundle.py docs).
    np.testing.assert_allclose(got, want, atol=0.05 * np.abs(want).max())
    ref = NumpyGraph(parse_model(_bilstm_graph().SerializeToString())).run(feeds)["logits"]
    assert np.abs(got - ref).max() < np.abs(want - ref).max() * 1.5 + 1e-3  # no worse than ORT vs fp32


def test_padding_never_changes_a_row():
    g = NumpyGraph(parse_model(_bilstm_graph().SerializeToString()))
    feeds = _feeds(b=4, t=5)
    wide = {"input_ids": np.pad(feeds["input_ids"], ((0, 0), (0, 7)), constant_values=3), "lengths": feeds["lengths"]}
    np.testing.assert_allclose(g.run(feeds)["logits"], g.run(wide)["logits"], rtol=1e-6, atol=1e-6)


def test_unknown_op_is_named():
    m = _bilstm_graph()
    m.graph.node.append(helper.make_node("Einsum", ["logits", "logits"], ["z"], equation="ij,ij->i"))
    m.graph.node.append(helper.make_node("Frobnicate", ["z"], ["zz"], domain="com.microsoft"))
    with pytest.raises(UnsupportedOpError, match="Einsum.*Frobnicate"):
        NumpyGraph(parse_model(m.SerializeToString()))
