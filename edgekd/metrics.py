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
