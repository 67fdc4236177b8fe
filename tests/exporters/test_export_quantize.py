"""int8: QuantSpec presets, the per-row int8 embedding, and int8 vs fp32 agreement within a documented tolerance."""
from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from edgekd_contract.checkpoint import StudentConfig, load_numpy_weights
from edgekd_exporters.graph import build_graph
from edgekd_exporters.quantize import (INIT_EMBEDDING_Q, INIT_EMBEDDING_SCALE, PRESETS, QuantSpec, get_preset, quantize,
                                       quantize_embedding_rows)
from edgekd_exporters.validate import ort_logits, random_probe

from tests.helpers.checkpoints import make_random_checkpoint

# Tolerance of int8 vs fp32 on tiny random students. Activations (LSTM input and hidden state) are quantized
# dynamically with ONE scale per tensor, so each row's int8 logits move a little with the rest of its batch and
# with the weight rounding; on these models the logits span about +-1 and the measured max abs diff is ~0.02-0.04.
INT8_MAX_ABS = 0.15
INT8_MIN_AGREEMENT = 0.95


@pytest.fixture(scope="module", params=("bilstm", "siamese_bilstm"))
def setup(request, tmp_path_factory):
    ckpt = make_random_checkpoint(tmp_path_factory.mktemp("q") / "ckpt", request.param, seed=11,
                                  hidden_size=16, embed_dim=24)
    cfg = StudentConfig.read(ckpt)
    return cfg, build_graph(cfg, load_numpy_weights(ckpt))


def test_presets_round_trip_and_errors():
    for name, spec in PRESETS.items():
        assert spec.name == name
        assert QuantSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert get_preset("default").matmul == "fp32" and get_preset("default").per_channel
    assert get_preset("default", "bilstm") == PRESETS["default"]
    assert get_preset("default", "transformer_pair") == PRESETS["transformer"] == get_preset("transformer")
    assert get_preset("all-int8", "transformer") == PRESETS["all-int8"]     # only "default" depends on the kind
    with pytest.raises(ValueError, match="unknown quantization preset 'nope'"):
        get_preset("nope")
    with pytest.raises(ValueError, match="QuantSpec.matmul"):
        QuantSpec(matmul="int4")
    with pytest.raises(ValueError, match="unknown QuantSpec fields"):
        QuantSpec.from_dict({"bits": 4})


def test_per_row_embedding_beats_one_global_scale():
    rng = np.random.default_rng(0)
    table = rng.standard_normal((500, 32)).astype(np.float32) * rng.uniform(0.01, 3.0, (500, 1)).astype(np.float32)
    table[0] = 0.0                                       # the PAD row
    q, scale = quantize_embedding_rows(table)
    assert q.dtype == np.int8 and scale.shape == (500, 1)
    deq = q.astype(np.float32) * scale
    assert np.all(np.abs(deq - table) <= scale / 2 + 1e-7)   # round-to-nearest within each row's own step
    assert np.all(deq[0] == 0)
    g = np.abs(table).max() / 127.0
    glob = np.clip(np.rint(table / g), -127, 127) * g
    rel = lambda d: np.median(np.abs(d - table).mean(1) / (np.abs(table).mean(1) + 1e-12))  # noqa: E731
    assert rel(deq) < rel(glob) / 2


@pytest.mark.parametrize("preset", list(PRESETS))
def test_preset_graph_structure(setup, preset):
    cfg, fp32 = setup
    q = quantize(fp32, preset)
    ops = [n.op_type for n in q.graph.node]
    inits = {t.name: t for t in q.graph.initializer}
    spec = PRESETS[preset]
    lstm_int8 = spec.lstm == "int8"          # the "transformer" preset leaves an LSTM (which it never meets) alone
    assert ops.count("DynamicQuantizeLSTM") == int(lstm_int8) and ops.count("LSTM") == int(not lstm_int8)
    assert ("MatMulInteger" in ops) == (spec.matmul == "int8")
    if spec.embedding == "int8_row":
        assert inits[INIT_EMBEDDING_Q].data_type == onnx.TensorProto.INT8
        assert numpy_helper.to_array(inits[INIT_EMBEDDING_SCALE]).shape == (cfg.vocab_size, 1)
        assert "embedding" not in inits
    else:
        assert "embedding" in inits
    if lstm_int8:
        assert any(o.domain == "com.microsoft" for o in q.opset_import)


@pytest.mark.parametrize("preset", ["default", "all-int8"])
def test_int8_agrees_with_fp32_within_tolerance(setup, preset):
    cfg, fp32 = setup
    probe = random_probe(cfg.teacher_vocab_size, cfg.pair, n=200, max_len=20, seed=2)
    a, b = ort_logits(fp32, probe), ort_logits(quantize(fp32, preset), probe)
    assert np.abs(a).max() > 0.2                          # the model is not trivially flat
    assert np.abs(a - b).max() < INT8_MAX_ABS
    assert (a.argmax(1) == b.argmax(1)).mean() >= INT8_MIN_AGREEMENT
    assert np.abs(a - b).max() > 0                       # it really is quantized


def test_int8_row_depends_only_slightly_on_its_batch(setup):
    """The documented effect of per-tensor dynamic activation scales: same row, different batch, tiny shift."""
    cfg, fp32 = setup
    q = quantize(fp32)
    probe = random_probe(cfg.teacher_vocab_size, cfg.pair, n=64, max_len=20, seed=4)
    together = ort_logits(q, probe, batch=64)
    alone = ort_logits(q, probe, batch=1)
    assert np.abs(together - alone).max() < INT8_MAX_ABS
    f = ort_logits(fp32, probe, batch=64)
    np.testing.assert_allclose(ort_logits(fp32, probe, batch=1), f, atol=1e-5)  # fp32 has no such effect


def test_every_preset_but_vnni_stores_7bit_weights_and_the_manifest_says_where_golden_holds():
    # 8-bit weights saturate in onnxruntime's AVX2 int8 kernels (VPMADDUBSW); 7-bit ones give the same logits on
    # AVX2, AVX-512 VNNI/AMX and arm64 (benchmarks/results/cross-host/), so only "vnni" keeps the full range.
    assert {n for n, s in PRESETS.items() if not s.reduce_range} == {"vnni"}
    every = PRESETS["default"].manifest_record()
    assert every["golden_hosts"] == ["x86-64", "arm64", "wasm"]
    assert any("vnni" in h for h in PRESETS["vnni"].manifest_record()["golden_hosts"])
    assert QuantSpec.from_dict(every) == PRESETS["default"]           # the derived field is not a spec field
