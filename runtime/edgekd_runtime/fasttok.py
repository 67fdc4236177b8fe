"""A fast path to the same word-piece ids for ASCII text, for BERT-style `tokenizers` pipelines; anything else falls back.

`tokenizers` spends ~35-40 us of CPU per SST-2 sentence (normalizer and pre-tokenizer track offsets for every
character), more than half of the student's own time at batch 1 and a third of its batched CPU. For the pipeline
every packaged teacher uses (BertNormalizer with clean_text and lowercase, BertPreTokenizer, WordPiece, no
truncation/padding configured), ASCII text needs none of that work:
- clean_text drops the control characters (every ASCII one except \\t \\n \\r, which are whitespace) and lowercase
  is ASCII lowercasing (accent stripping and CJK spacing change no ASCII character);
- BertPreTokenizer splits on whitespace and isolates every ASCII punctuation character (Rust's
  `is_ascii_punctuation`, the same 32 characters as Python's `string.punctuation`);
- each remaining word goes through the tokenizer's own WordPiece model (`tokenizer.model.tokenize`), once per
  distinct word: the ids of a word are cached (at most `max_words` words; the cache is emptied when full).
So the ids are those of `tokenizer.encode(text, add_special_tokens=False)`, by construction and by test
(tests/runtime/test_fasttok.py compares them on GLUE text and on random ASCII strings with every control and
punctuation character). `ids(text)` returns None where the fast path does not apply: a non-ASCII text, or a
text containing the first character of an added token such as "[UNK]" (those are matched in the raw text).
Thread-safe: dict reads and writes are atomic under the GIL, and a racing insert writes the same ids.
"""
from __future__ import annotations

import re
import string

_PUNCT = re.escape(string.punctuation)
_WORDS = re.compile(rf"[^\s{_PUNCT}]+|[{_PUNCT}]")     # after cleaning, \s is only " \t\n\r" here
# clean_text removes these (category Cc, not \t \n \r); \x0b and \x0c are control, so removed, not spaces.
_DROP = {c: None for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)}
DEFAULT_MAX_WORDS = 1 << 15                 # ~3 MB of cached words at most


def _supported(tokenizer) -> bool:
    norm = tokenizer.normalizer
    return (type(norm).__name__ == "BertNormalizer" and norm.clean_text is True and isinstance(norm.lowercase, bool)
            and type(tokenizer.pre_tokenizer).__name__ == "BertPreTokenizer"
            and type(tokenizer.model).__name__ == "WordPiece" and tokenizer.truncation is None
            and tokenizer.padding is None and hasattr(tokenizer, "get_added_tokens_decoder"))


class AsciiWordPiece:
    """`ids(text)`: the word-piece ids of an ASCII text (no special tokens), or None if the fast path does not apply."""

    def __init__(self, tokenizer, lowercase: bool, added: tuple[str, ...], max_words: int = DEFAULT_MAX_WORDS) -> None:
        self._model = tokenizer.model
        self._lower = lowercase
        # Any case of an added token's first character sends the text to the full tokenizer.
        self._stop = frozenset(c for a in added if a for c in (a[0], a[0].lower(), a[0].upper()))
        self._cache: dict[str, list[int]] = {}
        self._max_words = int(max_words)

    @classmethod
    def for_tokenizer(cls, tokenizer, max_words: int = DEFAULT_MAX_WORDS) -> "AsciiWordPiece | None":
        """The fast path for this `tokenizers.Tokenizer`, or None if its pipeline is not the supported BERT one."""
        try:
            if not _supported(tokenizer):
                return None
        except AttributeError:             # not a `tokenizers.Tokenizer`, or an older one without these getters
            return None
        added = tuple(a.content for a in tokenizer.get_added_tokens_decoder().values())
        return cls(tokenizer, tokenizer.normalizer.lowercase, added, max_words)

    def ids(self, text: str) -> list[int] | None:
        if not text.isascii() or any(c in text for c in self._stop):
            return None
        clean = text.translate(_DROP)
        if self._lower:
            clean = clean.lower()
        cache, out = self._cache, []
        for w in _WORDS.findall(clean):
            got = cache.get(w)
            if got is None:
                got = self._word(w)
            out += got
        return out

    def _word(self, w: str) -> list[int]:
        got = [t.id for t in self._model.tokenize(w)]
        if len(self._cache) >= self._max_words:
            self._cache.clear()
        self._cache[w] = got
        return got
