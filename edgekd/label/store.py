"""On-disk layout of the logits cache: header and key checks, transfer-set row index, atomic JSON, `load_logits`."""
from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT = "edgekd-logits/1"
HEADER, LOGITS, PROGRESS, REPS = "cache.json", "logits.npy", "progress.json", "representations.npy"
REP_KEYS = ("representation", "hidden_size")      # key fields present only when representations are kept


class CacheError(ValueError):
    """A cache folder is missing, incomplete, inconsistent, or does not match what it is used with."""


class StaleCache(CacheError):
    """The cache was made for another teacher, transfer set or setting."""


@dataclass(frozen=True)
class LogitsCache:
    """A finished cache folder and its header."""

    path: Path
    header: dict
    labelled: int = 0        # rows the call that returned this labelled (0: the cache was already complete)

    @property
    def key(self) -> dict:
        return self.header["key"]

    @property
    def complete(self) -> bool:
        return bool(self.header.get("complete"))

    def logits(self) -> np.ndarray:
        """(rows, C) float32, memory-mapped read-only."""
        return np.load(self.path / LOGITS, mmap_mode="r", allow_pickle=False)

    def representations(self) -> np.ndarray | None:
        """(rows, D) float16 teacher sentence representations, memory-mapped read-only; None if not kept."""
        return load_representations(self.path) if self.key.get("representation") else None


@dataclass(frozen=True)
class TransferIndex:
    """Byte offsets of every row of a transfer JSONL, so chunks are read without loading the whole file."""

    path: Path
    sha256: str
    offsets: np.ndarray      # (N+1,) int64 start of each row; offsets[N] = end of the last row
    pair: bool

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def rows(self, a: int, b: int) -> tuple[list[str], list[str] | None]:
        """Texts (and second texts) of rows [a, b)."""
        with open(self.path, "rb") as f:
            f.seek(int(self.offsets[a]))
            data = f.read(int(self.offsets[b] - self.offsets[a]))
        return parse_rows(data, a, self.pair, where=str(self.path))


def parse_rows(data: bytes, first: int, pair: bool, where: str = "transfer set") -> tuple[list[str], list[str] | None]:
    """Texts (and second texts) of consecutive JSONL rows, the first of which is row `first` (0-based)."""
    texts, pairs = [], [] if pair else None
    for i, line in enumerate(data.decode("utf-8").splitlines(), first + 1):
        try:
            row = json.loads(line)
            texts.append(row["text"])
            if pairs is not None:
                pairs.append(row["text_pair"])
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise CacheError(f"{where}:{i}: not a transfer-set row ({type(e).__name__}: {e})") from None
    return texts, pairs


def index_transfer(path: str | Path, block: int = 1 << 24) -> TransferIndex:
    """sha256 and row offsets of a transfer JSONL in one streamed pass."""
    path = Path(path)
    if not path.is_file():
        raise CacheError(f"{path}: no such transfer set (make one with `edgekd augment`)")
    h, starts, pos = hashlib.sha256(), [np.zeros(1, np.int64)], 0
    with open(path, "rb") as f:
        while data := f.read(block):
            h.update(data)
            nl = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
            starts.append(nl.astype(np.int64) + pos + 1)
            pos += len(data)
    offsets = np.concatenate(starts)
    if offsets[-1] != pos:                      # last row without a trailing newline
        offsets = np.append(offsets, pos)
    if len(offsets) < 2:
        raise CacheError(f"{path}: the transfer set is empty")
    with open(path, "rb") as f:
        first = f.readline()
    try:
        pair = "text_pair" in json.loads(first)
    except json.JSONDecodeError as e:
        raise CacheError(f"{path}:1: not JSON ({e.msg})") from None
    return TransferIndex(path, h.hexdigest(), offsets, pair)


def labelled_rows(header: dict) -> np.ndarray:
    """Row indices of a complete cache that hold teacher logits (all rows unless a time budget cut it short)."""
    rows, size = int(header["key"]["rows"]), int(header["key"]["chunk_rows"])
    done = header.get("chunks_done")
    if done is None:
        return np.arange(rows)
    return np.concatenate([np.arange(c * size, min(rows, (c + 1) * size)) for c in sorted(done)] or
                          [np.zeros(0, dtype=np.int64)]).astype(np.int64)


