"""Row identity for deduplicating transfer sets: a 64-bit hash of a row's text(s) and a flat set of such hashes."""
from __future__ import annotations

import hashlib
from array import array


def row_hash(texts) -> int:
    """64-bit identity of a row's text(s) for deduplication (collisions ~ n^2 / 2^65: 3e-8 for 1M rows)."""
    return int.from_bytes(hashlib.blake2b("\x1f".join(texts).encode("utf-8"), digest_size=8).digest(), "little")


class HashSet64:
    """Set of 64-bit hashes in one flat uint64 array (linear probing; 0 marks an empty slot)."""

    def __init__(self, expected: int = 1024) -> None:
        cap = 1 << max(10, int(expected / 0.7).bit_length())
        self._table = array("Q", [0]) * cap
        self._mask = cap - 1
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def nbytes(self) -> int:
        return len(self._table) * 8

    def contains(self, h: int) -> bool:
        h = h or 1
        t, m = self._table, self._mask
        i = h & m
        while t[i] != 0:
            if t[i] == h:
                return True
            i = (i + 1) & m
        return False

    def add(self, h: int) -> bool:
        """Insert h; True if it was not there yet."""
        h = h or 1
        t, m = self._table, self._mask
        i = h & m
        while True:
            v = t[i]
            if v == 0:
                t[i] = h
                self._n += 1
                if self._n * 4 > len(t) * 3:
                    self._grow()
                return True
            if v == h:
                return False
            i = (i + 1) & m

    def _grow(self) -> None:
        old = self._table
        self._table = array("Q", [0]) * (2 * len(old))
        self._mask = len(self._table) - 1
        self._n = 0
        for v in old:
            if v:
                self.add(v)
