"""The ASCII fast path gives exactly the ids of `tokenizer.encode(text, add_special_tokens=False)`, or declines."""
from __future__ import annotations

import random
import string

import pytest

from edgekd_runtime.fasttok import AsciiWordPiece
from tests.helpers.checkpoints import TINY_TEXTS, make_tokenizer

pytest.importorskip("tokenizers")

# Every ASCII control character, whitespace kind and punctuation mark, words in and out of the tiny vocabulary,
# digits, upper case and an over-long word ([UNK] past max_input_chars_per_word).
ODD = ["", " ", "\t\n\r", "a\x0bb", "a\x0cb", "a\x1cb c\x1fd", "x\x00y\x7fz", "don't stop!!", "(quite) rather--enough",
       "GOOD Film", "a1b2 c3", "e-mail@x.y", "~`^|\\{}]<>", "pre##fix ##s", "w" * 150, "said,said.said"]


def _ref(tok, text):
    return tok.encode(text, add_special_tokens=False).ids


@pytest.fixture(scope="module")
def tok():
    t = make_tokenizer()
    t.add_special_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    return t


def test_same_ids_as_the_tokenizer(tok):
    fast = AsciiWordPiece.for_tokenizer(tok)
    assert fast is not None
    for text in [*TINY_TEXTS, *ODD]:
        assert fast.ids(text) == _ref(tok, text), repr(text)


def test_same_ids_on_random_ascii(tok):
    fast = AsciiWordPiece.for_tokenizer(tok, max_words=50)          # small: the cache is emptied many times
    rng = random.Random(0)
    alphabet = [chr(c) for c in range(128) if chr(c) != "["] + list(string.ascii_lowercase) * 4 + [" "] * 20
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        assert fast.ids(text) == _ref(tok, text), repr(text)
    assert len(fast._cache) <= 50


def test_declines_non_ascii_and_added_tokens(tok):
    fast = AsciiWordPiece.for_tokenizer(tok)
    for text in ("naïve", "日本", "ok 👍", "a [MASK] b", "[unk]", "[x"):
        assert fast.ids(text) is None, text
    assert _ref(tok, "a [MASK] b") != [i for w in ("a", "[", "mask", "]", "b") for i in _ref(tok, w)]


@pytest.mark.parametrize("change", ["normalizer", "pre_tokenizer", "truncation", "no_lowercase"])
def test_other_pipelines_get_no_fast_path(change):
    from tokenizers import normalizers, pre_tokenizers
    t = make_tokenizer()
    if change == "normalizer":
        t.normalizer = normalizers.Lowercase()
    elif change == "pre_tokenizer":
        t.pre_tokenizer = pre_tokenizers.Whitespace()
    elif change == "truncation":
        t.enable_truncation(8)
    else:
        t.normalizer = normalizers.BertNormalizer(lowercase=False)
        fast = AsciiWordPiece.for_tokenizer(t)          # supported: case is kept
        assert fast is not None and fast.ids("Good FILM x") == _ref(t, "Good FILM x")
        return
    assert AsciiWordPiece.for_tokenizer(t) is None
    assert AsciiWordPiece.for_tokenizer(object()) is None
