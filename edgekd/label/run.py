"""Teacher-logits cache for a transfer set: chunked, resumable after SIGKILL, keyed against staleness.

Layout of a cache folder: `logits.npy` (float32, N x C; row i = JSONL row i), `cache.json` (the header) and,
with `representation=True`, `representations.npy` (float16, N x D: the teacher's last-layer [CLS] state; 768 bytes
a row for a 384-wide teacher, so 1M rows are 0.77 GB, memory-mapped when training reads them).
The header's `key` holds everything that shapes the numbers: sha256 of the teacher weights and of the
transfer file, the row count, max_length, dtype (bf16/fp32), label count, chunk size, token budget and whether
representations are kept (a cache that keeps them also serves a logits-only request). Any
difference makes the cache stale: it is refused, or relabelled from scratch with `rebuild=True`.

Rows are labelled in fixed chunks (`chunk_rows`; chunk c = rows [c*R, (c+1)*R)), each length-sorted and
token-budget batched inside one `teacher_logits` call. An engine (engine.py: this process, or a Ray Data actor
pool) yields finished chunks in any order; after each one the memmap is flushed and `progress.json` is
atomically replaced (tmp + fsync + rename), so a killed run resumes with the chunks not recorded. A chunk's
rows, hence its batches, never depend on the engine or on where a run started, so a resumed or Ray-labelled
cache equals an uninterrupted local run's (at the same torch thread count).
"""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path

import numpy as np

from edgekd_contract.fsutil import write_json_atomic as _write_json_atomic  # a module name the kill tests can wrap

from .. import __version__
from ..teacher.config import TEACHER
from .engine import Chunk, LocalEngine
from .store import (FORMAT, HEADER, LOGITS, PROGRESS, REPS, CacheError, LogitsCache, StaleCache, clear_unit,
                    labelled_rows,
                    header_differences, index_transfer, log_note, read_cache_json)


