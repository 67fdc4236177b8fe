"""A deterministic stand-in for the spaCy tagger in augmentation tests: the tag is a function of the word alone."""
from __future__ import annotations


class FakeTagger:
    """Fast, no model: short words "S", words ending in s "P", the rest "L"."""

    def tag(self, sentences):
        for words in sentences:
            yield ["S" if len(w) <= 3 else ("P" if w.endswith("s") else "L") for w in words]

    def describe(self):
        return {"name": "fake", "version": "0"}
