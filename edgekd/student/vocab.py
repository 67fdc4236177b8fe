"""Vocabulary pruning: keep the teacher word pieces seen in the training text, remap teacher ids -> student ids.

The teacher's tokenizer is never edited. The student owns a small embedding table whose row i holds the
teacher piece `kept[i]`; `vocab_map` (int64, one entry per teacher id) sends every teacher id to its row, and
everything else ([UNK], [MASK], [CLS], [SEP], pieces never seen in training) to UNK_ID. Row 0 is padding.
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from edgekd_contract.checkpoint import PAD_ID, TOKENIZER_FILE, UNK_ID

# Special tokens of a BERT WordPiece tokenizer; the ones present in a tokenizer are looked up by name.
PAD_TOKEN, UNK_TOKEN = "[PAD]", "[UNK]"


@dataclass(frozen=True)
class TeacherSpecials:
    """Teacher ids that need a rule: padding -> PAD_ID; unk and every other special token -> UNK_ID."""

    pad_id: int
    unk_id: int
    other: tuple[int, ...]      # [CLS], [SEP], [MASK], ... (never kept as their own student row)


def load_tokenizer(path: str | Path):
    """A `tokenizers.Tokenizer` from tokenizer.json with padding and truncation switched off.

    Hub tokenizer.json files often carry `padding: Fixed(128)` and `truncation: 128`; the shared encoding
    rule (edgekd_runtime.encoding) expects neither, so they are cleared here (and in the shipped copy).
    """
    from tokenizers import Tokenizer

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no tokenizer.json (the student needs the teacher's fast tokenizer)")
    tok = Tokenizer.from_file(str(p))
    tok.no_padding()
    tok.no_truncation()
    return tok


def write_clean_tokenizer(tokenizer, directory: str | Path) -> Path:
    """Write the (padding/truncation-free) tokenizer as tokenizer.json in a fresh temp folder under `directory`."""
    d = Path(tempfile.mkdtemp(prefix=".tok-", dir=directory))
    path = d / TOKENIZER_FILE
    path.write_text(tokenizer.to_str())
    return path


def teacher_specials(tokenizer) -> TeacherSpecials:
    """Find [PAD]/[UNK] and the other special tokens of a `tokenizers.Tokenizer` (BERT naming)."""
    pad, unk = tokenizer.token_to_id(PAD_TOKEN), tokenizer.token_to_id(UNK_TOKEN)
    if pad is None or unk is None:
        raise ValueError(f"the teacher tokenizer lacks {PAD_TOKEN} or {UNK_TOKEN}; edgekd expects a BERT-style "
                         "WordPiece tokenizer")
    added = json.loads(tokenizer.to_str()).get("added_tokens", [])
    other = sorted({int(t["id"]) for t in added if t.get("special")} - {pad, unk})
    return TeacherSpecials(pad_id=int(pad), unk_id=int(unk), other=tuple(other))


@dataclass(frozen=True)
class Vocab:
    """A pruned student vocabulary. kept: int64 (V,) teacher id per student row; vocab_map: int64 (Vt,)."""

    kept: np.ndarray
    vocab_map: np.ndarray

    @property
    def size(self) -> int:
        return int(len(self.kept))

    @property
    def teacher_vocab_size(self) -> int:
        return int(len(self.vocab_map))

    def remap(self, teacher_ids: np.ndarray) -> np.ndarray:
        """Student ids of teacher ids (any shape); the same Gather the exported graph does."""
        return self.vocab_map[teacher_ids]

    def coverage(self, id_arrays: Iterable[np.ndarray]) -> float:
        """Fraction of the given teacher tokens that have their own student row (not UNK, not PAD)."""
        total = hit = 0
        for a in id_arrays:
            s = self.vocab_map[np.asarray(a, dtype=np.int64)]
            total += s.size
            hit += int((s > UNK_ID).sum())
        return hit / total if total else 0.0

    @classmethod
    def from_map(cls, vocab_map: np.ndarray) -> "Vocab":
        """Rebuild from a checkpoint's vocab_map (kept[i] = smallest teacher id mapped to row i)."""
        vocab_map = np.asarray(vocab_map, dtype=np.int64)
        size = int(vocab_map.max()) + 1
        kept = np.full(size, -1, dtype=np.int64)
        rows, first = np.unique(vocab_map, return_index=True)   # first = smallest teacher id per row
        kept[rows] = first
        return cls(kept=kept, vocab_map=vocab_map)


def build_vocab(id_arrays: Iterable[np.ndarray], teacher_vocab_size: int, specials: TeacherSpecials,
                min_count: int = 1) -> Vocab:
    """Keep every teacher piece seen at least `min_count` times in `id_arrays` (flat teacher-id arrays).

    Student rows: 0 = PAD (teacher pad id), 1 = UNK (teacher unk id), then the kept pieces in teacher-id
    order, so the result depends only on the set of pieces, not on row order.
    """
    counts = np.zeros(teacher_vocab_size, dtype=np.int64)
    for a in id_arrays:
        a = np.asarray(a, dtype=np.int64)
        if a.size and (a.min() < 0 or a.max() >= teacher_vocab_size):
            raise ValueError(f"teacher id out of range [0, {teacher_vocab_size}): got {a.min()}..{a.max()}")
        counts += np.bincount(a, minlength=teacher_vocab_size)
    counts[[specials.pad_id, specials.unk_id, *specials.other]] = 0   # specials never get their own row
    seen = np.flatnonzero(counts >= min_count).astype(np.int64)
    kept = np.concatenate([[specials.pad_id, specials.unk_id], seen]).astype(np.int64)
    vocab_map = np.full(teacher_vocab_size, UNK_ID, dtype=np.int64)
    vocab_map[specials.pad_id] = PAD_ID
    vocab_map[seen] = np.arange(2, 2 + len(seen), dtype=np.int64)
    return Vocab(kept=kept, vocab_map=vocab_map)
