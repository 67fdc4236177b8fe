"""The Ray Data side of `RayEngine`: a datasource with one row per cache chunk, teacher actors, the streamed run.

Dataflow: `TransferChunks` reads the chunks' JSONL bytes on the driver's node (only the driver needs the
transfer file and the cache folder) -> `map_batches(ChunkLabeller, batch_size=1)` over an actor pool, each
actor holding one teacher replica -> the driver streams back `(chunk, row0, logits)` rows and commits each chunk
as it arrives. One row per chunk means a chunk is never split or merged with another, so it is batched exactly
as the local engine batches it. The teacher goes to the actors as a constructor argument, through the object
store (no shared disk; a fresh seeded head is the driver's, bit for bit); each actor checks its weights hash and
its dtype against the cache key.
Ray Data restarts failed actors and retries their calls; a killed driver loses only uncommitted chunks.
"""
from __future__ import annotations

import copy
import logging
import os
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Iterator

import numpy as np
import pyarrow as pa
import ray
from ray.data.block import BlockMetadata
from ray.data.datasource import Datasource, ReadTask

from .chunks import Chunk, EngineUnavailable
from .store import CacheError, log_note, parse_rows

if TYPE_CHECKING:                           # engine.py imports this module lazily when a RayEngine runs
    from .engine import RayEngine


class TransferChunks(Datasource):
    """Rows {chunk, row0, rows, jsonl}: one per chunk, its rows' raw JSONL bytes, read where the driver runs."""

    def __init__(self, path: str, offsets: np.ndarray, chunks: list[Chunk]):
        super().__init__()
        self.path = str(path)
        self.spans = [(c.index, c.start, c.stop, int(offsets[c.start]), int(offsets[c.stop])) for c in chunks]

    @property
    def supports_distributed_reads(self) -> bool:
        return False            # the file is on the driver's node; the bytes travel through the object store

    def estimate_inmemory_data_size(self) -> int:
        return sum(b1 - b0 for *_, b0, b1 in self.spans)

    def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None,
                       data_context=None) -> list[ReadTask]:
        """One read task per chunk, whatever the parallelism asked: a task's output is packed into one block,
        and a block is the actor pool's unit of work (and of retry)."""
        return [ReadTask(_reader(self.path, s), BlockMetadata(num_rows=1, size_bytes=s[4] - s[3], exec_stats=None,
                                                               input_files=(self.path,)))
                for s in self.spans]


def _reader(path: str, span: tuple[int, int, int, int, int]):
    c, a, b, b0, b1 = span

    def read() -> Iterator[pa.Table]:
        with open(path, "rb") as f:
            f.seek(b0)
            data = pa.array([f.read(b1 - b0)], pa.binary())
            yield pa.table({"chunk": [c], "row0": [a], "rows": [b - a], "jsonl": data})
    return read


class ChunkLabeller:
    """A teacher replica: unpickled once per actor, then one chunk's logits per call."""

    def __init__(self, teacher, run_kw: dict, threads: int, device: str, pair: bool, key: dict):
        import torch

        from ..teacher.model import bf16_enabled, weights_hash

        torch.set_num_threads(threads)
        self.teacher = replace(teacher, model=teacher.model.to(device).eval())
        self.run_kw, self.pair = run_kw, pair
        if weights_hash(self.teacher.model) != key["teacher_hash"]:
            raise CacheError("the teacher replica's weights differ from the cache key's teacher_hash")
        dtype = "bf16" if bf16_enabled(run_kw["bf16"], self.teacher.device) else "fp32"
        if dtype != key["dtype"]:
            raise CacheError(f"an actor on {ray.util.get_node_ip_address()} would label in {dtype}, the cache key "
                             f"says {key['dtype']}: give the nodes the same CPU/GPU kind, or drop --bf16")

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from ..teacher.model import teacher_outputs

        out, reps = [], []
        for c, a, n, data in zip(batch["chunk"], batch["row0"], batch["rows"], batch["jsonl"]):
            texts, pairs = parse_rows(bytes(data), int(a), self.pair, where=f"chunk {int(c)}")
            if len(texts) != n:
                raise CacheError(f"chunk {int(c)}: read {len(texts)} rows, expected {int(n)}")
            logits, rep = teacher_outputs(self.teacher, texts, pairs, progress=False, **self.run_kw)
            out.append(logits)
            reps.append(np.zeros((len(texts), 0), np.float16) if rep is None else rep)
        return {"chunk": batch["chunk"], "row0": batch["row0"], "logits": _objects(out), "reps": _objects(reps)}


def _objects(arrays: list[np.ndarray]) -> np.ndarray:
    """A 1-D object column holding one (rows, k) array per chunk."""
    col = np.empty(len(arrays), dtype=object)
    col[:] = arrays
    return col


