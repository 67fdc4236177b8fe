"""The protobuf reader agrees with the `onnx` package on every field the runtime uses (onnx is a dev-only dependency)."""
from __future__ import annotations

import numpy as np
import pytest

from edgekd_runtime.onnx_proto import ProtoError, parse_model

onnx = pytest.importorskip("onnx", reason="the reference parser `onnx` is not installed (base runtime venv)")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def _model() -> "onnx.ModelProto":
    rng = np.random.default_rng(0)
    raw_f = numpy_helper.from_array(rng.standard_normal((3, 4)).astype(np.float32), "raw_f")
    typed_f = helper.make_tensor("typed_f", TensorProto.FLOAT, [2, 2], [1.5, -2.0, 3.25, 0.0])
    typed_i64 = helper.make_tensor("typed_i64", TensorProto.INT64, [3], [-(2 ** 40), 0, 7])
    typed_i8 = helper.make_tensor("typed_i8", TensorProto.INT8, [4], [-128, -1, 0, 127])
    typed_u8 = helper.make_tensor("typed_u8", TensorProto.UINT8, [2], [0, 255])
    raw_i8 = numpy_helper.from_array(np.arange(-6, 6, dtype=np.int8).reshape(2, 2, 3), "raw_i8")
    scalar = numpy_helper.from_array(np.array(0.5, dtype=np.float32), "scalar")
    typed_d = helper.make_tensor("typed_d", TensorProto.DOUBLE, [2], [1e-300, 2.5])
    typed_b = helper.make_tensor("typed_b", TensorProto.BOOL, [3], [True, False, True])
    typed_h = helper.make_tensor("typed_h", TensorProto.FLOAT16, [2],
                                 np.array([1.5, -0.25], dtype=np.float16).view(np.uint16).tolist())
    nodes = [
        helper.make_node("MatMul", ["x", "raw_f"], ["y"], name="mm"),
        helper.make_node("LSTM", ["y", "w", "r"], ["Y", "", "Yc"], name="lstm", hidden_size=5,
                         direction="bidirectional", activations=["Sigmoid", "Tanh", "Tanh"], clip=1.25,
                         activation_alpha=[0.5, 0.25]),
        helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(np.array([1, 2], dtype=np.int64))),
        helper.make_node("Transpose", ["Y"], ["z"], perm=[1, 0, 2, 3], domain=""),
        helper.make_node("DynamicQuantizeLSTM", ["a"], ["b"], domain="com.microsoft", hidden_size=3),
    ]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3]),
              helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", None])]
    outputs = [helper.make_tensor_value_info("z", TensorProto.FLOAT, [None, 2, "batch", 5])]
    g = helper.make_graph(nodes, "g", inputs, outputs,
                          [raw_f, typed_f, typed_i64, typed_i8, typed_u8, raw_i8, scalar, typed_d, typed_b, typed_h])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
                             producer_name="edgekd-test")


def test_reader_matches_onnx():
    ref = _model()
    m = parse_model(ref.SerializeToString())
    assert m.ir_version == ref.ir_version and m.producer == "edgekd-test"
    assert m.opsets["ai.onnx"] == 17 and m.opsets["com.microsoft"] == 1
    assert [(n.op_type, n.domain, n.name, n.inputs, n.outputs) for n in m.graph.nodes] == [
        (n.op_type, n.domain, n.name, tuple(n.input), tuple(n.output)) for n in ref.graph.node]
    for t in ref.graph.initializer:
        want = numpy_helper.to_array(t)
        got = m.graph.initializers[t.name].array
        assert got.dtype == want.dtype and got.shape == want.shape, t.name
        np.testing.assert_array_equal(got, want, err_msg=t.name)
    lstm = m.graph.nodes[1].attrs
    assert lstm["hidden_size"] == 5 and lstm["direction"] == b"bidirectional"
    assert lstm["activations"] == [b"Sigmoid", b"Tanh", b"Tanh"]
    assert lstm["clip"] == pytest.approx(1.25) and lstm["activation_alpha"] == pytest.approx([0.5, 0.25])
    np.testing.assert_array_equal(m.graph.nodes[2].attrs["value"], [1, 2])
    assert m.graph.nodes[3].attrs["perm"] == [1, 0, 2, 3]
    assert [(v.name, v.elem_type, v.shape) for v in m.graph.inputs] == [
        ("x", TensorProto.FLOAT, ("batch", 3)), ("ids", TensorProto.INT64, ("batch", None))]
    assert m.graph.outputs[0].shape == (None, 2, "batch", 5)


def test_reader_without_decoding_keeps_dims_only():
    m = parse_model(_model().SerializeToString(), decode=False)
    info = m.graph.initializers["raw_i8"]
    assert info.dims == (2, 2, 3) and info.data_type == TensorProto.INT8 and info.array is None


def test_reader_rejects_garbage_and_truncation():
    data = _model().SerializeToString()
    with pytest.raises(ProtoError):
        parse_model(data[: len(data) // 2])
    with pytest.raises(ProtoError):
        parse_model(b"\xff" * 64)
    with pytest.raises(ProtoError):
        parse_model(b"")


def test_reader_rejects_external_data():
    t = numpy_helper.from_array(np.zeros(4, dtype=np.float32), "w")
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    t.external_data.add(key="location", value="w.bin")
    g = helper.make_graph([], "g", [], [], [t])
    with pytest.raises(ProtoError, match="external"):
        parse_model(helper.make_model(g).SerializeToString())
