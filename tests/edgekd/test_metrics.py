"""Metrics against hand-computed values."""
import numpy as np
import pytest

from edgekd.metrics import accuracy, f1, mcc, score


def test_hand_computed():
    y = np.array([1, 1, 0, 0, 1]); p = np.array([1, 0, 0, 1, 1])
    assert accuracy(y, p) == pytest.approx(0.6)
    assert f1(y, p) == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))  # tp=2, fp=1, fn=1
    assert mcc(y, p) == pytest.approx((2 * 1 - 1 * 1) / np.sqrt(3 * 3 * 2 * 2))
    assert score("f1", np.array([1, -1, 0]), np.array([1, 1, 1]))["accuracy"] == pytest.approx(0.5)
