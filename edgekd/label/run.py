"""Teacher-logits cache for a transfer set: chunked, resumable after SIGKILL, shardable, keyed against staleness.

Layout of a cache folder: `logits.npy` (float32, N x C; row i = JSONL row i) and `cache.json` (the header).
The header's `key` holds everything that shapes the numbers: sha256 of the teacher weights and of the
transfer file, the row count, max_length, dtype (bf16/fp32), label count, chunk size and token budget. Any
difference makes the cache stale: it is refused, or relabelled from scratch with `rebuild=True`.

Rows are labelled in fixed chunks (`chunk_rows`; chunk c = rows [c*R, (c+1)*R)), each length-sorted and
token-budget batched inside `teacher_logits`. After each chunk the memmap is flushed and `progress.json` is
atomically replaced (tmp + fsync + rename), so a killed run resumes at the first chunk not recorded. A chunk's
rows, hence its batches, never depend on where a run started, so resumed logits equal an uninterrupted run's.

Shards (`shard=(i, n)`) label a contiguous range of chunks into `shards/iii-of-nnn/`; `merge_shards` checks
that every chunk is covered exactly once with equal keys and writes the final `logits.npy`. On GPUs launch
one process per device with torchrun (`torchrun --nproc-per-node 8 -m edgekd.cli label ...`): each rank
takes shard RANK/WORLD_SIZE from the environment.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from edgekd_contract.fsutil import write_json_atomic as _write_json_atomic  # a module name the kill tests can wrap

from .. import __version__
from ..teacher.config import TEACHER
from .store import (FORMAT, HEADER, LOGITS, PROGRESS, SHARDS, CacheError, LogitsCache, StaleCache, clear_unit,
                    header_differences, index_transfer, key_diff, log_note, read_cache_json, torch_threads)


def chunk_range(n_chunks: int, shard: tuple[int, int] | None) -> tuple[int, int]:
    """Chunks [c0, c1) of shard i of n: contiguous, balanced, deterministic."""
    if shard is None:
        return 0, n_chunks
    i, n = shard
    if not (n >= 1 and 0 <= i < n):
        raise CacheError(f"bad shard {i}/{n}: need 0 <= i < n")
    return i * n_chunks // n, (i + 1) * n_chunks // n


def shard_dir(out_dir: str | Path, shard: tuple[int, int]) -> Path:
    return Path(out_dir) / SHARDS / f"{shard[0]:03d}-of-{shard[1]:03d}"


def label_transfer_set(transfer_path: str | Path, teacher, out_dir: str | Path, *,
                       max_length: int = TEACHER.max_length, bf16: bool = False, chunk_rows: int = 4096,
                       rebuild: bool = False, shard: tuple[int, int] | None = None, progress: bool = True,
                       max_tokens: int = TEACHER.max_tokens, limit: int | None = None) -> LogitsCache:
    """Label the first `limit` (default all) rows of a transfer set with `teacher` (an edgekd Teacher)."""
    from ..teacher.model import bf16_enabled, weights_hash

    if chunk_rows < 1:
        raise CacheError(f"chunk_rows={chunk_rows} must be >= 1")
    idx = index_transfer(transfer_path)
    rows = len(idx) if limit is None else max(0, min(limit, len(idx)))
    if rows == 0:
        raise CacheError(f"{transfer_path}: nothing to label (limit={limit})")
    device = teacher.device
    dtype = "bf16" if bf16_enabled(bf16, device) else "fp32"
    key = {"teacher_hash": weights_hash(teacher.model), "transfer_sha256": idx.sha256, "rows": rows,
           "max_length": int(max_length), "dtype": dtype, "num_labels": int(teacher.model.config.num_labels),
           "chunk_rows": int(chunk_rows), "max_tokens": int(max_tokens)}
    n_chunks = -(-rows // chunk_rows)
    c0, c1 = chunk_range(n_chunks, shard)
    r0, r1 = c0 * chunk_rows, min(rows, c1 * chunk_rows)
    unit = Path(out_dir) if shard is None else shard_dir(out_dir, shard)
    header = {"format": FORMAT, "edgekd_version": __version__, "key": key, "complete": False,
              "teacher_source": teacher.source, "transfer_path": str(Path(transfer_path).resolve()),
              "n_chunks": n_chunks, "chunks": [c0, c1], "row_range": [r0, r1],
              "shard": list(shard) if shard is not None else None}

    reused = _reuse_or_clear(unit, header, rebuild)
    if reused is not None:
        return reused
    unit.mkdir(parents=True, exist_ok=True)
    if not (unit / HEADER).exists():
        _write_json_atomic(unit / HEADER, header)
    mm, done = _open_logits(unit, key, (r1 - r0, key["num_labels"]), c1 - c0)
    todo = [c for c in range(c0, c1) if c not in done]
    t0 = time.perf_counter()
    labelled = _label_chunks(teacher, idx, mm, unit, key, todo, done, r0,
                             dict(max_length=max_length, max_tokens=max_tokens, bf16=bf16), progress)
    wall = time.perf_counter() - t0
    del mm
    header.update(complete=True, stats={"rows_labelled_this_run": labelled, "label_s": round(wall, 3),
                                        "sentences_per_s": round(labelled / wall, 1) if wall > 0 else None,
                                        "device": str(device), "threads": torch_threads()})
    _write_json_atomic(unit / HEADER, header)
    (unit / PROGRESS).unlink(missing_ok=True)
    return LogitsCache(unit, header, labelled)


def _reuse_or_clear(unit: Path, header: dict, rebuild: bool) -> LogitsCache | None:
    """The finished cache in `unit` when it is up to date; else clear it (rebuild, or a complete header without
    logits), refuse it (stale), or leave a partial run to resume; None means: label."""
    old = read_cache_json(unit / HEADER)
    if old is None:
        return None
    why = header_differences(old, header)
    if rebuild:
        log_note(f"rebuilding {unit}: " + ("; ".join(why) if why else "--rebuild asked for a fresh cache"))
        clear_unit(unit)
    elif why:
        raise StaleCache(f"{unit / HEADER}: stale cache, " + "; ".join(why) + ". It was made for another "
                         "teacher, transfer set or setting: pass --rebuild (rebuild=True) to relabel from "
                         "scratch, or choose another --out")
    elif old.get("complete") and (unit / LOGITS).is_file():
        r0, r1 = header["row_range"]
        log_note(f"{unit}: cache is up to date ({r1 - r0} rows), nothing to do")
        return LogitsCache(unit, old)
    elif old.get("complete"):
        log_note(f"{unit}: header says complete but {LOGITS} is missing; relabelling")
        clear_unit(unit)
    return None


def _open_logits(unit: Path, key: dict, shape: tuple[int, int], n_chunks: int) -> tuple[np.ndarray, set[int]]:
    """(the logits memmap, the chunks already done): a fresh zeroed file, or the one a killed run left."""
    from numpy.lib.format import open_memmap

    prog = read_cache_json(unit / PROGRESS)
    if prog is None or prog.get("key") != key or not (unit / LOGITS).exists():
        mm = open_memmap(unit / LOGITS, mode="w+", dtype=np.float32, shape=shape)
        mm.flush()
        del mm
        done: set[int] = set()
        _write_json_atomic(unit / PROGRESS, {"key": key, "done": []})
    else:
        done = {int(c) for c in prog["done"]}
        log_note(f"resuming {unit}: {len(done)} of {n_chunks} chunks already done")
    mm = open_memmap(unit / LOGITS, mode="r+")
    if mm.shape != shape or mm.dtype != np.float32:
        raise CacheError(f"{unit / LOGITS}: shape {mm.shape} {mm.dtype}, expected {shape} float32; pass --rebuild")
    return mm, done


def _label_chunks(teacher, idx, mm: np.ndarray, unit: Path, key: dict, todo: list[int], done: set[int], r0: int,
                  run_kw: dict, progress: bool) -> int:
    """Label chunks `todo` into the memmap, flushing it and recording progress after each; the rows labelled."""
    from tqdm.auto import tqdm

    from ..teacher.model import teacher_logits

    rows, chunk_rows = key["rows"], key["chunk_rows"]
    bar = tqdm(total=sum(min(rows, (c + 1) * chunk_rows) - c * chunk_rows for c in todo), disable=not progress,
               desc="teacher logits", unit="row", dynamic_ncols=True, mininterval=1.0)
    labelled = 0
    for c in todo:
        a, b = c * chunk_rows, min(rows, (c + 1) * chunk_rows)
        texts, pairs = idx.rows(a, b)
        mm[a - r0:b - r0] = teacher_logits(teacher, texts, pairs, progress=False, **run_kw)
        mm.flush()
        done.add(c)
        _write_json_atomic(unit / PROGRESS, {"key": key, "done": sorted(done)})
        labelled += b - a
        bar.update(b - a)
    bar.close()
    return labelled


def merge_shards(out_dir: str | Path, transfer_path: str | Path | None = None, *, rebuild: bool = False) -> LogitsCache:
    """Check that the shards under OUT/shards cover every chunk exactly once with one key; write OUT/logits.npy."""
    out = Path(out_dir)
    found = sorted((out / SHARDS).glob("*/" + HEADER))
    if not found:
        raise CacheError(f"{out / SHARDS}: no shard caches to merge (label with --shard i/n first)")
    heads = [(p.parent, read_cache_json(p)) for p in found]
    ref = heads[0][1]
    _check_coverage(heads)
    if transfer_path is not None:
        sha = index_transfer(transfer_path).sha256
        if sha != ref["key"]["transfer_sha256"]:
            raise StaleCache(f"{transfer_path}: sha256 {sha[:12]}… is not the file the shards labelled "
                             f"({ref['key']['transfer_sha256'][:12]}…)")
    old = read_cache_json(out / HEADER)
    if old is not None and key_diff(old["key"], ref["key"]) and not rebuild:
        raise StaleCache(f"{out / HEADER}: an older cache with another key is there; pass --rebuild to replace it")
    (out / HEADER).unlink(missing_ok=True)       # never a complete header over half-written logits
    from numpy.lib.format import open_memmap

    key = ref["key"]
    mm = open_memmap(out / LOGITS, mode="w+", dtype=np.float32, shape=(key["rows"], key["num_labels"]))
    for d, h in heads:
        r0, r1 = h["row_range"]
        mm[r0:r1] = np.load(d / LOGITS, mmap_mode="r", allow_pickle=False)
    mm.flush()
    del mm
    header = {**{k: ref[k] for k in ("format", "edgekd_version", "key", "teacher_source", "transfer_path",
                                     "n_chunks")},
              "complete": True, "chunks": [0, ref["n_chunks"]], "row_range": [0, key["rows"]], "shard": None,
              "merged_from": [d.name for d, _ in heads], "stats": {d.name: h.get("stats") for d, h in heads}}
    _write_json_atomic(out / HEADER, header)
    return LogitsCache(out, header)


def _check_coverage(heads: list[tuple[Path, dict]]) -> None:
    """CacheError unless the shard headers share one key, are complete, and cover every chunk exactly once."""
    ref_dir, ref = heads[0]
    owner: dict[int, Path] = {}
    for d, h in heads:
        if h.get("format") != FORMAT:
            raise CacheError(f"{d / HEADER}: not an edgekd logits cache")
        diff = key_diff(ref["key"], h["key"])
        if diff:
            raise CacheError(f"shards disagree: {d.name} vs {ref_dir.name}: " + "; ".join(diff))
        if not h.get("complete"):
            p = read_cache_json(d / PROGRESS) or {"done": []}
            c0, c1 = h["chunks"]
            raise CacheError(f"shard {d.name} is incomplete ({len(p['done'])} of {c1 - c0} chunks): rerun its "
                             f"`edgekd label ... --shard {h['shard'][0]}/{h['shard'][1]}`")
        for c in range(*h["chunks"]):
            if c in owner:
                raise CacheError(f"chunk {c} is covered twice, by shards {owner[c].name} and {d.name}; "
                                 "remove the shards of the other split")
            owner[c] = d
    missing = [c for c in range(ref["n_chunks"]) if c not in owner]
    if missing:
        raise CacheError(f"{len(missing)} of {ref['n_chunks']} chunks have no shard (first: {missing[0]}); "
                         "label the missing shards")
