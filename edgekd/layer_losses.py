"""TinyBERT's layer-wise distillation losses (Jiao et al. 2020) as pure functions, plus the layer mapping.

Shapes: hidden states (B, T, D), attention scores (B, h, T, T) (pre-softmax, QK^T / sqrt(d_head)), mask (B, T)
with 1 on real positions ([CLS], word pieces, [SEP]) and 0 on padding. Padding never enters a loss: every
mean is over real positions (and, for attention, over real query/key pairs). Where the student is narrower than
the teacher, the caller applies its learned projection to the student's states first (`project`).
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import torch

Tensor = torch.Tensor


def uniform_layer_map(n_student: int, n_teacher: int) -> tuple[int, ...]:
    """TinyBERT's g(m) = m * N / M (rounded down): student layer m (1-based) learns teacher layer g(m) (1-based).
    E.g. 3 of 6 -> (2, 4, 6); 4 of 6 -> (1, 3, 4, 6)."""
    if not 1 <= n_student <= n_teacher:
        raise ValueError(f"a student of {n_student} layers cannot map onto a teacher of {n_teacher}")
    return tuple(m * n_teacher // n_student for m in range(1, n_student + 1))


def attention_scores(q: Tensor, k: Tensor, heads: int) -> Tensor:
    """Pre-softmax attention scores of one layer: q, k (B, T, D) projections -> (B, h, T, T) = q_h k_h^T / sqrt(D/h)."""
    B, T, D = q.shape
    dh = D // heads
    qh = q.view(B, T, heads, dh).transpose(1, 2)                 # (B, h, T, dh)
    kh = k.view(B, T, heads, dh).transpose(1, 2)
    return qh @ kh.transpose(-1, -2) / math.sqrt(dh)             # (B, h, T, T)


def hidden_mse(student: Tensor, teacher: Tensor, mask: Tensor) -> Tensor:
    """Mean squared error over real positions: (B, T, D), (B, T, D), (B, T) -> (), mean over positions and D."""
    m = mask.to(student.dtype).unsqueeze(-1)                     # (B, T, 1)
    sq = (student - teacher.to(student.dtype)).pow(2) * m
    return sq.sum() / (m.sum() * student.shape[-1]).clamp_min(1.0)


def attention_mse(student: Tensor, teacher: Tensor, mask: Tensor) -> Tensor:
    """MSE of attention scores over real (query, key) pairs: (B, h, T, T), (B, h, T, T), (B, T) -> (), mean over
    heads and pairs. The student needs as many heads as the teacher (TinyBERT's rule)."""
    if student.shape != teacher.shape:
        raise ValueError(f"attention shapes differ: student {tuple(student.shape)}, teacher {tuple(teacher.shape)}")
    m = mask.to(student.dtype)
    pairs = (m.unsqueeze(2) * m.unsqueeze(1)).unsqueeze(1)      # (B, 1, T, T)
    sq = (student - teacher.to(student.dtype)).pow(2) * pairs
    return sq.sum() / (pairs.sum() * student.shape[1]).clamp_min(1.0)


def tinybert_layer_losses(s_hidden: Sequence[Tensor], t_hidden: Sequence[Tensor], s_scores: Sequence[Tensor],
                          t_scores: Sequence[Tensor], mask: Tensor, layer_map: Sequence[int],
                          project: Callable[[Tensor], Tensor] = lambda x: x) -> dict[str, Tensor]:
    """{"embedding", "attention", "hidden"} for one batch.

    s_hidden: the student's M + 1 hidden states (embedding output first), t_hidden: the teacher's N + 1;
    s_scores: M score tensors, t_scores: N; layer_map[m - 1] = the teacher layer (1-based) student layer m learns.
    attention and hidden are sums over the M mapped layers (as TinyBERT); embedding compares states 0.
    """
    if len(layer_map) != len(s_scores) or len(s_hidden) != len(s_scores) + 1:
        raise ValueError(f"layer_map has {len(layer_map)} entries for a student of {len(s_scores)} layers")
    emb = hidden_mse(project(s_hidden[0]), t_hidden[0], mask)
    att = sum(attention_mse(s_scores[m], t_scores[g - 1], mask) for m, g in enumerate(layer_map))
    hid = sum(hidden_mse(project(s_hidden[m + 1]), t_hidden[g], mask) for m, g in enumerate(layer_map))
    return {"embedding": emb, "attention": att, "hidden": hid}