def label_transfer_set(transfer_path: str | Path, teacher, out_dir: str | Path, *,
                       max_length: int = TEACHER.max_length, bf16: bool = False, chunk_rows: int = 4096,
                       rebuild: bool = False, progress: bool = True, max_tokens: int = TEACHER.max_tokens,
                       limit: int | None = None, engine=None, representation: bool = False,
                       time_budget_s: float | None = None) -> LogitsCache:
    """Label the first `limit` (default all) rows of a transfer set with `teacher` (an edgekd Teacher) on
    `engine` (default: `LocalEngine()`, this process; `RayEngine(...)` for an actor pool).

    With `time_budget_s`, chunks are labelled in a seeded random order and labelling stops after the first chunk
    that ends past the budget: the cache is then complete with the chunks it got (`header["chunks_done"]`; the
    others stay zero), `labelled_rows` gives their rows, and a later call with a larger or no budget resumes it."""
    from ..teacher.model import REPRESENTATION, bf16_enabled, weights_hash

    engine = engine or LocalEngine()
    if chunk_rows < 1:
        raise CacheError(f"chunk_rows={chunk_rows} must be >= 1")
    idx = index_transfer(transfer_path)
    rows = len(idx) if limit is None else max(0, min(limit, len(idx)))
    if rows == 0:
        raise CacheError(f"{transfer_path}: nothing to label (limit={limit})")
    dtype = "bf16" if bf16_enabled(bf16, engine.device(teacher)) else "fp32"
    key = {"teacher_hash": weights_hash(teacher.model), "transfer_sha256": idx.sha256, "rows": rows,
           "max_length": int(max_length), "dtype": dtype, "num_labels": int(teacher.model.config.num_labels),
           "chunk_rows": int(chunk_rows), "max_tokens": int(max_tokens)}
    if representation:
        key.update(representation=REPRESENTATION, hidden_size=int(teacher.model.config.hidden_size))
    n_chunks = -(-rows // chunk_rows)
    unit = Path(out_dir)
    header = {"format": FORMAT, "edgekd_version": __version__, "key": key, "complete": False,
              "teacher_source": teacher.source, "transfer_path": str(Path(transfer_path).resolve()),
              "n_chunks": n_chunks, "chunks": [0, n_chunks], "row_range": [0, rows], "time_budget_s": time_budget_s}

    reused = _reuse_or_clear(unit, header, rebuild)
    if reused is not None:
        return reused
    unit.mkdir(parents=True, exist_ok=True)
    if not (unit / HEADER).exists():
        _write_json_atomic(unit / HEADER, header)
    mms, done = _open_arrays(unit, key, rows, n_chunks)
    todo = [Chunk(c, c * chunk_rows, min(rows, (c + 1) * chunk_rows)) for c in chunk_order(n_chunks, time_budget_s)
            if c not in done]
    t0 = time.perf_counter()
    stats: dict = {}
    labelled = _label_chunks(engine, teacher, idx, mms, unit, key, todo, done,
                             dict(max_length=max_length, max_tokens=max_tokens, bf16=bf16,
                                  representation=representation), progress, stats,
                             deadline=None if time_budget_s is None else t0 + time_budget_s)
    wall = time.perf_counter() - t0
    del mms
    header.update(complete=True, stats={"rows_labelled_this_run": labelled, "label_s": round(wall, 3),
                                        "sentences_per_s": round(labelled / wall, 1) if wall > 0 else None,
                                        **stats})
    if len(done) < n_chunks:          # stopped by the time budget: progress.json stays, for a later resume
        header["chunks_done"] = sorted(done)
        header["rows_labelled"] = int(labelled_rows(header).size)
    else:
        (unit / PROGRESS).unlink(missing_ok=True)
    _write_json_atomic(unit / HEADER, header)
    return LogitsCache(unit, header, labelled)


def chunk_order(n_chunks: int, time_budget_s: float | None) -> list[int]:
    """Chunk indices in labelling order: in file order, or (with a time budget, which may stop early) in a fixed
    random order, so a budget-cut cache samples the whole transfer set and not only the originals written first."""
    if time_budget_s is None:
        return list(range(n_chunks))
    return [int(c) for c in np.random.default_rng(0).permutation(n_chunks)]


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
    elif old.get("chunks_done") is not None and _wants_more(old, header) and (unit / PROGRESS).is_file():
        log_note(f"resuming {unit}: {len(old['chunks_done'])} of {old['n_chunks']} chunks were labelled within "
                 f"a {old.get('time_budget_s')} s budget")
        return None
    elif old.get("complete") and (unit / LOGITS).is_file() and (not old["key"].get("representation")
                                                                 or (unit / REPS).is_file()):
        r0, r1 = header["row_range"]
        log_note(f"{unit}: cache is up to date ({r1 - r0} rows), nothing to do")
        return LogitsCache(unit, old)
    elif old.get("complete"):
        log_note(f"{unit}: header says complete but an array file is missing; relabelling")
        clear_unit(unit)
    return None


def _wants_more(old: dict, new: dict) -> bool:
    """Whether a budget-cut cache should be continued: the new call has no budget or a larger one."""
    return new.get("time_budget_s") is None or new["time_budget_s"] > (old.get("time_budget_s") or 0)


def _open_arrays(unit: Path, key: dict, rows: int, n_chunks: int) -> tuple[dict[str, np.ndarray], set[int]]:
    """({file name: memmap} for the logits and, when kept, the representations; the chunks already done): fresh
    zeroed files, or the ones a killed run left."""
    from numpy.lib.format import open_memmap

    specs = {LOGITS: ((rows, key["num_labels"]), np.float32)}
    if key.get("representation"):
        specs[REPS] = ((rows, key["hidden_size"]), np.float16)
    prog = read_cache_json(unit / PROGRESS)
    if prog is None or prog.get("key") != key or not all((unit / name).exists() for name in specs):
        for name, (shape, dtype) in specs.items():
            open_memmap(unit / name, mode="w+", dtype=dtype, shape=shape).flush()
        done: set[int] = set()
        _write_json_atomic(unit / PROGRESS, {"key": key, "done": []})
    else:
        done = {int(c) for c in prog["done"]}
        log_note(f"resuming {unit}: {len(done)} of {n_chunks} chunks already done")
    mms = {}
    for name, (shape, dtype) in specs.items():
        mms[name] = open_memmap(unit / name, mode="r+")
        if mms[name].shape != shape or mms[name].dtype != dtype:
            raise CacheError(f"{unit / name}: shape {mms[name].shape} {mms[name].dtype}, expected {shape} "
                             f"{np.dtype(dtype).name}; pass --rebuild")
    return mms, done


def _label_chunks(engine, teacher, idx, mms: dict[str, np.ndarray], unit: Path, key: dict, todo: list[Chunk],
                  done: set[int], run_kw: dict, progress: bool, stats: dict, deadline: float | None = None) -> int:
    """Commit each chunk the engine finishes into the memmaps, flushing them and recording progress after each
    one; the rows labelled. Past `deadline` (perf_counter time) it stops after the chunk in hand."""
    from tqdm.auto import tqdm

    size = {ch.index: ch.stop - ch.start for ch in todo}
    bar = tqdm(total=sum(size.values()), disable=not progress, desc="teacher logits", unit="row",
               dynamic_ncols=True, mininterval=1.0)
    labelled = 0
    results = engine.run(teacher, idx, todo, run_kw, key, stats) if todo else (r for r in ())
    with closing(results):              # a Ray run shuts down even when a commit fails
        for c, logits, reps in results:
            a = c * key["chunk_rows"]
            got = {LOGITS: logits, REPS: reps}
            if c not in size or c in done or any(got[n] is None or got[n].shape != (size[c], m.shape[1])
                                                 for n, m in mms.items()):
                raise CacheError(f"{engine.name} engine returned chunk {c} with logits {logits.shape}: not a chunk "
                                 "still to label, or the wrong shape (or no representations)")
            for name, mm in mms.items():
                mm[a:a + size[c]] = got[name]
                mm.flush()
            done.add(c)
            _write_json_atomic(unit / PROGRESS, {"key": key, "done": sorted(done)})
            labelled += size[c]
            bar.update(size[c])
            if deadline is not None and time.perf_counter() > deadline:
                break
    bar.close()
    missing = [c for c in size if c not in done]
    if missing and deadline is None:
        raise CacheError(f"{engine.name} engine finished without {len(missing)} chunks (first: {missing[0]})")
    return labelled
