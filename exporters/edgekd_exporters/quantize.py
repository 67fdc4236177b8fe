"""int8 quantization of the fp32 student graph, driven by a named, frozen `QuantSpec` recorded in the manifest.

Three independent choices:
  - the LSTM: onnxruntime's `quantize_dynamic` turns it into `com.microsoft.DynamicQuantizeLSTM` (int8 weights,
    per-channel scales; the input and hidden state are quantized on the fly with one scale per tensor);
  - the embedding table: int8 with one float scale per row, dequantized in the graph *after* the Gather, so only
    the gathered rows are touched (one global scale loses the rare, large-norm rows);
  - the classifier MatMuls: fp32 by default, because on a random student int8 MatMuls caused most flipped argmaxes.
Dynamic activation quantization makes an int8 row's logits depend slightly on the other rows of its batch;
that is expected, and the tests and budgets allow for it.
"""
from __future__ import annotations

import logging
import tempfile
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .families import default_quant, family_presets
from .onnx_common import EMBED_NODE, INIT_EMBEDDING, IR_VERSION, MS_OPSET

INIT_EMBEDDING_Q = "embedding_q"          # int8 (V, E)
INIT_EMBEDDING_SCALE = "embedding_scale"  # float32 (V, 1): row v = embedding_q[v] * embedding_scale[v]


@dataclass(frozen=True)
class QuantSpec:
    """How the int8 model is made. `name` is the preset it came from (or "custom")."""

    name: str = "default"
    lstm: str = "int8"              # "int8" (DynamicQuantizeLSTM) | "fp32"
    per_channel: bool = True        # per-output-channel weight scales for the quantized LSTM/MatMuls
    embedding: str = "int8_row"     # "int8_row" (int8 table + per-row scale) | "fp32"
    matmul: str = "fp32"            # classifier head: "fp32" | "int8" (dynamic, per-channel when per_channel)
    reduce_range: bool = True       # 7-bit weights: the same logits on every CPU (see PORTABLE_NOTE)

    def __post_init__(self) -> None:
        for f, ok in (("lstm", ("int8", "fp32")), ("embedding", ("int8_row", "fp32")), ("matmul", ("int8", "fp32"))):
            if getattr(self, f) not in ok:
                raise ValueError(f"QuantSpec.{f} must be one of {ok}, got {getattr(self, f)!r}")

    @property
    def op_types(self) -> list[str]:
        """Op types handed to onnxruntime's dynamic quantizer."""
        return (["LSTM"] if self.lstm == "int8" else []) + (["MatMul"] if self.matmul == "int8" else [])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def manifest_record(self) -> dict[str, Any]:
        """The spec plus the hosts on which its golden vectors hold (what the manifest says)."""
        return {**self.to_dict(), "golden_hosts": list(GOLDEN_HOSTS[self.reduce_range])}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "QuantSpec":
        d = {k: v for k, v in d.items() if k != "golden_hosts"}   # derived, written by manifest_record
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown QuantSpec fields: {sorted(unknown)}")
        return cls(**d)


# Named presets (device profiles refer to these by name). Every preset but "vnni" stores 7-bit weights
# (reduce_range): x86 CPUs without VNNI multiply u8 activations by s8 weights with VPMADDUBSW, whose 16-bit pair
# sums saturate for 8-bit weights (255 x 127 x 2 > 32767) but never for 7-bit ones (255 x 64 x 2 < 32767), so
# 7-bit bundles compute the same integer products on AVX2, AVX-512 VNNI, AMX, aarch64 and wasm; see
# benchmarks/results/cross-host/ for the measured differences per pair of hosts.
PRESETS: dict[str, QuantSpec] = {
    "default": QuantSpec(),
    "all-int8": QuantSpec(name="all-int8", matmul="int8"),            # smallest; check the budget
    "lstm-only": QuantSpec(name="lstm-only", embedding="fp32"),       # embedding stays fp32
    # full 8-bit weights: golden vectors hold only where int8 products do not saturate (VNNI/AMX x86, arm64, wasm)
    "vnni": QuantSpec(name="vnni", reduce_range=False),
    "non-vnni": QuantSpec(name="non-vnni"),                           # = default since 0.3 (kept for old profiles)
    # then the presets student families add (each family's default, e.g. its int8 MatMuls or no LSTM): see
    # `families.FAMILIES`
    **{name: QuantSpec(name=name, **spec) for name, spec in family_presets().items()},
}
# Where a bundle's int8 golden vectors hold, by weight range (recorded in the manifest's "quantization").
GOLDEN_HOSTS = {True: ("x86-64", "arm64", "wasm"),
                False: ("x86-64 with avx512_vnni, avx_vnni or amx_int8", "arm64", "wasm")}


