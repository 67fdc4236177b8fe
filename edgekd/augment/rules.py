"""The augmentation rules of Tang et al. (2019) §3.1 as pure functions over one example and a numpy Generator.

Words are the whitespace tokens of the (already tokenized) GLUE text. Every word of the training text is an
*entry* of a `PosTable`: a (POS tag, word) pair with its count, so one vectorised integer draw can swap a word
for another word of the same tag, exactly by the tag's unigram distribution (no floating-point cdf).

Per example and round: draw X ~ U[0,1] per word; X < p_mask masks the word, else X < p_mask + p_pos swaps it
(the two are exclusive); then with probability p_ng keep only a random n-gram, n ~ U{ngram_min..ngram_max}.
For pairs the rounds cycle: first sentence only, second only, both; each augmented sentence gets all rules
independently (its own n-gram draw included), the other sentence stays as it was.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .config import AugmentConfig

MASK, POS, NGRAM = 1, 2, 4  # rule bits of an augmented row


def aug_name(bits: int) -> str:
    """'mask', 'pos', 'mask+pos', 'ngram', 'mask+ngram', ... (rules that changed the row, in rule order)."""
    names = [n for b, n in ((MASK, "mask"), (POS, "pos"), (NGRAM, "ngram")) if bits & b]
    return "+".join(names) if names else "none"


@dataclass(frozen=True)
class PosTable:
    """Unigram counts of (tag, word) entries in the training text, stored tag-major for exact sampling."""

    tags: tuple[str, ...]          # tag id -> tag
    entry_word: tuple[str, ...]    # entry id -> word
    entry_tag: np.ndarray          # (E,) int32 tag id of each entry
    count: np.ndarray              # (E,) int64 occurrences of the entry in the training text
    cum: np.ndarray                # (E,) int64 inclusive running count over all entries (tag-major)
    tag_start: np.ndarray          # (T,) int64 running count where each tag's segment begins
    tag_total: np.ndarray          # (T,) int64 total occurrences of each tag

    def __len__(self) -> int:
        return len(self.entry_word)

    def sample_other(self, entries: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """For each entry, another entry of the same tag drawn by unigram count, excluding the word itself.

        Drawing r in [0, total - count) and skipping the word's own interval samples the tag's distribution
        renormalised without that word. A tag with a single word type returns the entry unchanged.
        """
        entries = np.asarray(entries, dtype=np.int64)
        t = self.entry_tag[entries]
        cnt = self.count[entries]
        room = self.tag_total[t] - cnt                      # (k,) mass of the other words of the tag
        out = entries.copy()
        ok = room > 0
        if not ok.any():
            return out
        r = rng.integers(0, room[ok])                       # (k_ok,)
        v = self.tag_start[t[ok]] + r
        lo = self.cum[entries[ok]] - cnt[ok]                # global start of the word's own interval
        v = np.where(v >= lo, v + cnt[ok], v)
        out[ok] = np.searchsorted(self.cum, v, side="right")
        return out


class PosTableBuilder:
    """Collects (tag, word) entries while the training text is tagged; `finish` sorts them tag-major."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], int] = {}
        self._counts: list[int] = []

    def add(self, words: Sequence[str], tags: Sequence[str]) -> list[int]:
        """Entry ids (provisional, remapped by `finish`) of one sentence's words."""
        if len(words) != len(tags):
            raise ValueError(f"tagger returned {len(tags)} tags for {len(words)} words")
        out = []
        ids, counts = self._ids, self._counts
        for key in zip(tags, words):
            e = ids.get(key)
            if e is None:
                e = ids[key] = len(counts)
                counts.append(0)
            counts[e] += 1
            out.append(e)
        return out

    def finish(self) -> tuple[PosTable, np.ndarray]:
        """(table, remap) where remap[provisional id] is the entry's id in the table."""
        keys = list(self._ids)                               # provisional id order
        tags = tuple(sorted({t for t, _ in keys}))
        tag_id = {t: i for i, t in enumerate(tags)}
        order = sorted(range(len(keys)), key=lambda e: (tag_id[keys[e][0]], keys[e][1]))
        remap = np.empty(len(keys), dtype=np.int32)
        remap[np.asarray(order, dtype=np.int64)] = np.arange(len(keys), dtype=np.int32)
        count = np.asarray([self._counts[e] for e in order], dtype=np.int64)
        entry_tag = np.asarray([tag_id[keys[e][0]] for e in order], dtype=np.int32)
        cum = np.cumsum(count)
        tag_total = np.bincount(entry_tag, weights=count, minlength=len(tags)).astype(np.int64)
        tag_start = np.concatenate([[0], np.cumsum(tag_total)[:-1]]).astype(np.int64)
        table = PosTable(tags, tuple(keys[e][1] for e in order), entry_tag, count, cum, tag_start, tag_total)
        return table, remap


