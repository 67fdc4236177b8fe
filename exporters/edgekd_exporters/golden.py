"""Write a bundle's golden.json: inputs that exercise every encoding rule, with exact ids and expected logits.

The format and the tolerance rule are defined by the runtime (`edgekd_runtime.golden`), which every host's
selftest follows. Expected logits come from the Python onnxruntime backend, one input per `session.run`
(batch 1), with the runtime's own session options, so a host running the same input alone reproduces them.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from edgekd_runtime.encoding import encode_ids, pad_batch
from edgekd_runtime.golden import GOLDEN_FORMAT, GOLDEN_VERSION, TOLERANCE
from edgekd_runtime.manifest import INPUT_IDS, INPUT_IDS_B, LENGTHS, LENGTHS_B, LOGITS, TokenizerSpec

_LONG = ("This film starts slowly, with a long, meandering introduction to characters who never quite come alive, "
         "but somewhere in its second hour it finds a rhythm: the dialogue sharpens, the photography of the "
         "coastal town becomes genuinely beautiful, and the two leads, who seemed so mismatched at first, build "
         "a quiet chemistry that carries the weaker scenes. It is too long by twenty minutes, the score is "
         "relentless, and the ending explains what it should have left alone, yet I walked out moved, a little "
         "annoyed, and thinking about it for days afterwards.")

# (name, text): one rule or script each. Generated ones (exact / one-over max_length) are added per bundle.
GOLDEN_TEXTS: tuple[tuple[str, str], ...] = (
    ("empty", ""),
    ("whitespace_only", " \t\n  \r\n "),
    ("plain_positive", "a gorgeous, witty, seductive movie."),
    ("plain_negative", "the plot is nothing but boilerplate clichés from start to finish."),
    ("single_char", "a"),
    ("mixed_case", "ThE MoViE wAs GREAT, NOT bad At ALL"),
    ("latin1_accents", "Le café était très crème brûlée, naïve façade, señor Müller"),
    ("combining_accents", "cafe\u0301 nai\u0308ve resume\u0301"),
    ("casing_outside_latin1", "ŁÓDŹ ŞİŞLİ ǅemal Ǉubav ẞtraße ÅNGSTRÖM"),
    ("greek", "Η ταινία ήταν ΥΠΈΡΟΧΗ και Ολοκληρωτικά άψογη"),
    ("cyrillic", "Фильм был ОЧЕНЬ хорош, Ёлка"),
    ("greek_final_sigma", "ΟΔΟΣ ΣΟΦΟΣ"),                      # Rust lowercases a word-final Σ to σ, JS to ς
    ("cjk_chinese", "这部电影非常好看，我很喜欢"),
    ("japanese_fullwidth_punct", "この映画は素晴らしい！本当に？「最高」です。"),
    ("korean", "영화가 정말 좋았어요"),
    ("cjk_extension_b", "ab𠝂cd 𠀀𪜀"),                         # outside the BMP: split per character like BMP CJK
    ("fullwidth_latin", "ＦＵＬＬＷＩＤＴＨ　ｔｅｘｔ！？ １２３"),
    ("emoji", "great movie 😍🔥 thumbs 👍🏽"),
    ("emoji_zwj", "👨‍👩‍👧 family film ❤️"),
    ("punctuation_runs", "!!!???...,,,;;;---((()))\"\"''***"),
    ("numbers_symbols", "1,234.56 $99.99 10/10 50% #1 @home 3:45pm"),
    ("url_email", "see http://example.com/a?b=c&d=e or mail user.name@example.org"),
    ("control_chars", "tab\there\x00null\x07bell\u200bzero\u200dwidth\ufeffbom"),
    ("newlines", "line one\nline two\r\nline three"),
    ("unicode_spaces", "\u00a0nbsp\u2003em\u3000ideographic\u2009thin"),
    ("math_alphanumerics", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 → ⊕ ∀x ∈ ℝ"),
    ("arabic_rtl", "الفيلم رائع جدا"),
    ("hindi_combining", "फ़िल्म बहुत अच्छी थी"),
    ("thai", "หนังเรื่องนี้ดีมาก"),
    ("contractions", "don't won't it's can't y'all"),
    ("html", "<b>bold</b> &amp; <i>italic</i>"),
    ("long_words", "supercalifragilisticexpialidocious antidisestablishmentarianism " + "x" * 120),
    ("long_text", _LONG),
)


def golden_items(pair: bool, max_length: int) -> list[tuple[str, str | tuple[str, str]]]:
    """The inputs of a bundle's golden file: the fixed texts plus exactly-max_length and one-over texts.

    For pairs each text is paired with a partner that rotates through the set, and the edge cases (empty,
    over-long) appear on both sides."""
    texts = list(GOLDEN_TEXTS) + [("exactly_max_length", " ".join(["the"] * max_length)),
                                  ("one_over_max_length", " ".join(["the"] * (max_length + 1)))]
    if not pair:
        return [(n, t) for n, t in texts]
    items = []
    k = len(texts)
    for i, (n, t) in enumerate(texts):
        m, u = texts[(i * 7 + 3) % k]
        items.append((f"{n}+{m}", (t, u)))
    items += [("empty+empty", ("", "")), ("long_text+empty", (_LONG, "")),
              ("plain_positive+long_text", (GOLDEN_TEXTS[2][1], _LONG))]
    return items


def _encode(tokenizer, tok: TokenizerSpec, max_length: int, text: str):
    pieces = encode_ids(tokenizer, [text])[0]
    enc = pad_batch([pieces], max_length, pad_id=tok.pad_id, empty_id=tok.empty_id)
    return [int(x) for x in enc.ids[0, :int(enc.lengths[0])]], len(pieces)


def _feeds(ids: Sequence[int], ids_b: Sequence[int] | None) -> dict[str, np.ndarray]:
    f = {INPUT_IDS: np.asarray([ids], dtype=np.int64), LENGTHS: np.asarray([len(ids)], dtype=np.int64)}
    if ids_b is not None:
        f |= {INPUT_IDS_B: np.asarray([ids_b], dtype=np.int64), LENGTHS_B: np.asarray([len(ids_b)], dtype=np.int64)}
    return f


def golden_record(*, tokenizer, tok: TokenizerSpec, task: str, labels: Sequence[str], pair: bool, max_length: int,
                  models: Mapping[str, bytes]) -> dict:
    """The golden.json content for models {file name: ONNX bytes} (runtime session options, 1 thread)."""
    import onnxruntime

    from edgekd_runtime.ort_backend import OrtBackend

    import tokenizers
    runners = {name: OrtBackend(data, threads=1, label=name) for name, data in models.items()}
    inputs = []
    for name, item in golden_items(pair, max_length):
        a, b = (item, None) if not pair else item
        ids, pieces = _encode(tokenizer, tok, max_length, a)
        rec = {"name": name, "text": a}
        if pair:
            ids_b, pieces_b = _encode(tokenizer, tok, max_length, b)
            rec |= {"text_pair": b, "ids": ids, "ids_b": ids_b, "pieces": pieces, "pieces_b": pieces_b,
                    "truncated": max(pieces, pieces_b) > max_length}
        else:
            ids_b = None
            rec |= {"ids": ids, "pieces": pieces, "truncated": pieces > max_length}
        expected = {}
        for file, runner in runners.items():
            logits = np.asarray(runner.run(_feeds(ids, ids_b))[LOGITS], dtype=np.float32)[0]
            expected[file] = {"logits": [float(x) for x in logits], "label": labels[int(logits.argmax())]}
        rec["expected"] = expected
        inputs.append(rec)
    return {"format": GOLDEN_FORMAT, "version": GOLDEN_VERSION, "task": task, "pair": pair, "labels": list(labels),
            "max_length": max_length, "tokenizer": {"pad_id": tok.pad_id, "empty_id": tok.empty_id},
            "batch": 1, "tolerance": dict(TOLERANCE),
            "made_with": {"onnxruntime": onnxruntime.__version__, "tokenizers": tokenizers.__version__},
            "inputs": inputs}


def write_golden(path: str | Path, record: dict) -> Path:
    """UTF-8 JSON, one input per line block; float32 logits written as their exact shortest repr."""
    path = Path(path)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
