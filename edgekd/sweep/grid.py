"""The sweep grid: which students to train (family x shape x pruning x seed) and how to export each (quantization
presets). A family's shape axes are the StudentShape fields its `shape_key` keeps: a static student has no
hidden size of its own (it pools its embeddings), so it gets one point per embedding width, not per hidden size.

A training point is one student checkpoint; an export point is one bundle of it. Quantization presets only
re-export, so they multiply export points, never trainings. "fp32" stands for the unquantized bundle.
"""
from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass

from edgekd_contract.kinds import DEFAULT_FAMILY

FP32 = "fp32"   # pseudo-preset: the fp32 bundle (precision fp32), next to the int8 quantization presets


@dataclass(frozen=True)
class TrainPoint:
    """One student to train: its shape, its vocabulary pruning threshold and its seed."""

    hidden: int
    embed: int
    min_count: int = 1
    seed: int = 0
    family: str = DEFAULT_FAMILY    # the student family (edgekd.student.registry.NAMES)

    @property
    def id(self) -> str:
        """h150-e128-m1-s0 for the default family (as before families); static-e384-m1-s0 for a family without a
        hidden size of its own (hidden 0)."""
        shape = (f"h{self.hidden}-" if self.hidden else "") + f"e{self.embed}-m{self.min_count}-s{self.seed}"
        return shape if self.family == DEFAULT_FAMILY else f"{self.family}-{shape}"


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
    families: tuple[str, ...] = (DEFAULT_FAMILY,)

    def __post_init__(self) -> None:
        for name in ("hidden", "embed", "min_count", "seeds", "quant", "families"):
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
        """Smallest first, so a time-limited sweep finishes its cheap points (default family first)."""
        pts = {}
        for f in self.families:
            uses_hidden = _uses_hidden(f)
            for h, e, m, s in itertools.product(self.hidden, self.embed, self.min_count, self.seeds):
                p = TrainPoint(h if uses_hidden else 0, e, m, s, f)
                pts[p.id] = p
        order = {f: i for i, f in enumerate(self.families)}
        return sorted(pts.values(), key=lambda p: (order[p.family], p.hidden, p.embed, p.min_count, p.seed))

    def export_points(self) -> list[ExportPoint]:
        return [ExportPoint(t, q) for t in self.train_points() for q in self.quant]


def _uses_hidden(family: str) -> bool:
    """Whether the family's students are shaped by StudentShape.hidden_size (its `shape_key` keeps the field)."""
    if family == DEFAULT_FAMILY:
        return True
    from ..student.registry import hook
    from ..student_stage import StudentShape

    return "hidden_size" in hook(family, "shape_key")(asdict(StudentShape(family=family)))


def parse_families(text: str) -> tuple[str, ...]:
    """"bilstm,static" -> the registered student families named (a clear error for an unknown one)."""
    from ..student.registry import NAMES

    names = tuple(p.strip() for p in text.split(",") if p.strip())
    bad = [n for n in names if n not in NAMES]
    if bad or not names:
        raise ValueError(f"--students: unknown student family {bad or [text]}; known: {', '.join(NAMES)}")
    return names


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
