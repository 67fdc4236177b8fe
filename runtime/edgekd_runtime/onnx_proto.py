"""A minimal reader of the ONNX protobuf wire format (ModelProto -> GraphProto), so the runtime needs no `onnx`.

Only what an inference host needs is decoded: opset imports, nodes with their attributes, initializers
(raw_data and the typed *_data fields), graph inputs and outputs with their static shapes. Unknown fields
are skipped as the protobuf wire format allows, so newer writers stay readable. Field numbers follow
onnx/onnx.proto3 (IR version 3 and later). Nothing here executes code from the file.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .protowire import ProtoError, f32 as _f32, fields as _fields, signed32 as _signed32, signed64 as _signed64
from .protowire import text as _str, varints as _varints

__all__ = ["ProtoError", "parse_model", "Model", "Graph", "Node", "TensorInfo", "ValueInfo", "DTYPES"]


# TensorProto.DataType -> numpy dtype (string, complex and 4/8-bit float types are not supported here).
DTYPES: dict[int, np.dtype] = {
    1: np.dtype(np.float32), 2: np.dtype(np.uint8), 3: np.dtype(np.int8), 4: np.dtype(np.uint16),
    5: np.dtype(np.int16), 6: np.dtype(np.int32), 7: np.dtype(np.int64), 9: np.dtype(np.bool_),
    10: np.dtype(np.float16), 11: np.dtype(np.float64), 12: np.dtype(np.uint32), 13: np.dtype(np.uint64),
}
DTYPE_NAMES = {1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 8: "string",
               9: "bool", 10: "float16", 11: "double", 12: "uint32", 13: "uint64", 16: "bfloat16"}


@dataclass(frozen=True)
class TensorInfo:
    """An initializer's name, element type and shape; `array` is None when data was not decoded."""

    name: str
    data_type: int
    dims: tuple[int, ...]
    array: np.ndarray | None = None


@dataclass(frozen=True)
class ValueInfo:
    """A graph input/output: name, element type, shape (int for a fixed dim, str for a symbolic one, None)."""

    name: str
    elem_type: int
    shape: tuple[int | str | None, ...] | None


@dataclass(frozen=True)
class Node:
    op_type: str
    domain: str
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Graph:
    name: str
    nodes: tuple[Node, ...]
    initializers: dict[str, TensorInfo]
    inputs: tuple[ValueInfo, ...]
    outputs: tuple[ValueInfo, ...]


@dataclass(frozen=True)
class Model:
    ir_version: int
    opsets: dict[str, int]          # domain ("" = ai.onnx) -> version
    producer: str
    graph: Graph


# ---------------------------------------------------------------- messages

def _tensor(buf: memoryview, decode: bool) -> TensorInfo:
    dims: list[int] = []
    name, dtype, raw, location = "", 0, None, 0
    typed: dict[int, list] = {}
    for num, wt, val in _fields(buf):
        if num == 1:
            _varints(wt, val, dims)
        elif num == 2:
            dtype = val
        elif num == 8:
            name = _str(val)
        elif num == 9:
            raw = val
        elif num == 14:
            location = val
        elif num in (5, 7, 11):                       # int32_data, int64_data, uint64_data (varints)
            _varints(wt, val, typed.setdefault(num, []))
        elif num in (4, 10):                          # float_data (fixed32), double_data (fixed64)
            if wt == 2:
                typed.setdefault(num, []).append(bytes(val))
            else:
                size = 4 if num == 4 else 8
                typed.setdefault(num, []).append(val.to_bytes(size, "little"))
        elif num == 6:
            raise ProtoError(f"initializer {name or '?'}: string tensors are not supported")
    dims_t = tuple(_signed64(d) for d in dims)
    if location == 1:
        raise ProtoError(f"initializer {name!r} keeps its data in an external file; re-export with embedded weights")
    if not decode:
        return TensorInfo(name, dtype, dims_t)
    return TensorInfo(name, dtype, dims_t, _tensor_array(name, dtype, dims_t, raw, typed))


def _tensor_array(name: str, dtype: int, dims: tuple[int, ...], raw, typed: dict[int, list]) -> np.ndarray:
    if dtype not in DTYPES:
        raise ProtoError(f"initializer {name!r}: element type {DTYPE_NAMES.get(dtype, dtype)} is not supported")
    dt = DTYPES[dtype]
    count = int(np.prod(dims, dtype=np.int64)) if dims else 1
    if raw is not None:
        arr = np.frombuffer(raw, dtype=dt.newbyteorder("<")).astype(dt, copy=True)  # own, aligned copy
    elif 4 in typed:
        arr = np.frombuffer(b"".join(typed[4]), dtype="<f4").astype(dt)
    elif 10 in typed:
        arr = np.frombuffer(b"".join(typed[10]), dtype="<f8").astype(dt)
    elif 7 in typed:
        arr = np.array([_signed64(v) for v in typed[7]], dtype=np.int64).astype(dt)
    elif 11 in typed:
        arr = np.array(typed[11], dtype=np.uint64).astype(dt)
    elif 5 in typed:
        vals = typed[5]
        if dtype == 10:                               # float16 stored as its bit pattern
            arr = np.array(vals, dtype=np.uint16).view(np.float16)
        else:
            arr = np.array([_signed32(v) for v in vals], dtype=np.int64).astype(dt)
    else:
        arr = np.zeros(0, dtype=dt)
    if arr.size != count:
        raise ProtoError(f"initializer {name!r}: {arr.size} values for shape {list(dims)}")
    return arr.reshape(dims)


