"""Task metrics as pure numpy functions of (y_true, y_pred), chosen by name through one dict."""
from __future__ import annotations

from typing import Callable

import numpy as np


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of exact matches, in [0, 1]."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float((y_true == y_pred).mean()) if len(y_true) else 0.0


def f1(y_true: np.ndarray, y_pred: np.ndarray, positive: int = 1) -> float:
    """F1 of the positive class (MRPC's metric)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    tp = float(((y_pred == positive) & (y_true == positive)).sum())
    fp = float(((y_pred == positive) & (y_true != positive)).sum())
    fn = float(((y_pred != positive) & (y_true == positive)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def mcc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Matthews correlation for binary labels (CoLA's metric), in [-1, 1]."""
    y_true, y_pred = np.asarray(y_true) == 1, np.asarray(y_pred) == 1
    tp = float((y_true & y_pred).sum()); tn = float((~y_true & ~y_pred).sum())
    fp = float((~y_true & y_pred).sum()); fn = float((y_true & ~y_pred).sum())
    den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return float((tp * tn - fp * fn) / den) if den else 0.0


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {"accuracy": accuracy, "f1": f1, "mcc": mcc}


def score(metric: str, y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """The task metric plus accuracy (always reported), only over rows with a known label (>= 0)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    keep = y_true >= 0
    out = {"accuracy": accuracy(y_true[keep], y_pred[keep])}
    out[metric] = METRICS[metric](y_true[keep], y_pred[keep])
    return out


def paired_comparison(y_true: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray) -> dict[str, float]:
    """Exact McNemar test of two classifiers on the same rows (labels >= 0 only).

    `a_only`: rows A gets right and B wrong; `b_only`: the reverse. `p_value` is the two-sided exact binomial
    probability of a split at least this uneven if A and B were equally accurate. A paired test is far more
    sensitive than comparing two accuracies (each with ~1 point of standard error on SST-2 dev), because
    the rows both models get right or wrong carry no information about which is better.
    """
    y_true, pred_a, pred_b = (np.asarray(x) for x in (y_true, pred_a, pred_b))
    if not (y_true.shape == pred_a.shape == pred_b.shape):
        raise ValueError(f"shape mismatch: labels {y_true.shape}, a {pred_a.shape}, b {pred_b.shape}")
    keep = y_true >= 0
    ok_a, ok_b = pred_a[keep] == y_true[keep], pred_b[keep] == y_true[keep]
    a_only, b_only = int((ok_a & ~ok_b).sum()), int((~ok_a & ok_b).sum())
    return {"a_only": a_only, "b_only": b_only, "p_value": _binom_two_sided(min(a_only, b_only), a_only + b_only)}


def _binom_two_sided(k: int, n: int) -> float:
    """P(X <= k or X >= n - k) for X ~ Binomial(n, 1/2), with k <= n/2; computed in log space (any n)."""
    if n == 0:
        return 1.0
    from math import lgamma, log

    logs = [lgamma(n + 1) - lgamma(i + 1) - lgamma(n - i + 1) - n * log(2) for i in range(k + 1)]
    top = max(logs)
    tail = float(np.exp(top) * np.exp(np.array(logs) - top).sum())
    return min(1.0, 2 * tail)
