"""Training rows for the student: tokenized once into a compact int32 ragged store, then cut into length buckets.

Token ids come from `edgekd_runtime.encoding` (the one text -> ids rule), so training sees exactly the
teacher-tokenizer ids the runtime will feed the bundle; the student remap (`Vocab.vocab_map`) is applied
per batch, as the exported graph does. A million SST-2-like rows take about 60 MB.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from edgekd_runtime.contract import EMPTY_ID, PAD_ID
from edgekd_runtime.encoding import encode_ids, pad_batch

from ..tasks import DataError, Dataset


@dataclass(frozen=True)
class Ragged:
    """Variable-length id rows in one flat array. flat: int32 (total tokens,); offsets: int64 (N + 1,)."""

    flat: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)                                       # (N,) int64, all >= 1

    @property
    def nbytes(self) -> int:
        return int(self.flat.nbytes + self.offsets.nbytes)

    def padded(self, idx: np.ndarray, pad_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(ids int64 (B, T), lengths int64 (B,)) for rows `idx`, right-padded with pad_id to the longest."""
        starts, lengths = self.offsets[idx], self.lengths[idx]
        width = int(lengths.max()) if len(idx) else 1
        ids = np.full((len(idx), width), pad_id, dtype=np.int64)
        cols = np.arange(width)[None, :]
        mask = cols < lengths[:, None]                                     # (B, T)
        ids[mask] = self.flat[(starts[:, None] + cols)[mask]]
        return ids, lengths.astype(np.int64)

    def take(self, idx: np.ndarray) -> "Ragged":
        """A new store with rows `idx` (in that order)."""
        ids, lengths = self.padded(np.asarray(idx, dtype=np.int64))
        mask = np.arange(ids.shape[1])[None, :] < lengths[:, None]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return Ragged(flat=ids[mask].astype(np.int32), offsets=offsets)


def encode_ragged(tokenizer, texts: Sequence[str], max_length: int, pad_id: int = PAD_ID, empty_id: int = EMPTY_ID,
                  chunk: int = 20_000, progress: bool = False) -> Ragged:
    """Tokenize `texts` chunk by chunk with the shared rule (truncation, empty -> [empty_id]) into a Ragged."""
    from tqdm.auto import tqdm

    flats, lens = [], []
    starts = range(0, len(texts), chunk)
    for s in tqdm(starts, disable=not progress or len(starts) < 5, desc="tokenize", unit="chunk", mininterval=1.0):
        enc = pad_batch(encode_ids(tokenizer, texts[s:s + chunk]), max_length, pad_id=pad_id, empty_id=empty_id)
        mask = np.arange(enc.ids.shape[1])[None, :] < enc.lengths[:, None]
        flats.append(enc.ids[mask].astype(np.int32))
        lens.append(enc.lengths)
    lengths = np.concatenate(lens) if lens else np.zeros(0, dtype=np.int64)
    flat = np.concatenate(flats) if flats else np.zeros(0, dtype=np.int32)
    return Ragged(flat=flat, offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))


