"""Each distillation loss against a value computed by hand, plus the hard-label fallback and the registry."""
from __future__ import annotations

import math

import pytest
import torch

from edgekd.losses import (LOSSES, NEEDS_TEACHER, cross_entropy, get_loss, hard_labels, hard_soft_loss,
                           representation_mse, with_representation,
                           kl_with_temperature, mixed, mse_logits)

S = torch.tensor([[1.0, 2.0], [0.0, 0.0]])     # student logits (B=2, C=2)
T = torch.tensor([[3.0, 0.0], [1.0, -1.0]])    # teacher logits


def test_mse_logits_by_hand():
    # squared errors: (1-3)^2=4, (2-0)^2=4, (0-1)^2=1, (0+1)^2=1 -> mean over 4 elements = 2.5
    assert mse_logits(S, T).item() == pytest.approx(2.5)


def _logsoftmax(row):
    z = math.log(sum(math.exp(v) for v in row))
    return [v - z for v in row]


@pytest.mark.parametrize("temp", [1.0, 2.0])
def test_kl_with_temperature_by_hand(temp):
    total = 0.0
    for s, t in zip(S.tolist(), T.tolist()):
        ls, lt = _logsoftmax([v / temp for v in s]), _logsoftmax([v / temp for v in t])
        total += sum(math.exp(b) * (b - a) for a, b in zip(ls, lt))
    expected = temp * temp * total / 2
    assert kl_with_temperature(S, T, temp).item() == pytest.approx(expected, rel=1e-6)
    assert kl_with_temperature(T, T, temp).item() == pytest.approx(0.0, abs=1e-7)


def test_cross_entropy_ignores_unlabelled_rows_by_hand():
    labels = torch.tensor([1, -1])
    expected = -_logsoftmax([1.0, 2.0])[1]       # only row 0 counts
    assert cross_entropy(S, labels).item() == pytest.approx(expected, rel=1e-6)
    assert cross_entropy(S, torch.tensor([-1, -1])).item() == 0.0


def test_hard_labels_fall_back_to_teacher_argmax():
    assert hard_labels(torch.tensor([1, -1]), T).tolist() == [1, 0]


def test_mixed_by_hand():
    labels = torch.tensor([1, -1])               # row 1 takes the teacher's argmax, class 0
    ce = (-_logsoftmax([1.0, 2.0])[1] - _logsoftmax([0.0, 0.0])[0]) / 2
    soft = mse_logits(S, T)
    got = mixed(0.25, soft, S, T, labels).item()
    assert got == pytest.approx(0.25 * ce + 0.75 * 2.5, rel=1e-6)
    assert mixed(0.0, soft, S, T, labels).item() == pytest.approx(2.5)
    assert mixed(1.0, soft, S, T, labels).item() == pytest.approx(ce, rel=1e-6)


def test_hard_soft_by_hand():
    # teacher argmax: row 0 -> class 0 (3 > 0), row 1 -> class 0 (1 > -1); gold labels are ignored
    ce = (-_logsoftmax([1.0, 2.0])[0] - _logsoftmax([0.0, 0.0])[0]) / 2   # -log softmax(1,2)[0] = log(1+e)
    assert ce == pytest.approx((math.log(1 + math.e) + math.log(2)) / 2)
    for labels in (torch.tensor([1, -1]), torch.tensor([-1, -1])):
        got = hard_soft_loss(S, T, labels, alpha=0.25).item()
        assert got == pytest.approx(0.25 * ce + 0.75 * 2.5, rel=1e-6)
    assert hard_soft_loss(S, T, torch.tensor([1, 1]), alpha=0.0).item() == pytest.approx(2.5)
    assert hard_soft_loss(S, T, torch.tensor([1, 1]), alpha=1.0).item() == pytest.approx(ce, rel=1e-6)
    assert LOSSES["hard_soft"] is hard_soft_loss and "hard_soft" in NEEDS_TEACHER


def test_registry_by_name():
    labels = torch.tensor([1, 0])
    assert LOSSES["mse"](S, T, labels).item() == pytest.approx(2.5)
    assert LOSSES["kl"](S, T, labels, temperature=2.0).item() == pytest.approx(kl_with_temperature(S, T, 2.0).item())
    assert LOSSES["ce"](S, None, labels).item() == pytest.approx(cross_entropy(S, labels).item())
    with pytest.raises(ValueError, match="unknown loss"):
        get_loss("nope")


def test_losses_have_gradients():
    s = S.clone().requires_grad_(True)
    for name in LOSSES:
        s.grad = None
        LOSSES[name](s, T, torch.tensor([1, -1]), alpha=0.5, temperature=2.0).backward()
        assert s.grad is not None and torch.isfinite(s.grad).all()
        assert (s.grad.abs().sum() > 0) == (name != "none")      # "none": no term on the logits at all


def test_representation_mse_by_hand():
    projected = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    teacher = torch.tensor([[0.0, 2.0], [1.0, 1.0]], dtype=torch.float16)
    # differences [1, 0], [2, 3] -> squares 1, 0, 4, 9 -> mean 3.5
    assert representation_mse(projected, teacher).item() == pytest.approx(3.5)
    assert with_representation(torch.tensor(2.0), torch.tensor(3.5), 0.5).item() == pytest.approx(3.75)