def augment_sentence(entries: np.ndarray, k: int, table: PosTable, cfg: AugmentConfig,
                     rng: np.random.Generator, mask_token: str) -> list[tuple[str, int]]:
    """k augmented versions of one sentence given as entry ids (n,): [(text, rule bits)].

    The draws happen in a fixed order (word coins, POS swaps, n-gram coin/length/start), all vectorised over
    the k rounds, so the result depends only on the Generator's state.
    """
    n = len(entries)
    base = [table.entry_word[e] for e in entries.tolist()]
    if n == 0 or k == 0:
        return [(" ".join(base), 0)] * k
    x = rng.random((k, n))                                               # (k, n) one coin per word and round
    masked = x < cfg.p_mask
    swapped = ~masked & (x < cfg.p_mask + cfg.p_pos)
    s_rows, s_cols = np.nonzero(swapped)
    new = table.sample_other(entries[s_cols], rng) if len(s_cols) else s_cols
    take_ng = rng.random(k) < cfg.p_ng                                   # (k,)
    n_len = np.minimum(rng.integers(cfg.ngram_min, cfg.ngram_max + 1, size=k), n)
    start = rng.integers(0, n - n_len + 1)                               # (k,) uniform over valid starts

    rows = [list(base) for _ in range(k)]
    bits = [0] * k
    m_rows, m_cols = np.nonzero(masked)
    for r, c in zip(m_rows.tolist(), m_cols.tolist()):
        if rows[r][c] != mask_token:
            rows[r][c] = mask_token
            bits[r] |= MASK
    old = entries[s_cols]
    for r, c, e, o in zip(s_rows.tolist(), s_cols.tolist(), new.tolist(), old.tolist()):
        if e != o:
            rows[r][c] = table.entry_word[e]
            bits[r] |= POS
    out = []
    for r in range(k):
        toks = rows[r]
        if take_ng[r] and n_len[r] < n:
            s = int(start[r])
            toks = toks[s:s + int(n_len[r])]
            bits[r] |= NGRAM
        out.append((" ".join(toks), bits[r]))
    return out


def pair_sides(n_iter: int) -> list[int]:
    """Which sentence round j augments: 0 = first only, 1 = second only, 2 = both (cycling)."""
    return [j % 3 for j in range(n_iter)]


def augment_example(sides: Sequence[np.ndarray], table: PosTable, cfg: AugmentConfig, rng: np.random.Generator,
                    mask_token: str) -> list[tuple[tuple[str, ...], int]]:
    """cfg.n_iter candidate rows for one example (one or two sentences as entry ids): [(texts, rule bits)]."""
    if len(sides) == 1:
        return [((t,), b) for t, b in augment_sentence(sides[0], cfg.n_iter, table, cfg, rng, mask_token)]
    a_ids, b_ids = sides
    plan = pair_sides(cfg.n_iter)
    a_aug = iter(augment_sentence(a_ids, sum(s != 1 for s in plan), table, cfg, rng, mask_token))
    b_aug = iter(augment_sentence(b_ids, sum(s != 0 for s in plan), table, cfg, rng, mask_token))
    a_base = " ".join(table.entry_word[e] for e in a_ids.tolist())
    b_base = " ".join(table.entry_word[e] for e in b_ids.tolist())
    out = []
    for s in plan:
        a, ab = next(a_aug) if s != 1 else (a_base, 0)
        b, bb = next(b_aug) if s != 0 else (b_base, 0)
        out.append(((a, b), ab | bb))
    return out
