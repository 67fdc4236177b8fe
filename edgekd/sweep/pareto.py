"""The Pareto front: the points no other point beats on every objective at once. Pure functions, no I/O."""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

Objective = tuple[Callable[[Mapping[str, Any]], float], str]   # (value of a row, "max" | "min")


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """a dominates b: at least as good everywhere and strictly better somewhere (values already 'larger is better')."""
    return all(x >= y for x, y in zip(a, b)) and any(x > y for x, y in zip(a, b))


def pareto_front(rows: Sequence[Mapping[str, Any]], objectives: Sequence[Objective]) -> list[int]:
    """Indices (in input order) of the rows no other row dominates. Ties on every objective are all kept."""
    for _, sense in objectives:
        if sense not in ("max", "min"):
            raise ValueError(f"objective sense must be 'max' or 'min', got {sense!r}")
    vals = [tuple(f(r) if s == "max" else -f(r) for f, s in objectives) for r in rows]
    return [i for i, v in enumerate(vals) if not any(dominates(w, v) for j, w in enumerate(vals) if j != i)]


def key(name: str) -> Callable[[Mapping[str, Any]], float]:
    """row -> float(row[name])."""
    return lambda row: float(row[name])
