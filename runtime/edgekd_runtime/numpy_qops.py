"""numpy implementations of the ONNX quantization operators (standard and com.microsoft) an int8 graph may hold.

Integer matmuls are computed exactly (float64 accumulation of int8/uint8 products); dynamic quantization
follows the ONNX rule (per-tensor uint8, range widened to include 0, round half to even).
Registered into `numpy_ops.OPS` on import.
"""
from __future__ import annotations

import numpy as np

from .numpy_ops import MS, op


def _per_axis(v: np.ndarray, x: np.ndarray, axis: int) -> np.ndarray:
    if v.ndim == 0 or v.size == 1:
        return v.reshape(())
    shape = [1] * x.ndim
    shape[axis % x.ndim] = v.size
    return v.reshape(shape)


@op("DequantizeLinear")
def _dequantize(node, a, o):
    x, scale = a[0], a[1]
    zp = a[2] if len(a) > 2 and a[2] is not None else np.zeros((), x.dtype)
    axis = int(node.attrs.get("axis", 1))
    return (((x.astype(np.float32) - _per_axis(zp, x, axis).astype(np.float32))
             * _per_axis(scale, x, axis)).astype(scale.dtype),)


def _saturate(v: np.ndarray, dtype) -> np.ndarray:
    info = np.iinfo(dtype)
    return np.clip(np.rint(v), info.min, info.max).astype(dtype)   # rint: round half to even, as ONNX


@op("QuantizeLinear")
def _quantize(node, a, o):
    x, scale = a[0], a[1]
    zp = a[2] if len(a) > 2 and a[2] is not None else np.zeros((), np.uint8)
    axis = int(node.attrs.get("axis", 1))
    return (_saturate(x / _per_axis(scale, x, axis) + _per_axis(zp, x, axis).astype(np.float32), zp.dtype),)


def dynamic_quantize_uint8(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ONNX DynamicQuantizeLinear: per-tensor uint8 with the range widened to include 0."""
    lo, hi = min(float(x.min(initial=0.0)), 0.0), max(float(x.max(initial=0.0)), 0.0)
    scale = np.float32((hi - lo) / 255.0)
    if scale == 0:
        return np.zeros(x.shape, np.uint8), scale, np.uint8(0)
    zp = np.uint8(np.clip(np.rint(-lo / scale), 0, 255))
    return _saturate(x / scale + float(zp), np.uint8), scale, zp


@op("DynamicQuantizeLinear")
def _dyn_quantize(node, a, o):
    q, s, z = dynamic_quantize_uint8(a[0])
    return (q, np.array(s, np.float32), np.array(z, np.uint8))


def _int_matmul(a: np.ndarray, b: np.ndarray, az, bz) -> np.ndarray:
    # Exact: |products| < 2^16 and sums stay far below 2^53 in float64.
    av = a.astype(np.float64) - (0.0 if az is None else np.asarray(az, np.float64))
    bv = b.astype(np.float64) - (0.0 if bz is None else np.asarray(bz, np.float64))
    return np.matmul(av, bv)


@op("MatMulInteger")
def _matmul_integer(node, a, o):
    az = a[2] if len(a) > 2 else None
    bz = a[3] if len(a) > 3 else None
    return (_int_matmul(a[0], a[1], az, bz).astype(np.int32),)


@op("DynamicQuantizeMatMul", domain=MS)
def _dq_matmul(node, a, o):
    # A float; B int8/uint8 with scale/zero point per tensor or per column; optional bias.
    q, s, z = dynamic_quantize_uint8(a[0])
    bz = a[3] if len(a) > 3 else None
    y = _int_matmul(q, a[1], z, bz).astype(np.float32) * (s * a[2].astype(np.float32))
    if len(a) > 4 and a[4] is not None:
        y = y + a[4]
    return (y.astype(np.float32),)


@op("MatMulIntegerToFloat", domain=MS)
def _mm_int_to_float(node, a, o):
    a_, b, sa, sb = a[:4]
    za = a[4] if len(a) > 4 else None
    zb = a[5] if len(a) > 5 else None
    y = _int_matmul(a_, b, za, zb).astype(np.float32) * (sa.astype(np.float32) * sb.astype(np.float32))
    if len(a) > 6 and a[6] is not None:
        y = y + a[6]
    return (y.astype(np.float32),)
