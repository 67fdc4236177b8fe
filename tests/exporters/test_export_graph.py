"""The fp32 graph: one fused LSTM, the gate reorder, torch parity, padding invariance."""
from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from edgekd_contract.checkpoint import StudentConfig, load_numpy_weights
from edgekd_exporters.graph import (IR_VERSION, TORCH_TO_ONNX_GATES, build_graph, lstm_tensors, reorder_gates)
from edgekd_exporters.quantize import quantize
from edgekd_exporters.validate import Probe, ort_logits, random_probe
from edgekd_runtime.encoding import Encoded

from tests.helpers.checkpoints import make_random_checkpoint

KINDS = ("bilstm", "siamese_bilstm")


@pytest.fixture(scope="module", params=KINDS)
def ckpt(request, tmp_path_factory):
    return make_random_checkpoint(tmp_path_factory.mktemp(request.param) / "ckpt", request.param, seed=3)


@pytest.fixture(scope="module")
def fp32(ckpt):
    return build_graph(StudentConfig.read(ckpt), load_numpy_weights(ckpt))


def _session(model: onnx.ModelProto) -> ort.InferenceSession:
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_exactly_one_fused_lstm_and_no_loops(fp32, precision):
    model = fp32 if precision == "fp32" else quantize(fp32)
    ops = [n.op_type for n in model.graph.node]
    want = "LSTM" if precision == "fp32" else "DynamicQuantizeLSTM"
    assert ops.count(want) == 1, ops
    assert sum(op in ("LSTM", "DynamicQuantizeLSTM") for op in ops) == 1
    assert not {"Loop", "Scan", "If"} & set(ops)
    assert model.ir_version == IR_VERSION
    onnx.checker.check_model(model, full_check=precision == "fp32")
    _session(model)  # loads in onnxruntime


def test_gate_reorder_matches_torch_lstm_cell():
    """PyTorch gates i,f,g,o must become ONNX i,o,f,c: one ONNX LSTM step equals a hand-written torch-order cell."""
    assert TORCH_TO_ONNX_GATES == (0, 3, 1, 2)
    rng = np.random.default_rng(0)
    H, E = 3, 4
    w_ih, w_hh = rng.standard_normal((4 * H, E)), rng.standard_normal((4 * H, H))
    b_ih, b_hh = rng.standard_normal(4 * H), rng.standard_normal(4 * H)
    x, h0, c0 = rng.standard_normal(E), rng.standard_normal(H), rng.standard_normal(H)
    # torch's cell, in its own order (i, f, g, o)
    z = w_ih @ x + b_ih + w_hh @ h0 + b_hh
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    i, f, g, o = sig(z[:H]), sig(z[H:2 * H]), np.tanh(z[2 * H:3 * H]), sig(z[3 * H:])
    h_ref = o * np.tanh(f * c0 + i * g)
    # one step of ONNX LSTM (forward only) fed the reordered blocks
    W, R = reorder_gates(w_ih, H)[None], reorder_gates(w_hh, H)[None]
    B = np.concatenate([reorder_gates(b_ih, H), reorder_gates(b_hh, H)])[None]
    inits = [onnx.numpy_helper.from_array(np.asarray(v, np.float32), n)
             for n, v in (("W", W), ("R", R), ("B", B), ("h0", h0[None, None]), ("c0", c0[None, None]))]
    node = onnx.helper.make_node("LSTM", ["x", "W", "R", "B", "", "h0", "c0"], ["", "h"], hidden_size=H)
    graph = onnx.helper.make_graph([node], "cell", [onnx.helper.make_tensor_value_info("x", 1, [1, 1, E])],
                                   [onnx.helper.make_tensor_value_info("h", 1, [1, 1, H])], initializer=inits)
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)])
    model.ir_version = IR_VERSION
    h = _session(model).run(None, {"x": x.astype(np.float32)[None, None]})[0].reshape(H)
    np.testing.assert_allclose(h, h_ref, atol=1e-5)
    # and the unreordered blocks would give a different answer (so the test can fail)
    assert np.abs(reorder_gates(w_ih, H) - w_ih).max() > 0


def test_lstm_tensors_layout(ckpt):
    cfg, w = StudentConfig.read(ckpt), load_numpy_weights(ckpt)
    W, R, B = lstm_tensors(w, cfg.hidden_size)
    H = cfg.hidden_size
    assert W.shape == (2, 4 * H, cfg.embed_dim) and R.shape == (2, 4 * H, H) and B.shape == (2, 8 * H)
    np.testing.assert_array_equal(W[1, H:2 * H], w["lstm.weight_ih_l0_reverse"][3 * H:])   # ONNX o = torch o
    np.testing.assert_array_equal(B[0, 4 * H + 3 * H:], w["lstm.bias_hh_l0"][2 * H:3 * H])  # ONNX c = torch g


def test_torch_parity_variable_lengths(ckpt, fp32):
    pytest.importorskip("torch")
    probe = random_probe(StudentConfig.read(ckpt).teacher_vocab_size, StudentConfig.read(ckpt).pair, n=40,
                         max_len=17, seed=5)
    assert (probe.a.lengths == 1).any() and probe.a.lengths.max() > 10
    from edgekd.export import torch_reference

    diff = np.abs(torch_reference(ckpt, batch=16)(probe) - ort_logits(fp32, probe, batch=16)).max()
    assert diff < 1e-4, diff


def _pad_more(e: Encoded, extra: int, fill: int) -> Encoded:
    ids = np.concatenate([e.ids, np.full((len(e.ids), extra), fill, np.int64)], axis=1)
    return Encoded(ids=ids, lengths=e.lengths, truncated=e.truncated)


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_padding_never_changes_output(ckpt, fp32, precision):
    """Extra pad columns, whatever id they hold, change nothing: they are outside every row's length."""
    cfg = StudentConfig.read(ckpt)
    model = fp32 if precision == "fp32" else quantize(fp32)
    p = random_probe(cfg.teacher_vocab_size, cfg.pair, n=24, max_len=9, seed=7)
    sess = _session(model)
    base = sess.run(None, p.slice(0, len(p)))[0]
    for extra, fill in ((6, 0), (3, 57)):
        q = Probe(_pad_more(p.a, extra, fill), _pad_more(p.b, extra + 2, fill) if p.b is not None else None)
        feeds = {"input_ids": q.a.ids, "lengths": q.a.lengths}
        if q.b is not None:
            feeds |= {"input_ids_b": q.b.ids, "lengths_b": q.b.lengths}
        # Exact in fp32; int8 re-quantizes activations per tensor, and garbage ids in padding never reach them
        # past each row's length, so the int8 output is identical too.
        np.testing.assert_allclose(sess.run(None, feeds)[0], base, atol=1e-6 if precision == "fp32" else 1e-5)


def test_bad_checkpoint_shapes_are_named(ckpt):
    cfg, w = StudentConfig.read(ckpt), dict(load_numpy_weights(ckpt))
    good = w["hidden.weight"]
    w["hidden.weight"] = good[:, :-1]
    with pytest.raises(ValueError, match="hidden.weight"):
        build_graph(cfg, w)
    w["hidden.weight"] = good
    del w["out.bias"]
    with pytest.raises(KeyError, match="out.bias"):
        build_graph(cfg, w)
