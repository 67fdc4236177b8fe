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


def test_paired_comparison_counts_and_exact_p():
    from edgekd.metrics import paired_comparison

    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, -1])
    a = np.array([1, 1, 1, 1, 0, 0, 0, 1, 0])   # wrong on row 7
    b = np.array([0, 0, 0, 1, 0, 0, 0, 0, 1])   # wrong on rows 0-2; the unlabelled last row is ignored
    r = paired_comparison(y, a, b)
    assert (r["a_only"], r["b_only"]) == (3, 1)
    assert r["p_value"] == pytest.approx(2 * (1 + 4) / 16)           # 2 * P(X <= 1), X ~ Bin(4, 1/2)
    assert paired_comparison(y, a, a)["p_value"] == 1.0
    # large n stays finite and tiny: 200 vs 100 disagreements is overwhelming evidence
    big_y = np.ones(300, dtype=int)
    r = paired_comparison(big_y, np.r_[np.ones(200), np.zeros(100)], np.r_[np.zeros(200), np.ones(100)])
    assert 0 < r["p_value"] < 1e-7
    with pytest.raises(ValueError, match="shape"):
        paired_comparison(y, a[:3], b)
