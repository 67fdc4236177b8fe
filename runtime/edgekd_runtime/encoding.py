"""Text -> padded id arrays, the one encoding rule shared by training, export validation and the runtime.

Training imports this too, so the student is trained on exactly the ids the runtime will feed it.
Rules: word pieces of the teacher's fast tokenizer without special tokens; at most `max_length` pieces
per sentence (the rest is cut and the row is flagged as truncated); a text with no pieces becomes the
single id `empty_id`, so every row has length >= 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .contract import EMPTY_ID, PAD_ID


@dataclass(frozen=True)
class Encoded:
    """A padded batch. ids: int64 (B, T) padded with pad_id; lengths: int64 (B,); truncated: bool (B,)."""

    ids: np.ndarray
    lengths: np.ndarray
    truncated: np.ndarray


def encode_ids(tokenizer, texts: Sequence[str]) -> list[list[int]]:
    """Word-piece ids of each text, no special tokens, no truncation (a `tokenizers.Tokenizer`)."""
    return [e.ids for e in tokenizer.encode_batch(list(texts), add_special_tokens=False)]


def pad_batch(id_lists: Sequence[Sequence[int]], max_length: int, pad_id: int = PAD_ID,
              empty_id: int = EMPTY_ID) -> Encoded:
    """Truncate to max_length, replace empty rows by [empty_id], and right-pad into one int64 array."""
    n = len(id_lists)
    lengths = np.fromiter((min(len(x), max_length) or 1 for x in id_lists), dtype=np.int64, count=n)
    truncated = np.fromiter((len(x) > max_length for x in id_lists), dtype=bool, count=n)
    width = int(lengths.max()) if n else 1
    ids = np.full((n, width), pad_id, dtype=np.int64)
    for i, x in enumerate(id_lists):
        if len(x):
            k = lengths[i]
            ids[i, :k] = x[:k]
        else:
            ids[i, 0] = empty_id
    return Encoded(ids=ids, lengths=lengths, truncated=truncated)


def encode(tokenizer, texts: Sequence[str], max_length: int, pad_id: int = PAD_ID,
           empty_id: int = EMPTY_ID) -> Encoded:
    """Tokenize and pad in one call."""
    return pad_batch(encode_ids(tokenizer, texts), max_length, pad_id=pad_id, empty_id=empty_id)