def get_preset(spec: str | QuantSpec, kind: str | None = None) -> QuantSpec:
    """A QuantSpec from a preset name (or the spec itself); "default" is the student kind's default."""
    if isinstance(spec, QuantSpec):
        return spec
    if spec == "default":
        spec = default_quant(kind)      # what "default" means for the student's family (families.FAMILIES)
    try:
        return PRESETS[spec]
    except KeyError:
        raise ValueError(f"unknown quantization preset {spec!r}; known: {', '.join(PRESETS)}") from None


def quantize_embedding_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row: (V, E) float -> q int8 (V, E), scale float32 (V, 1); all-zero rows get scale 1."""
    amax = np.abs(table).max(axis=1, keepdims=True).astype(np.float32)      # (V, 1)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(table / scale), -127, 127).astype(np.int8)
    return q, scale


def _quantize_embedding(model: onnx.ModelProto) -> onnx.ModelProto:
    """Replace Gather(embedding) by Gather(embedding_q) * Gather(embedding_scale) (dequantize only gathered rows)."""
    g = model.graph
    init = {t.name: t for t in g.initializer}
    q, scale = quantize_embedding_rows(numpy_helper.to_array(init[INIT_EMBEDDING]))
    g.initializer.remove(init[INIT_EMBEDDING])
    g.initializer.extend([numpy_helper.from_array(q, INIT_EMBEDDING_Q), numpy_helper.from_array(scale, INIT_EMBEDDING_SCALE)])
    idx = next(i for i, nd in enumerate(g.node) if nd.name == EMBED_NODE)
    old = g.node[idx]
    ids, out = old.input[1], old.output[0]
    new = [helper.make_node("Gather", [INIT_EMBEDDING_Q, ids], ["emb_q"], name=EMBED_NODE + "_q"),        # (B, T, E) int8
           helper.make_node("Gather", [INIT_EMBEDDING_SCALE, ids], ["emb_scale"], name=EMBED_NODE + "_scale"),  # (B, T, 1)
           helper.make_node("Cast", ["emb_q"], ["emb_qf"], to=TensorProto.FLOAT),
           helper.make_node("Mul", ["emb_qf", "emb_scale"], [out], name=EMBED_NODE + "_dequant")]          # (B, T, E)
    del g.node[idx]
    for k, nd in enumerate(new):
        g.node.insert(idx + k, nd)
    return model


def quantize(fp32: onnx.ModelProto, spec: str | QuantSpec = "default") -> onnx.ModelProto:
    """The int8 ModelProto of an fp32 student graph from `graph.build_graph`, following `spec`."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    spec = get_preset(spec)
    model = onnx.ModelProto()
    model.CopyFrom(fp32)
    if spec.embedding == "int8_row":
        model = _quantize_embedding(model)
    if spec.op_types:
        with tempfile.TemporaryDirectory(prefix="edgekd_quant_") as tmp:
            src, dst = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
            onnx.save(model, str(src))
            root = logging.getLogger()
            level = root.level
            root.setLevel(logging.ERROR)  # hide ORT's "consider pre-processing" hint (not for us)
            try:
                quantize_dynamic(str(src), str(dst), op_types_to_quantize=spec.op_types,
                                 per_channel=spec.per_channel, reduce_range=spec.reduce_range,
                                 weight_type=QuantType.QInt8)
            finally:
                root.setLevel(level)
            model = onnx.load(str(dst))
    if not any(o.domain == "com.microsoft" for o in model.opset_import) and spec.lstm == "int8":
        model.opset_import.append(helper.make_opsetid("com.microsoft", MS_OPSET))
    model.ir_version = IR_VERSION
    model.producer_name = "edgekd"
    onnx.checker.check_model(model)
    return model


def with_name(spec: QuantSpec, **changes) -> QuantSpec:
    """A modified spec, renamed "custom" unless a name is given (so the manifest never lies about the preset)."""
    return replace(spec, **{"name": "custom", **changes})
