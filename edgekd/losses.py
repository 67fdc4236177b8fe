"""Distillation losses as pure functions of (student logits, teacher logits, labels), chosen by name in `LOSSES`.

Shapes: student and teacher logits are float (B, C); labels are int64 (B,) with -1 where the row has no gold
label (augmented transfer rows). Every loss returns a scalar averaged over the batch. A new loss is one
function plus one `LOSSES` entry; the training loop only ever calls `LOSSES[name](...)`.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

Tensor = torch.Tensor


def mse_logits(student: Tensor, teacher: Tensor) -> Tensor:
    """Mean squared error between raw logits, (B, C), (B, C) -> (): mean over B and C (Tang et al.'s best)."""
    return F.mse_loss(student, teacher.to(student.dtype), reduction="mean")


def kl_with_temperature(student: Tensor, teacher: Tensor, temperature: float = 1.0) -> Tensor:
    """T^2 * KL(softmax(teacher/T) || softmax(student/T)), (B, C), (B, C) -> (), mean over B (Hinton et al.).

    The T^2 factor keeps gradient magnitudes comparable across temperatures.
    """
    t = float(temperature)
    log_p_s = F.log_softmax(student / t, dim=-1)
    log_p_t = F.log_softmax(teacher.to(student.dtype) / t, dim=-1)
    return F.kl_div(log_p_s, log_p_t, reduction="batchmean", log_target=True) * (t * t)


def cross_entropy(student: Tensor, labels: Tensor) -> Tensor:
    """Mean cross-entropy over rows with a label >= 0, (B, C), (B,) -> (); 0 when no row has a label."""
    keep = labels >= 0
    if not bool(keep.any()):
        return student.sum() * 0.0
    return F.cross_entropy(student[keep], labels[keep])


def hard_labels(labels: Tensor, teacher: Tensor) -> Tensor:
    """Gold labels where known, else the teacher's argmax: (B,), (B, C) -> (B,) int64."""
    return torch.where(labels >= 0, labels, teacher.argmax(dim=-1))


def mixed(alpha: float, soft: Tensor, student: Tensor, teacher: Tensor, labels: Tensor) -> Tensor:
    """alpha * CE(student, hard labels) + (1 - alpha) * soft. With alpha == 0 the CE term is not computed."""
    if alpha == 0:
        return soft
    hard = cross_entropy(student, hard_labels(labels, teacher))
    return hard if alpha == 1 else alpha * hard + (1.0 - alpha) * soft


def mse_loss(student: Tensor, teacher: Tensor, labels: Tensor, *, alpha: float = 0.0,
             temperature: float = 1.0) -> Tensor:
    """`mixed(alpha, mse_logits)`; temperature is unused (raw logits are compared)."""
    return mixed(alpha, mse_logits(student, teacher), student, teacher, labels)


def kl_loss(student: Tensor, teacher: Tensor, labels: Tensor, *, alpha: float = 0.0,
            temperature: float = 1.0) -> Tensor:
    """`mixed(alpha, kl_with_temperature(T))`."""
    return mixed(alpha, kl_with_temperature(student, teacher, temperature), student, teacher, labels)


def gold_ce_loss(student: Tensor, teacher: Tensor | None, labels: Tensor, *, alpha: float = 1.0,
                 temperature: float = 1.0) -> Tensor:
    """Cross-entropy on gold labels only: the `--no-distill` baseline (teacher, alpha and T unused)."""
    return cross_entropy(student, labels)


def hard_soft_loss(student: Tensor, teacher: Tensor, labels: Tensor, *, alpha: float = 0.5,
                   temperature: float = 1.0) -> Tensor:
    """XtremeDistil's hard + soft distillation, (B, C), (B, C), (B,) -> ():
    alpha * CE(student, argmax(teacher)) + (1 - alpha) * MSE(student, teacher), both means over B.

    Unlike `mixed`, the hard target is always the teacher's argmax (gold labels are ignored), so every transfer
    row, unlabeled text included, gets both terms. labels and temperature are unused.
    """
    soft = mse_logits(student, teacher)
    hard = F.cross_entropy(student, teacher.argmax(dim=-1))
    return alpha * hard + (1.0 - alpha) * soft


def representation_mse(projected: Tensor, teacher: Tensor) -> Tensor:
    """Mean squared error between a projection of the student's pooled state and the teacher's sentence
    representation, (B, D), (B, D) -> (): mean over B and D (Wu et al. 2020; the XtremeDistil representation
    stage). The projection is learned with the student and not exported."""
    return F.mse_loss(projected, teacher.to(projected.dtype), reduction="mean")


def with_representation(logit_loss: Tensor, rep_loss: Tensor, weight: float) -> Tensor:
    """logit_loss + weight * rep_loss: the representation term added to whichever logit loss is chosen."""
    return logit_loss + float(weight) * rep_loss


def no_logit_loss(student: Tensor, teacher: Tensor | None, labels: Tensor, *, alpha: float = 0.0,
                  temperature: float = 1.0) -> Tensor:
    """Zero (with the student's graph): no term on the logits, for training on the representation loss alone
    (`edgekd pretrain-student`)."""
    return student.sum() * 0.0


LossFn = Callable[..., Tensor]   # (student (B, C), teacher (B, C) | None, labels (B,), *, alpha, temperature) -> ()

LOSSES: dict[str, LossFn] = {
    "mse": mse_loss,
    "kl": kl_loss,
    "ce": gold_ce_loss,
    "hard_soft": hard_soft_loss,
    "none": no_logit_loss,
}

NEEDS_TEACHER: frozenset[str] = frozenset({"mse", "kl", "hard_soft"})


def get_loss(name: str) -> LossFn:
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; known: {', '.join(LOSSES)}") from None
