"""Protocol-buffers wire format, decoding side only: varints, tags, length-delimited fields (no schema, no codegen).

`fields(buf)` walks one message and yields (field number, wire type, value); the message readers in
onnx_proto.py give the numbers their ONNX meaning. Groups (wire types 3/4) are not used by ONNX.
"""
from __future__ import annotations

import struct
from typing import Any, Iterator


class ProtoError(ValueError):
    """The bytes are not a well-formed ONNX model (or use a feature this reader does not support)."""


def varint(buf: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ProtoError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift > 70:
            raise ProtoError("varint too long")


def fields(buf: memoryview) -> Iterator[tuple[int, int, Any]]:
    """Yield (field number, wire type, value): int for varint/fixed, memoryview for length-delimited."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = varint(buf, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, pos = varint(buf, pos)
        elif wt == 2:
            n, pos = varint(buf, pos)
            if pos + n > end:
                raise ProtoError(f"field {num}: length {n} runs past the end of its message")
            val, pos = buf[pos:pos + n], pos + n
        elif wt == 5:
            val, pos = int.from_bytes(buf[pos:pos + 4], "little"), pos + 4
        elif wt == 1:
            val, pos = int.from_bytes(buf[pos:pos + 8], "little"), pos + 8
        else:
            raise ProtoError(f"unsupported wire type {wt} (field {num})")
        if pos > end:
            raise ProtoError("message truncated")
        yield num, wt, val


def signed64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def signed32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def varints(wt: int, val: Any, out: list[int]) -> None:
    """Append a repeated varint field given packed (wt 2) or one element (wt 0)."""
    if wt == 0:
        out.append(val)
        return
    pos = 0
    while pos < len(val):
        v, pos = varint(val, pos)
        out.append(v)


def f32(v: int) -> float:
    return struct.unpack("<f", v.to_bytes(4, "little"))[0]


def text(b: memoryview) -> str:
    return bytes(b).decode("utf-8")
