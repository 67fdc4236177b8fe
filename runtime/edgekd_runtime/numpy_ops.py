"""numpy implementations of the ONNX operators an edgekd graph may contain, keyed by (domain, op_type).

Each op is `fn(node, args, opset) -> tuple of outputs`, where args are the input arrays in order (None for
an omitted optional input). Ops follow the ONNX spec for the cases our exporters emit; anything outside
them raises `UnsupportedOpError` naming the node instead of computing something subtly different.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .errors import UnsupportedOpError
from .onnx_proto import DTYPES

OPS: dict[tuple[str, str], Callable] = {}
MS = "com.microsoft"


def op(*names: str, domain: str = ""):
    def deco(fn):
        for n in names:
            OPS[(domain, n)] = fn
        return fn
    return deco


def _axes(node, args, opset: int, since: int, pos: int = 1):
    """Axes from the attribute (old opsets) or the optional input (opset >= since)."""
    if opset >= since:
        a = args[pos] if len(args) > pos else None
        return None if a is None else [int(v) for v in np.asarray(a).reshape(-1)]
    a = node.attrs.get("axes")
    return None if a is None else list(a)


# ------------------------------------------------------------- elementwise
for _name, _fn in {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Less": np.less,
                   "Greater": np.greater, "Equal": np.equal, "LessOrEqual": np.less_equal,
                   "GreaterOrEqual": np.greater_equal, "And": np.logical_and, "Or": np.logical_or,
                   "Pow": np.power}.items():
    OPS[("", _name)] = (lambda f: lambda node, a, o: (f(a[0], a[1]),))(_fn)
for _name, _fn in {"Abs": np.abs, "Neg": np.negative, "Not": np.logical_not, "Exp": np.exp, "Tanh": np.tanh,
                   "Sqrt": np.sqrt, "Identity": lambda x: x}.items():
    OPS[("", _name)] = (lambda f: lambda node, a, o: (f(a[0]),))(_fn)


@op("Div")
def _div(node, a, o):
    x, y = a
    if np.issubdtype(x.dtype, np.integer):
        return (np.trunc(x / y).astype(x.dtype),)
    return (x / y,)


@op("Relu")
def _relu(node, a, o):
    return (np.maximum(a[0], 0).astype(a[0].dtype, copy=False),)


@op("Sigmoid")
def _sigmoid(node, a, o):
    return ((0.5 * (1.0 + np.tanh(0.5 * a[0]))).astype(a[0].dtype, copy=False),)


@op("Max", "Min", "Sum")
def _variadic(node, a, o):
    f = {"Max": np.maximum, "Min": np.minimum, "Sum": np.add}[node.op_type]
    out = a[0]
    for x in a[1:]:
        out = f(out, x)
    return (out,)


@op("Where")
def _where(node, a, o):
    return (np.where(a[0], a[1], a[2]),)


@op("Softmax")
def _softmax(node, a, o):
    axis = int(node.attrs.get("axis", -1 if o >= 13 else 1))
    if o < 13:
        raise UnsupportedOpError(f"Softmax node {node.name!r}: opset < 13 semantics are not supported")
    z = a[0] - a[0].max(axis=axis, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=axis, keepdims=True),)


# ------------------------------------------------------------- linear algebra
@op("MatMul")
def _matmul(node, a, o):
    return (np.matmul(a[0], a[1]),)


@op("Gemm")
def _gemm(node, a, o):
    x = a[0].T if node.attrs.get("transA", 0) else a[0]
    w = a[1].T if node.attrs.get("transB", 0) else a[1]
    y = float(node.attrs.get("alpha", 1.0)) * (x @ w)
    if len(a) > 2 and a[2] is not None:
        y = y + float(node.attrs.get("beta", 1.0)) * a[2]
    return (y.astype(a[0].dtype, copy=False),)


# ------------------------------------------------------------- reductions
@op("ReduceMax", "ReduceMin", "ReduceSum", "ReduceMean")
def _reduce(node, a, o):
    f = {"ReduceMax": np.max, "ReduceMin": np.min, "ReduceSum": np.sum, "ReduceMean": np.mean}[node.op_type]
    since = 13 if node.op_type == "ReduceSum" else 18
    axes = _axes(node, a, o, since)
    keep = bool(node.attrs.get("keepdims", 1))
    if axes is None or axes == []:
        if node.attrs.get("noop_with_empty_axes", 0):
            return (a[0],)
        axes = None
    return (f(a[0], axis=None if axes is None else tuple(axes), keepdims=keep),)


@op("ArgMax")
def _argmax(node, a, o):
    axis, keep = int(node.attrs.get("axis", 0)), bool(node.attrs.get("keepdims", 1))
    if node.attrs.get("select_last_index", 0):
        raise UnsupportedOpError(f"ArgMax node {node.name!r}: select_last_index is not supported")
    r = np.argmax(a[0], axis=axis)
    return ((np.expand_dims(r, axis) if keep else r).astype(np.int64),)


# ------------------------------------------------------------- shapes and indexing
@op("Gather")
def _gather(node, a, o):
    return (np.take(a[0], a[1], axis=int(node.attrs.get("axis", 0))),)


@op("Shape")
def _shape(node, a, o):
    shape = np.array(a[0].shape, dtype=np.int64)
    start, end = node.attrs.get("start", 0), node.attrs.get("end")
    return (shape[start:end],)


@op("Size")
def _size(node, a, o):
    return (np.array(a[0].size, dtype=np.int64),)


@op("Unsqueeze")
def _unsqueeze(node, a, o):
    axes = _axes(node, a, o, 13)
    x = a[0]
    rank = x.ndim + len(axes)
    for ax in sorted(ax % rank for ax in axes):
        x = np.expand_dims(x, ax)
    return (x,)


@op("Squeeze")
def _squeeze(node, a, o):
    axes = _axes(node, a, o, 13)
    return (np.squeeze(a[0], axis=None if axes is None else tuple(axes)),)


@op("Transpose")
def _transpose(node, a, o):
    perm = node.attrs.get("perm")
    return (np.transpose(a[0], perm),)


@op("Reshape")
def _reshape(node, a, o):
    shape = [int(v) for v in a[1].reshape(-1)]
    if not node.attrs.get("allowzero", 0):
        shape = [a[0].shape[i] if v == 0 else v for i, v in enumerate(shape)]
    return (a[0].reshape(shape),)


@op("Flatten")
def _flatten(node, a, o):
    axis = int(node.attrs.get("axis", 1)) % (a[0].ndim or 1)
    return (a[0].reshape(int(np.prod(a[0].shape[:axis])), -1),)


@op("Concat")
def _concat(node, a, o):
    return (np.concatenate([x for x in a if x is not None], axis=int(node.attrs["axis"])),)


@op("Slice")
def _slice(node, a, o):
    if o < 10:
        starts, ends, axes, steps = node.attrs["starts"], node.attrs["ends"], node.attrs.get("axes"), None
    else:
        starts, ends = a[1].tolist(), a[2].tolist()
        axes = a[3].tolist() if len(a) > 3 and a[3] is not None else None
        steps = a[4].tolist() if len(a) > 4 and a[4] is not None else None
    axes = axes if axes is not None else list(range(len(starts)))
    steps = steps if steps is not None else [1] * len(starts)
    idx = [slice(None)] * a[0].ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        idx[ax] = slice(s, e, st)        # Python slicing clamps out-of-range bounds as ONNX does
    return (a[0][tuple(idx)],)


@op("Split")
def _split(node, a, o):
    axis, n_out = int(node.attrs.get("axis", 0)), len(node.outputs)
    sizes = node.attrs.get("split") if o < 13 else (a[1].tolist() if len(a) > 1 and a[1] is not None else None)
    if sizes is None:
        dim = a[0].shape[axis]
        step = -(-dim // n_out)                          # ceil: the last part may be smaller (opset 18 rule)
        sizes = [min(step, dim - i * step) for i in range(n_out)]
    return tuple(np.split(a[0], np.cumsum(sizes)[:-1], axis=axis))


@op("Pad")
def _pad(node, a, o):
    x = a[0]
    if o < 11:
        pads, value = list(node.attrs["pads"]), float(node.attrs.get("value", 0.0))
        axes = list(range(x.ndim))
    else:
        pads = [int(v) for v in a[1].reshape(-1)]
        value = a[2].reshape(-1)[0] if len(a) > 2 and a[2] is not None and a[2].size else 0
        axes = [int(v) % x.ndim for v in a[3].reshape(-1)] if len(a) > 3 and a[3] is not None else list(range(x.ndim))
    mode = node.attrs.get("mode", b"constant").decode()
    k = len(axes)
    width = [(0, 0)] * x.ndim
    crop = [slice(None)] * x.ndim
    for j, ax in enumerate(axes):
        lo, hi = pads[j], pads[j + k]
        width[ax] = (max(lo, 0), max(hi, 0))
        crop[ax] = slice(-lo if lo < 0 else 0, x.shape[ax] + hi if hi < 0 else None)   # negative pads crop
    x = x[tuple(crop)]
    if mode == "constant":
        return (np.pad(x, width, mode="constant", constant_values=value),)
    if mode in ("edge", "reflect", "wrap"):
        return (np.pad(x, width, mode=mode),)
    raise UnsupportedOpError(f"Pad node {node.name!r}: mode {mode!r} is not supported")


@op("Expand")
def _expand(node, a, o):
    shape = np.broadcast_shapes(a[0].shape, tuple(int(v) for v in a[1].reshape(-1)))
    return (np.broadcast_to(a[0], shape),)


@op("Range")
def _range(node, a, o):
    start, limit, delta = (np.asarray(x).reshape(()) for x in a)
    return (np.arange(start, limit, delta, dtype=np.asarray(start).dtype),)


@op("Cast")
def _cast(node, a, o):
    to = int(node.attrs["to"])
    if to not in DTYPES:
        raise UnsupportedOpError(f"Cast node {node.name!r}: target type {to} is not supported")
    return (a[0].astype(DTYPES[to]),)


@op("ConstantOfShape")
def _const_of_shape(node, a, o):
    v = node.attrs.get("value")
    v = np.zeros(1, np.float32) if v is None else v
    return (np.full(tuple(int(x) for x in a[0].reshape(-1)), v.reshape(-1)[0], dtype=v.dtype),)


@op("Constant")
def _constant(node, a, o):
    at = node.attrs
    if "value" in at:
        return (at["value"],)
    for k, dt in (("value_float", np.float32), ("value_floats", np.float32), ("value_int", np.int64),
                  ("value_ints", np.int64)):
        if k in at:
            return (np.array(at[k], dtype=dt),)
    raise UnsupportedOpError(f"Constant node {node.name!r}: unsupported value attribute {sorted(at)}")