def load_labelled(out_dir: str | Path, transfer_path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(row indices that hold logits, (N, C) float32 logits) of a finished cache, a budget-cut one included."""
    h = read_cache_json(Path(out_dir) / HEADER) or {}
    return labelled_rows(h) if h.get("key") else np.zeros(0, np.int64), load_logits(out_dir, transfer_path,
                                                                                      allow_partial=True)


def load_logits(out_dir: str | Path, transfer_path: str | Path | None = None,
                teacher_hash: str | None = None, allow_partial: bool = False) -> np.ndarray:
    """(N, C) float32 logits of a finished cache, after checking its header against what it is used with.
    A cache that a time budget cut short is refused unless `allow_partial` (see `load_labelled`)."""
    out = Path(out_dir)
    h = read_cache_json(out / HEADER)
    if h is None:
        raise CacheError(f"{out / HEADER}: no logits cache here")
    if not h.get("complete"):
        raise CacheError(f"{out}: the cache is incomplete; rerun `edgekd label` to resume it")
    if h.get("shard"):          # written by edgekd <= 0.2's `--shard i/n`, since replaced by `--engine ray`
        raise CacheError(f"{out}: this is one shard of an older sharded run; relabel it with `edgekd label`")
    key = h["key"]
    if transfer_path is not None:
        sha = index_transfer(transfer_path).sha256
        if sha != key["transfer_sha256"]:
            raise StaleCache(f"{out}: made for a transfer set with sha256 {key['transfer_sha256'][:12]}…, "
                             f"but {transfer_path} has {sha[:12]}…; relabel it")
    if teacher_hash is not None and teacher_hash != key["teacher_hash"]:
        raise StaleCache(f"{out}: made with teacher weights {key['teacher_hash'][:12]}…, not {teacher_hash[:12]}…")
    arr = np.load(out / LOGITS, allow_pickle=False)
    if h.get("chunks_done") is not None and not allow_partial:
        raise CacheError(f"{out}: a time budget stopped this cache at {h.get('rows_labelled')} of {key['rows']} "
                         "rows; use `load_labelled` (or rerun `edgekd label` without a budget to finish it)")
    if arr.shape != (key["rows"], key["num_labels"]) or arr.dtype != np.float32:
        raise CacheError(f"{out / LOGITS}: shape {arr.shape} {arr.dtype} does not match the header "
                         f"({key['rows']}, {key['num_labels']}) float32")
    return arr


def load_representations(out_dir: str | Path) -> np.ndarray:
    """(N, D) float16 teacher representations of a finished cache that kept them, memory-mapped read-only.
    Call `load_logits` first: it checks the header against the transfer set and the teacher."""
    out = Path(out_dir)
    h = read_cache_json(out / HEADER) or {}
    key = h.get("key", {})
    if not h.get("complete") or not key.get("representation"):
        raise CacheError(f"{out}: this cache has no teacher representations; relabel with `edgekd label "
                         "--representations` (edgekd build does it when --repr-weight > 0)")
    arr = np.load(out / REPS, mmap_mode="r", allow_pickle=False)
    if arr.ndim != 2 or len(arr) != key["rows"] or arr.dtype != np.float16:
        raise CacheError(f"{out / REPS}: shape {arr.shape} {arr.dtype} does not match the header "
                         f"({key['rows']}, D) float16")
    return arr


def key_diff(old: dict, new: dict) -> list[str]:
    def show(v):
        return f"{v[:12]}…" if isinstance(v, str) and len(v) == 64 else repr(v)

    return [f"{k} differs (cache {show(old.get(k))}, now {show(new.get(k))})"
            for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


def header_differences(old: dict, new: dict) -> list[str]:
    if old.get("format") != FORMAT:
        return [f"format {old.get('format')!r} is not {FORMAT!r}"]
    old_key = dict(old.get("key", {}))
    if old_key.get("representation") and not new["key"].get("representation"):
        for k in REP_KEYS:                  # a cache that also kept representations serves a logits-only request
            old_key.pop(k, None)
    why = key_diff(old_key, new["key"])
    if old.get("chunks") != new["chunks"]:
        why.append(f"chunk range differs (cache {old.get('chunks')}, now {new['chunks']})")
    return why


def clear_unit(unit: Path) -> None:
    for name in (HEADER, PROGRESS, LOGITS, REPS):       # header first: a half-cleared folder never looks valid
        (unit / name).unlink(missing_ok=True)


def read_cache_json(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise CacheError(f"{path}: unreadable ({e.msg}); delete it or pass --rebuild") from None


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def log_note(msg: str) -> None:
    print(f"edgekd label: {msg}", file=sys.stderr)