def _value_info(buf: memoryview) -> ValueInfo:
    name, elem, shape = "", 0, None
    for num, _, val in _fields(buf):
        if num == 1:
            name = _str(val)
        elif num == 2:                                 # TypeProto
            for tnum, _, tval in _fields(val):
                if tnum != 1:                          # only tensor_type
                    continue
                for snum, _, sval in _fields(tval):
                    if snum == 1:
                        elem = sval
                    elif snum == 2:                    # TensorShapeProto
                        dims: list[int | str | None] = []
                        for dnum, _, dval in _fields(sval):
                            if dnum != 1:
                                continue
                            d: int | str | None = None
                            for xnum, _, xval in _fields(dval):
                                if xnum == 1:
                                    d = _signed64(xval)
                                elif xnum == 2:
                                    d = _str(xval)
                            dims.append(d)
                        shape = tuple(dims)
    return ValueInfo(name, elem, shape)


def _attribute(buf: memoryview, decode: bool) -> tuple[str, Any]:
    name, atype = "", 0
    vals: dict[int, Any] = {}
    ints: list[int] = []
    floats: list[float] = []
    strings: list[bytes] = []
    for num, wt, val in _fields(buf):
        if num == 1:
            name = _str(val)
        elif num == 20:
            atype = val
        elif num == 2:
            vals[2] = _f32(val)
        elif num == 3:
            vals[3] = _signed64(val)
        elif num == 4:
            vals[4] = bytes(val)
        elif num == 5:
            vals[5] = _tensor(val, decode)
        elif num == 6:
            vals[6] = _graph(val, decode)
        elif num == 7:
            if wt == 2:
                floats.extend(struct.unpack(f"<{len(val) // 4}f", val))
            else:
                floats.append(_f32(val))
        elif num == 8:
            _varints(wt, val, ints)
        elif num == 9:
            strings.append(bytes(val))
    by_type = {1: vals.get(2), 2: vals.get(3), 3: vals.get(4), 4: vals.get(5), 5: vals.get(6),
               6: floats, 7: [_signed64(i) for i in ints], 8: strings}
    if atype not in by_type:
        raise ProtoError(f"attribute {name!r}: attribute type {atype} is not supported")
    value = by_type[atype]
    if atype == 4 and value is not None:
        value = value.array if decode else value
    return name, value


def _node(buf: memoryview, decode: bool) -> Node:
    ins: list[str] = []
    outs: list[str] = []
    name = op = domain = ""
    attrs: dict[str, Any] = {}
    for num, _, val in _fields(buf):
        if num == 1:
            ins.append(_str(val))
        elif num == 2:
            outs.append(_str(val))
        elif num == 3:
            name = _str(val)
        elif num == 4:
            op = _str(val)
        elif num == 7:
            domain = _str(val)
        elif num == 5:
            k, v = _attribute(val, decode)
            attrs[k] = v
    return Node(op, domain, name, tuple(ins), tuple(outs), attrs)


def _graph(buf: memoryview, decode: bool) -> Graph:
    nodes: list[Node] = []
    inits: dict[str, TensorInfo] = {}
    ins: list[ValueInfo] = []
    outs: list[ValueInfo] = []
    name = ""
    for num, _, val in _fields(buf):
        if num == 1:
            nodes.append(_node(val, decode))
        elif num == 2:
            name = _str(val)
        elif num == 5:
            t = _tensor(val, decode)
            inits[t.name] = t
        elif num == 15:
            raise ProtoError("sparse initializers are not supported")
        elif num == 11:
            ins.append(_value_info(val))
        elif num == 12:
            outs.append(_value_info(val))
    # Inputs that are also initializers (IR < 4 style) are not real inputs.
    real_ins = tuple(v for v in ins if v.name not in inits)
    return Graph(name, tuple(nodes), inits, real_ins, tuple(outs))


def parse_model(data: bytes, decode: bool = True) -> Model:
    """Parse a serialized ModelProto. With decode=False the initializers keep only name, type and dims."""
    buf = memoryview(data)
    ir, producer, graph = 0, "", None
    opsets: dict[str, int] = {}
    try:
        for num, _, val in _fields(buf):
            if num == 1:
                ir = val
            elif num == 2:
                producer = _str(val)
            elif num == 7:
                graph = _graph(val, decode)
            elif num == 8:
                dom, ver = "", 0
                for onum, _, oval in _fields(val):
                    if onum == 1:
                        dom = _str(oval)
                    elif onum == 2:
                        ver = _signed64(oval)
                opsets["ai.onnx" if dom == "" else dom] = ver
    except (UnicodeDecodeError, struct.error, IndexError) as e:
        raise ProtoError(f"malformed protobuf ({e})") from None
    if graph is None:
        raise ProtoError("no graph in the model (is this an ONNX file?)")
    opsets.setdefault("ai.onnx", 0)
    opsets[""] = opsets["ai.onnx"]
    return Model(ir, opsets, producer, graph)
