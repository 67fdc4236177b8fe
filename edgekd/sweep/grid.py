"""The sweep grid: which students to train (shape x pruning x seed) and how to export each (quantization presets).

A training point is one student checkpoint; an export point is one bundle of it. Quantization presets only
re-export, so they multiply export points, never trainings. "fp32" stands for the unquantized bundle.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

FP32 = "fp32"   # pseudo-preset: the fp32 bundle (precision fp32), next to the int8 quantization presets


@dataclass(frozen=True)
class TrainPoint:
    """One student to train: its shape, its vocabulary pruning threshold and its seed."""

    hidden: int
    embed: int
    min_count: int = 1
    seed: int = 0

    @property
    def id(self) -> str:
        return f"h{self.hidden}-e{self.embed}-m{self.min_count}-s{self.seed}"


@dataclass(frozen=True)
class ExportPoint:
    """One bundle: a trained point exported with one quantization preset (or "fp32")."""

    train: TrainPoint
    quant: str

    @property
    def id(self) -> str:
        return f"{self.train.id}-{self.quant}"


@dataclass(frozen=True)
class GridSpec:
    """The axes of the sweep; every combination of the first four is trained, then exported with each quant."""

    hidden: tuple[int, ...] = (64, 100, 150, 300)
    embed: tuple[int, ...] = (64, 128)
    min_count: tuple[int, ...] = (1,)
    seeds: tuple[int, ...] = (0,)
    quant: tuple[str, ...] = ("default",)

    def __post_init__(self) -> None:
        for name in ("hidden", "embed", "min_count", "seeds", "quant"):
            values = getattr(self, name)
            if not values:
                raise ValueError(f"the sweep grid needs at least one {name} value")
            if len(set(values)) != len(values):
                raise ValueError(f"repeated {name} value in {list(values)}")
        for name, low in (("hidden", 1), ("embed", 1), ("min_count", 1), ("seeds", 0)):
            bad = [v for v in getattr(self, name) if v < low]
            if bad:
                raise ValueError(f"{name} values must be >= {low}, got {bad}")

    def train_points(self) -> list[TrainPoint]:
        """Smallest first, so a time-limited sweep finishes its cheap points."""
        pts = [TrainPoint(h, e, m, s) for h, e, m, s in itertools.product(self.hidden, self.embed, self.min_count,
                                                                          self.seeds)]
        return sorted(pts, key=lambda p: (p.hidden, p.embed, p.min_count, p.seed))

    def export_points(self) -> list[ExportPoint]:
        return [ExportPoint(t, q) for t in self.train_points() for q in self.quant]


def parse_ints(text: str, option: str) -> tuple[int, ...]:
    """"64,100,150" -> (64, 100, 150); a clear error naming `option` otherwise."""
    parts = [p.strip() for p in text.split(",")]
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"{option}: expected comma-separated integers, got {text!r}") from None
    return values


def parse_quants(text: str, known: tuple[str, ...]) -> tuple[str, ...]:
    """"default,all-int8,fp32" -> a tuple of preset names, each a known preset or "fp32"."""
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    bad = [n for n in names if n not in known and n != FP32]
    if bad or not names:
        raise ValueError(f"--quant: unknown preset(s) {bad or [text]}; known: {', '.join(known)}, {FP32}")
    return names