@dataclass(frozen=True)
class TrainRows:
    """What the student trains on: texts (and pairs), gold labels (-1 = none), teacher logits (N, C) or None."""

    texts: tuple[str, ...]
    labels: np.ndarray
    text_pairs: tuple[str, ...] | None = None
    logits: np.ndarray | None = None
    source: str = ""
    original: np.ndarray | None = None    # bool (N,): True for un-augmented rows; None = all original
    reps: np.ndarray | None = None        # (N, D) teacher sentence representations (float16, maybe memory-mapped)

    def __post_init__(self) -> None:
        n = len(self.texts)
        if len(self.labels) != n or (self.text_pairs is not None and len(self.text_pairs) != n):
            raise DataError(f"{self.source or 'train rows'}: texts, pairs and labels differ in length")
        if self.logits is not None:
            if self.logits.ndim != 2 or len(self.logits) != n:
                raise DataError(f"{self.source}: teacher logits have shape {self.logits.shape}, expected ({n}, C): "
                                "the logits cache does not belong to these rows")
            if not np.isfinite(self.logits).all():
                raise DataError(f"{self.source}: teacher logits contain NaN or inf")
        if self.reps is not None and (self.reps.ndim != 2 or len(self.reps) != n):
            raise DataError(f"{self.source}: teacher representations have shape {self.reps.shape}, expected ({n}, D)")

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, idx: np.ndarray) -> "TrainRows":
        pick = lambda seq: tuple(seq[i] for i in idx)  # noqa: E731
        return TrainRows(pick(self.texts), self.labels[idx], None if self.text_pairs is None else pick(self.text_pairs),
                         None if self.logits is None else self.logits[idx], self.source,
                         None if self.original is None else self.original[idx],
                         None if self.reps is None else self.reps[idx])

    def with_logits(self, logits: np.ndarray, source: str | None = None) -> "TrainRows":
        return replace(self, logits=np.asarray(logits, dtype=np.float32), source=source or self.source)

    def with_reps(self, reps: np.ndarray) -> "TrainRows":
        """The teacher's sentence representations for the representation loss (kept memory-mapped)."""
        return replace(self, reps=reps)

    def originals(self) -> "TrainRows":
        """Only the un-augmented rows (transfer rows with aug == "orig")."""
        return self if self.original is None else self.subset(np.flatnonzero(self.original))

    @classmethod
    def from_dataset(cls, ds: Dataset, logits: np.ndarray | None = None) -> "TrainRows":
        return cls(ds.texts, np.asarray(ds.labels, dtype=np.int64), ds.text_pairs, logits, ds.source)


def read_logits(cache_dir: str | Path, transfer_path: str | Path | None = None) -> np.ndarray:
    """float32 (N, C) teacher logits from a label cache directory (logits.npy + cache.json).

    A cache written by `edgekd label` (cache.json "format": "edgekd-logits/...") goes through
    `edgekd.label.load_logits`, which refuses incomplete or stale caches (checked against `transfer_path`);
    any other folder with a plain logits.npy is read as-is, and only its shape is checked later.
    """
    d = Path(cache_dir)
    path = d / "logits.npy"
    if not (d / "cache.json").is_file():
        raise DataError(f"{d}: no cache.json; run `edgekd label` first or pass the right --logits folder")
    try:
        header = json.loads((d / "cache.json").read_text())
    except json.JSONDecodeError as e:
        raise DataError(f"{d / 'cache.json'}: not valid JSON ({e})") from None
    if isinstance(header, dict) and str(header.get("format", "")).startswith("edgekd-logits/"):
        from ..label import load_logits

        return np.asarray(load_logits(d, transfer_path), dtype=np.float32)
    if not path.is_file():
        raise DataError(f"{d}: no logits.npy; run `edgekd label` first or pass the right --logits folder")
    try:
        arr = np.load(path, allow_pickle=False)
    except ValueError as e:
        raise DataError(f"{path}: not a plain .npy array ({e})") from None
    return np.asarray(arr, dtype=np.float32)


def read_transfer(path: str | Path, pair: bool) -> TrainRows:
    """Rows of an `edgekd augment` JSONL: {"text", "text_pair"?, "label" (-1 = augmented), "src", "aug"}."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: no such transfer set")
    texts, pairs, labels, orig = [], [], [], []
    with open(p, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text, label = row["text"], row.get("label")
                label = -1 if label is None else int(label)
                text_pair = row["text_pair"] if pair else None
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                raise DataError(f"{p}:{line_no}: bad transfer row ({type(e).__name__}: {e})") from None
            texts.append(str(text))
            labels.append(label)
            if pair:
                pairs.append(str(text_pair))
            orig.append(row.get("aug") == "orig")
    if not texts:
        raise DataError(f"{p}: empty transfer set")
    return TrainRows(tuple(texts), np.asarray(labels, dtype=np.int64), tuple(pairs) if pair else None,
                     source=str(p), original=np.asarray(orig, dtype=bool))

