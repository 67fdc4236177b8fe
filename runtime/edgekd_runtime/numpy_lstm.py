"""ONNX `LSTM` and com.microsoft `DynamicQuantizeLSTM` in numpy, with per-row `sequence_lens`.

Weights are prepared once at load (`prepare_*`): transposed to (D, I, 4H) / (D, H, 4H) float32, int8 ones
dequantized with their per-channel scales and zero points, biases summed. `run_lstm` feeds the reverse
direction each row's tokens back to front, so both directions walk time forward together: input
projections are one matmul per chunk of time steps (bounded memory), then one batched
(D, B, H) x (D, H, 4H) matmul per step. Semantics follow the ONNX spec: gate order i, o, f, c; outputs
past a row's length are zero; the reverse direction starts at each row's last real token; Y_h/Y_c hold
each row's final state.
(ORT's DynamicQuantizeLSTM also quantizes activations per step; we compute in fp32, hence a looser parity.)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ModelFormatError, UnsupportedOpError

_DEFAULT_ACTS = [b"Sigmoid", b"Tanh", b"Tanh"]


@dataclass(frozen=True)
class LSTMWeights:
    wt: np.ndarray            # (D, I, 4H) float32, gates i, o, f, c along the last axis
    rt: np.ndarray            # (D, H, 4H) float32
    bias: np.ndarray          # (D, 4H) float32: Wb + Rb
    peep: np.ndarray | None   # (D, 3H) float32 (i, o, f) or None
    hidden: int
    directions: int
    layout: int
    clip: float | None


def _check_attrs(node) -> tuple[int, int, int, float | None]:
    a = node.attrs
    hidden = int(a.get("hidden_size", 0))
    if hidden < 1:
        raise ModelFormatError(f"{node.op_type} node {node.name!r} lacks hidden_size")
    direction = a.get("direction", b"forward")
    dirs = {b"forward": 1, b"reverse": 1, b"bidirectional": 2}.get(direction)
    if dirs is None:
        raise ModelFormatError(f"{node.op_type} node {node.name!r}: bad direction {direction!r}")
    if direction == b"reverse":
        raise UnsupportedOpError(f"{node.op_type} node {node.name!r}: direction=reverse alone is not supported")
    acts = a.get("activations")
    if acts is not None and [x.capitalize() for x in acts] != _DEFAULT_ACTS * dirs:
        raise UnsupportedOpError(f"{node.op_type} node {node.name!r}: only the default activations are supported")
    if int(a.get("input_forget", 0)):
        raise UnsupportedOpError(f"{node.op_type} node {node.name!r}: input_forget=1 is not supported")
    clip = a.get("clip")
    return hidden, dirs, int(a.get("layout", 0)), (float(clip) if clip is not None else None)


def _bias_peep(node, consts: dict, dirs: int, hidden: int) -> tuple[np.ndarray, np.ndarray | None]:
    names = list(node.inputs) + [""] * 8
    b = consts.get(names[3]) if names[3] else None
    bias = (np.zeros((dirs, 4 * hidden), np.float32) if b is None
            else (b[:, :4 * hidden] + b[:, 4 * hidden:]).astype(np.float32))
    p = consts.get(names[7]) if names[7] else None
    for i in (5, 6):
        if names[i] and names[i] not in consts:
            raise UnsupportedOpError(f"{node.op_type} node {node.name!r}: non-constant initial state")
    if (names[3] and b is None) or (names[7] and p is None):
        raise UnsupportedOpError(f"{node.op_type} node {node.name!r}: bias/peepholes must be initializers")
    if names[5] and np.any(consts[names[5]]) or names[6] and np.any(consts[names[6]]):
        raise UnsupportedOpError(f"{node.op_type} node {node.name!r}: non-zero initial state is not supported")
    return bias, (None if p is None else p.astype(np.float32))


def prepare_lstm(node, consts: dict) -> LSTMWeights:
    """Float LSTM: W (D, 4H, I), R (D, 4H, H) initializers -> transposed float32 weights."""
    hidden, dirs, layout, clip = _check_attrs(node)
    w, r = consts.get(node.inputs[1]), consts.get(node.inputs[2])
    if w is None or r is None:
        raise UnsupportedOpError(f"LSTM node {node.name!r}: W and R must be initializers")
    bias, peep = _bias_peep(node, consts, dirs, hidden)
    return LSTMWeights(np.ascontiguousarray(w.transpose(0, 2, 1), np.float32),
                       np.ascontiguousarray(r.transpose(0, 2, 1), np.float32), bias, peep, hidden, dirs, layout, clip)


def _dequant(q: np.ndarray, scale: np.ndarray, zp: np.ndarray, dirs: int) -> np.ndarray:
    # q: (D, K, 4H) int8/uint8; scale, zp: (D,) per direction or (D, 4H) per output channel.
    scale = np.asarray(scale, np.float32).reshape(dirs, 1, -1)
    zp = np.asarray(zp).astype(np.float32).reshape(dirs, 1, -1)
    return np.ascontiguousarray((q.astype(np.float32) - zp) * scale, np.float32)


def prepare_dq_lstm(node, consts: dict) -> LSTMWeights:
    """DynamicQuantizeLSTM: W (D, I, 4H) and R (D, H, 4H) int8 plus W/R scales and zero points (inputs 8-11)."""
    hidden, dirs, _, clip = _check_attrs(node)   # the quantizer drops `layout`; it is always 0
    names = list(node.inputs) + [""] * 12
    need = [names[i] for i in (1, 2, 8, 9, 10, 11)]
    if not all(n and n in consts for n in need):
        raise UnsupportedOpError(f"DynamicQuantizeLSTM node {node.name!r}: weights, scales and zero points "
                                 "must be initializers")
    w, r, ws, wz, rs, rz = (consts[n] for n in need)
    bias, peep = _bias_peep(node, consts, dirs, hidden)
    return LSTMWeights(_dequant(w, ws, wz, dirs), _dequant(r, rs, rz, dirs), bias, peep, hidden, dirs, 0, clip)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))       # no overflow for large |x|, unlike 1 / (1 + exp(-x))


_CHUNK_BYTES = 1 << 20   # input projections computed this many bytes at a time (bounds memory on big batches)


def run_lstm(wts: LSTMWeights, x: np.ndarray, seq_lens: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x: (T, B, I) (layout 0) or (B, T, I) (layout 1) -> Y, Y_h, Y_c in the same layout convention."""
    if wts.layout == 1:
        x = x.transpose(1, 0, 2)
    T, B, I = x.shape
    D, H = wts.directions, wts.hidden
    lens = np.full(B, T, np.int64) if seq_lens is None else np.asarray(seq_lens, np.int64).reshape(B)
    steps = int(min(T, lens.max(initial=0)))
    rows = np.arange(B)
    t_idx = np.arange(steps)[:, None]
    # The reverse direction reads each row back to front from its own last token: x_rev[t, b] = x[len_b-1-t, b].
    # Past a row's end it points at the padding position t itself, whose output stays zero.
    rev_pos = np.where(t_idx < lens[None, :], lens[None, :] - 1 - t_idx, t_idx)        # (steps, B)
    xs = [x[:steps]] + ([x[rev_pos, rows[None, :]]] if D == 2 else [])                  # D x (steps, B, I)
    h = np.zeros((D, B, H), np.float32)
    c = np.zeros((D, B, H), np.float32)
    y = np.zeros((T, D, B, H), np.float32)
    chunk = max(1, _CHUNK_BYTES // (D * B * 4 * H * 4))
    for t0 in range(0, steps, chunk):
        t1 = min(steps, t0 + chunk)
        xc = np.stack([xd[t0:t1] for xd in xs]).reshape(D, (t1 - t0) * B, I).astype(np.float32, copy=False)
        xw = np.matmul(xc, wts.wt)                                                       # (D, k*B, 4H)
        xw += wts.bias[:, None, :]
        xw = xw.reshape(D, t1 - t0, B, 4 * H)
        for t in range(t0, t1):
            g = xw[:, t - t0] + np.matmul(h, wts.rt)                                      # (D, B, 4H)
            if wts.peep is not None:
                g[..., :H] += wts.peep[:, None, :H] * c
                g[..., 2 * H:3 * H] += wts.peep[:, None, 2 * H:] * c
            if wts.clip is not None:
                np.clip(g, -wts.clip, wts.clip, out=g)
            i = _sigmoid(g[..., :H])
            f = _sigmoid(g[..., 2 * H:3 * H])
            c_new = f * c + i * np.tanh(g[..., 3 * H:])
            if wts.peep is not None:
                g[..., H:2 * H] += wts.peep[:, None, H:2 * H] * c_new
            h_new = _sigmoid(g[..., H:2 * H]) * np.tanh(c_new)
            active = t < lens                                                             # (B,)
            if active.all():
                h, c, out = h_new, c_new, h_new
            else:
                keep = active[None, :, None]
                h = np.where(keep, h_new, h)
                c = np.where(keep, c_new, c)
                out = np.where(keep, h_new, np.float32(0.0))
            y[t, 0] = out[0]
            if D == 2:
                y[rev_pos[t], 1, rows] = out[1]
    if wts.layout == 1:
        return y.transpose(2, 0, 1, 3), h.transpose(1, 0, 2), c.transpose(1, 0, 2)
    return y, h, c
