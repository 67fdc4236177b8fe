"""Where the teacher runs over a cache's chunks: in this process (`LocalEngine`) or on Ray Data (`RayEngine`).

An engine gets the chunks still to label and yields `(chunk index, float32 logits, float16 representations or
None)` as each one finishes, in any order; `run.label_transfer_set` commits them. `run_kw` holds the
`teacher_outputs` keywords (with `representation=True` when the cache keeps the teacher's sentence
representation). Every engine labels one chunk with one `teacher_outputs` call
over exactly that chunk's rows, so its length-sorted batches, hence its bits, are the same on every engine
(at the same torch thread count and hardware).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from .chunks import Chunk, EngineUnavailable

__all__ = ["Chunk", "EngineUnavailable", "LocalEngine", "RayEngine", "require_ray"]


class LocalEngine:
    """Label the chunks one after the other with the teacher loaded in this process."""

    name = "local"

    def device(self, teacher):
        return teacher.device

    def run(self, teacher, idx, chunks: list[Chunk], run_kw: dict, key: dict,
            stats: dict) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:
        from ..teacher.model import teacher_outputs
        from .store import torch_threads

        stats.update(engine=self.name, device=str(teacher.device), threads=torch_threads())
        for ch in chunks:
            texts, pairs = idx.rows(ch.start, ch.stop)
            yield (ch.index, *teacher_outputs(teacher, texts, pairs, progress=False, **run_kw))


@dataclass(frozen=True)
class RayEngine:
    """Label on Ray Data: `map_batches` over a pool of teacher actors, one chunk per call.

    address: a running cluster (`ray start --head` prints it; "auto" finds one on this machine); None joins
    $RAY_ADDRESS when set, else starts a Ray here and stops it after the run. actors: the pool size, or
    (min, max) to let it autoscale. Each actor reserves cpus_per_actor CPUs and gpus_per_actor GPUs (cuda when
    > 0) and runs torch on `threads` threads (default: its CPUs, at least 1). num_cpus caps the CPUs of a Ray
    started here; remote_args go to `map_batches` as Ray remote arguments (memory=, accelerator_type=, ...)."""

    address: str | None = None
    actors: int | tuple[int, int] = 1
    cpus_per_actor: float = 1.0
    gpus_per_actor: float = 0.0
    threads: int | None = None
    num_cpus: int | None = None
    remote_args: dict = field(default_factory=dict)

    name = "ray"

    def __post_init__(self):
        require_ray()                                   # fail before the teacher is loaded, not after
        lo, hi = self.actors if isinstance(self.actors, tuple) else (self.actors, self.actors)
        if not 1 <= lo <= hi:
            raise ValueError(f"actors={self.actors!r}: need 1 <= min <= max")
        if self.cpus_per_actor < 0 or self.gpus_per_actor < 0 or (self.threads is not None and self.threads < 1):
            raise ValueError("cpus_per_actor and gpus_per_actor must be >= 0, threads >= 1")

    @property
    def actor_threads(self) -> int:
        return self.threads or max(1, int(self.cpus_per_actor))

    def device(self, teacher):
        import torch

        return torch.device("cuda" if self.gpus_per_actor > 0 else "cpu")

    def run(self, teacher, idx, chunks: list[Chunk], run_kw: dict, key: dict,
            stats: dict) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:
        require_ray()
        from .ray_engine import label_on_ray

        yield from label_on_ray(self, teacher, idx, chunks, run_kw, key, stats)


def require_ray() -> None:
    """Import Ray Data, or say how to install it."""
    try:
        import ray  # noqa: F401
        import ray.data  # noqa: F401
    except ImportError as e:
        raise EngineUnavailable(f"the Ray engine needs Ray Data ({e.name or e} is missing): "
                                "pip install 'edgekd[scale]'") from None