def connect(engine: RayEngine) -> str | None:
    """Join engine.address (or $RAY_ADDRESS), or start a Ray here (never an older `ray start` cluster that Ray's
    own default would find, unless asked with "auto"). Returns "local" when this call started Ray, "joined" when
    it connected to a cluster, None when Ray was initialised already (by the caller, who keeps it)."""
    if ray.is_initialized():
        return None
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    address = engine.address or os.environ.get("RAY_ADDRESS") or "local"
    kw = {"num_cpus": engine.num_cpus, "include_dashboard": False} if address == "local" else {}
    try:
        ray.init(address=address, logging_level=logging.WARNING, **kw)
    except ConnectionError as e:
        raise EngineUnavailable(f"{e}. A cluster from `ray start --head` checks a token: on this machine "
                                "export RAY_AUTH_MODE=token and give it the head's ~/.ray/auth_token (same path, "
                                "or RAY_AUTH_TOKEN=...)") from None
    return "local" if address == "local" else "joined"


def _check_fits(engine: RayEngine, local: bool, stats: dict) -> None:
    """A Ray started here has no autoscaler: refuse actors it cannot hold, rather than wait for them forever."""
    asks = (("CPUs", engine.cpus_per_actor, stats["cluster_cpus"]),
            ("GPUs", engine.gpus_per_actor, stats["cluster_gpus"]))
    short = [f"{need:g} {what} per actor, the cluster has {have or 0:g}" for what, need, have in asks
             if need > (have or 0)]
    if short and local:
        raise EngineUnavailable("the local Ray cannot start one teacher actor: " + "; ".join(short)
                                + " (lower --cpus-per-actor/--gpus-per-actor, or join a cluster with --ray-address)")
    if short:
        log_note("waiting for the Ray cluster to scale up: " + "; ".join(short))


def label_on_ray(engine: RayEngine, teacher, idx, chunks: list[Chunk], run_kw: dict, key: dict,
                 stats: dict) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:
    """Stream `(chunk index, logits, representations or None)` from the actor pool as chunks finish (in any order)."""
    t0 = time.perf_counter()
    connected = connect(engine)
    stats.update(engine="ray", ray_init_s=round(time.perf_counter() - t0, 3), actors=engine.actors,
                 cpus_per_actor=engine.cpus_per_actor, gpus_per_actor=engine.gpus_per_actor,
                 device=str(engine.device(teacher)), threads=engine.actor_threads,
                 cluster_cpus=ray.cluster_resources().get("CPU"), cluster_gpus=ray.cluster_resources().get("GPU", 0))
    try:
        _check_fits(engine, connected == "local", stats)
        logging.getLogger("ray.data").setLevel(logging.WARNING)     # no per-dataset INFO lines on the terminal
        logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False            # the driver's own bar counts committed rows
        ctx.print_on_execution_start = False
        if teacher.device.type != "cpu":            # ship a CPU copy; each actor moves it to its own device
            teacher = replace(teacher, model=copy.deepcopy(teacher.model).cpu())
        # Reads are light: num_cpus=0 so they never wait for the CPUs the actors hold, and two at a time so they
        # start no more than two extra worker processes.
        ds = ray.data.read_datasource(TransferChunks(idx.path, idx.offsets, chunks), num_cpus=0,
                                      concurrency=min(2, len(chunks)), override_num_blocks=len(chunks))
        lo, hi = engine.actors if isinstance(engine.actors, tuple) else (engine.actors, engine.actors)
        labelled = ds.map_batches(
            ChunkLabeller, batch_size=1, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(min_size=lo, max_size=hi),
            num_cpus=engine.cpus_per_actor, num_gpus=engine.gpus_per_actor or None,
            fn_constructor_kwargs=dict(teacher=teacher, run_kw=run_kw, threads=engine.actor_threads,
                                       device=stats["device"], pair=idx.pair, key=key),
            **engine.remote_args)
        starts = {ch.index: ch.start for ch in chunks}
        for row in labelled.iter_rows():
            c, a = int(row["chunk"]), int(row["row0"])
            if starts.get(c) != a:
                raise CacheError(f"the Ray run returned chunk {c} at row {a}, expected row {starts.get(c)}")
            if "first_chunk_s" not in stats:
                stats["first_chunk_s"] = round(time.perf_counter() - t0, 3)
            reps = np.asarray(row["reps"], dtype=np.float16)
            yield c, np.asarray(row["logits"], dtype=np.float32), reps if reps.shape[1] else None
    finally:
        if connected:                       # stop the Ray started here, or leave the cluster joined
            ray.shutdown()
