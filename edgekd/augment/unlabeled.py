"""The user's unlabeled text as transfer rows: a lazy line-by-line reader, a streamed file hash, and the writer
that appends the text (and, optionally, its augmentations) to the transfer set without holding the file.

Input: plain text (one sentence per line; single-sentence tasks only) or JSONL `{"text"}` / `{"text",
"text_pair"}` (pairs exactly for pair tasks); the first non-blank line decides which. Blank lines are skipped.
Rows: `{"text", "text_pair"?, "label": -1, "src": -(1-based line number), "aug": "unlabeled"}`, and for
`--augment-unlabeled` their augmentations as `"aug": "unlabeled+<rules>"` (same src). A line whose text (after
the dedup's whitespace normalisation) equals a training row, a dev row or an earlier row is dropped and counted;
so is any augmented row that equals a dev row. Memory: only the 8-byte hashes of the rows written (the dedup
table, 11-21 bytes per row at its 0.375-0.75 load) and one chunk of lines.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Iterator

import numpy as np

from ..tasks import DataError, Dataset
from ..util.progress import progress_bar
from ..util.rowhash import HashSet64, row_hash
from .rules import aug_name, augment_example

_CHUNK = 1024   # lines tagged/augmented together (bounded memory)


@dataclass(frozen=True)
class UnlabeledOptions:
    """--unlabeled FILE and --augment-unlabeled/--no-augment-unlabeled."""

    path: Path
    augment: bool = False

    def key(self) -> dict:
        """What a build's augment stage key covers: the file's content hash (streamed), not its name."""
        return {"sha256": file_sha256(self.path), "augment": bool(self.augment)}


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def normalise(texts) -> tuple[str, ...]:
    """The dedup's normalisation: words split on whitespace and joined by one space (as originals are hashed)."""
    return tuple(" ".join(t.split()) for t in texts)


def iter_unlabeled(path: str | Path, pair: bool) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(1-based line number, texts) for each non-blank line, read lazily (one line in memory at a time).

    DataError naming the line for malformed JSON, a record without a string "text", or the wrong arity
    (text_pair on a single-sentence task, none on a pair task, plain lines for a pair task).
    """
    jsonl = None
    with open(path, "rb") as f:              # bytes, decoded per line, so a bad byte names its line
        for line_no, raw in enumerate(f, 1):
            try:
                s = raw.decode("utf-8").strip()
            except UnicodeDecodeError as e:
                raise DataError(f"{path}:{line_no}: not UTF-8 text ({e.reason})") from None
            if not s:
                continue
            if jsonl is None:
                jsonl = s.startswith("{") and _is_json(s)
                if pair and not jsonl:
                    raise DataError(f"{path}:{line_no}: a pair task needs JSONL records "
                                    '{"text": ..., "text_pair": ...}, not plain lines')
            yield line_no, (_record(s, path, line_no, pair) if jsonl else (s,))


def _is_json(s: str) -> bool:
    try:
        json.loads(s)
        return True
    except json.JSONDecodeError:
        return False


def _record(s: str, path, line_no: int, pair: bool) -> tuple[str, ...]:
    where = f"{path}:{line_no}"
    try:
        obj = json.loads(s)
    except json.JSONDecodeError as e:
        raise DataError(f"{where}: malformed JSON ({e.msg})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise DataError(f'{where}: expected a JSON object with a string "text"')
    has_pair = "text_pair" in obj
    if pair and not isinstance(obj.get("text_pair"), str):
        raise DataError(f'{where}: this is a pair task: the record needs a string "text_pair"')
    if not pair and has_pair:
        raise DataError(f'{where}: "text_pair" given, but the task takes single sentences')
    return (obj["text"], obj["text_pair"]) if pair else (obj["text"],)


def dev_hashes(dev: Dataset):
    """HashSet64 of the dev rows' normalised texts (what no transfer row may equal)."""
    s = HashSet64(expected=len(dev))
    for i, t in enumerate(dev.texts):
        s.add(row_hash(normalise((t,) if dev.text_pairs is None else (t, dev.text_pairs[i]))))
    return s


