"""The pieces both labelling engines share (`engine.py` dispatches to `ray_engine.py`, which needs them too)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chunk:
    """Chunk `index` of a cache: transfer-set rows [start, stop)."""

    index: int
    start: int
    stop: int


class EngineUnavailable(ValueError):
    """The engine asked for cannot run here (e.g. Ray is not installed)."""