class _Extended:
    """The training PosTable plus one sentence batch's unseen (tag, word) entries, which are never swapped."""

    def __init__(self, table, extra: list[str]) -> None:
        self.table, self.extra, self.n = table, extra, len(table)
        self.entry_word = self

    def __getitem__(self, e: int) -> str:
        return self.table.entry_word[e] if e < self.n else self.extra[e - self.n]

    def sample_other(self, entries: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = np.asarray(entries, dtype=np.int64).copy()
        known = out < self.n
        if known.any():
            out[known] = self.table.sample_other(out[known], rng)
        return out


def write_unlabeled_rows(writer, opts: UnlabeledOptions, seen, dev, table, tagger, cfg, seed: int,
                         mask_token: str, progress: bool) -> dict:
    """Append the unlabeled rows (and their augmentations with opts.augment) to `writer`; the counts.

    seen: the HashSet64 of every row written so far (training originals and augmentations); dev: dev_hashes.
    Each line's augmentations draw from a Generator seeded by (seed, 1, line number).
    """
    c = {"lines": 0, "written": 0, "dup_train_or_earlier": 0, "dup_dev": 0, "augmented": 0,
         "aug_duplicates_dropped": 0, "aug_dev_dropped": 0}
    lookup = {(table.tags[t], w): e for e, (t, w) in enumerate(zip(table.entry_tag.tolist(), table.entry_word))} \
        if opts.augment else None
    rows = iter_unlabeled(opts.path, writer.pair)
    bar = progress_bar(None, progress, "unlabeled")
    while True:
        chunk = list(islice(rows, _CHUNK))
        if not chunk:
            break
        kept = []
        for line_no, texts in chunk:
            c["lines"] += 1
            norm = normalise(texts)
            if _admit(row_hash(norm), dev, seen, c, "dup_dev", "dup_train_or_earlier"):
                writer.emit(texts, -1, -line_no, "unlabeled")
                c["written"] += 1
                kept.append((line_no, norm))
        if opts.augment and kept:
            _augment_chunk(writer, kept, seen, dev, table, lookup, tagger, cfg, seed, mask_token, c)
        bar.update(len(chunk))
    bar.close()
    writer.flush()
    return c


def _admit(h, dev, seen, counts: dict, dev_key: str, dup_key: str) -> bool:
    """True when a row's hash is new and not a dev row (then it is recorded as seen); else count why not."""
    if dev.contains(h):
        counts[dev_key] += 1
        return False
    if not seen.add(h):
        counts[dup_key] += 1
        return False
    return True


def _augment_chunk(writer, kept, seen, dev, table, lookup, tagger, cfg, seed, mask_token, c) -> None:
    words = [[t.split() for t in norm] for _, norm in kept]
    sentences = [s for ex in words for s in ex]
    tags = iter(tagger.tag(sentences) if tagger is not None else (["-"] * len(s) for s in sentences))
    extra: list[str] = []
    ext = _Extended(table, extra)
    for (line_no, _), ex in zip(kept, words):
        sides = []
        for s in ex:
            ids = []
            for key in zip(next(tags), s):
                e = lookup.get(key)
                if e is None:
                    e = ext.n + len(extra)
                    extra.append(key[1])
                ids.append(e)
            sides.append(np.asarray(ids, dtype=np.int64))
        rng = np.random.default_rng([seed, 1, line_no])
        for texts, bits in augment_example(sides, ext, cfg, rng, mask_token):
            if _admit(row_hash(texts), dev, seen, c, "aug_dev_dropped", "aug_duplicates_dropped"):
                writer.emit(texts, -1, -line_no, "unlabeled+" + aug_name(bits))
                c["augmented"] += 1
