"""Write a bundle's golden.json: inputs that exercise every encoding rule, with exact ids and expected logits.

The format and the tolerance rule are defined by the runtime (`edgekd_runtime.golden`), which every host's
selftest follows. Expected logits come from the Python runtime's `Bundle.predict` on onnxruntime (its own session
options, 1 thread): each input alone (batch 1), and all inputs in one call with the default batching.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping, Sequence


from edgekd_runtime.encoding import encode_ids, pad_batch
from edgekd_runtime.golden import DEFAULT_BATCHING, GOLDEN_FORMAT, GOLDEN_VERSION, TOLERANCE, TOLERANCE_SOURCE
from edgekd_runtime.int8host import arch_of, cpu_flags, int8_kernels
from edgekd_runtime.manifest import ModelSpec, TokenizerSpec

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
    # Issue 23: characters newer than the Rust crate's Unicode tables (JS engines used to classify them anew).
    ("arabic_unicode14_marks", "ab\u061dcd not the movie \u0637\u061d\u0642 \u0627\u089a\u0651 x\u0890y"),
    ("new_punctuation_ligatures", "\u2e4e\ufb01# \u1b4e\ufb01# \U00016fe2\ufb01# \ufb01nally \ufb00 \ufb03"),
    ("combining_marks_reordering", "a\u1df6\U0001d165 o\U0001e4ec\u0316 e\u0301\u0316\u0334 \u1ac1x\u1dfa \U00013430"),
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


def _predictor(spec: ModelSpec, data: bytes, tokenizer, tok: TokenizerSpec, task: str, labels: Sequence[str],
               pair: bool, max_length: int):
    """The runtime's own `Bundle` over one in-memory model (runtime session options, 1 thread), so the golden
    expectations come from exactly the predict path (encoding, length-sorted batches, padding) hosts reproduce."""
    from edgekd_runtime.bundle import Bundle
    from edgekd_runtime.manifest import Manifest
    from edgekd_runtime.ort_backend import OrtBackend

    man = Manifest(task=task, labels=tuple(labels), pair=pair, max_length=max_length, tokenizer=tok, models=(spec,),
                   default_model=spec.file, files=())
    return Bundle(Path("."), man, spec, tokenizer, OrtBackend(data, threads=1, label=spec.file))


def golden_record(*, tokenizer, tok: TokenizerSpec, task: str, labels: Sequence[str], pair: bool, max_length: int,
                  models: Mapping[ModelSpec, bytes]) -> dict:
    """The golden.json content for models {spec: ONNX bytes}: per input, ids and, per model, the logits of
    that input run alone (batch 1) and its logits inside one `predict` call over all inputs with the runtime's
    default batching (`batched_logits`: int8 rows move a little with their batch mates)."""
    import onnxruntime
    import tokenizers

    items = golden_items(pair, max_length)
    inputs = [_input_record(tokenizer, tok, max_length, pair, name, item) for name, item in items]
    for spec, data in models.items():
        file = spec.file
        b = _predictor(spec, data, tokenizer, tok, task, labels, pair, max_length)
        batched = b.predict([item for _, item in items], **DEFAULT_BATCHING).logits
        for rec, (_, item), row in zip(inputs, items, batched):
            one = b.predict([item]).logits[0]
            rec["expected"][file] = {"logits": [float(x) for x in one], "label": labels[int(one.argmax())],
                                     "batched_logits": [float(x) for x in row]}
    return {"format": GOLDEN_FORMAT, "version": GOLDEN_VERSION, "task": task, "pair": pair, "labels": list(labels),
            "max_length": max_length, "tokenizer": {"pad_id": tok.pad_id, "empty_id": tok.empty_id},
            "batch": 1, "batched": dict(DEFAULT_BATCHING), "tolerance": dict(TOLERANCE),
            "tolerance_source": dict(TOLERANCE_SOURCE),
            "made_with": {"onnxruntime": onnxruntime.__version__, "tokenizers": tokenizers.__version__},
            "expectations": expectations_record(models), "inputs": inputs}


def expectations_record(models: Mapping[ModelSpec, bytes]) -> dict:
    """How the expected logits were made and where they hold (the int8 models' quantization decides)."""
    import platform

    return {"made_by": "edgekd_runtime Bundle.predict on onnxruntime (CPUExecutionProvider, 1 thread): each input "
                       "alone (logits) and all inputs in one call with the default batching (batched_logits)",
            "exporting_host": {"machine": platform.machine(), "int8_kernels": _int8_kernels(platform.machine())},
            "hold_on": "every host the manifest's quantization.golden_hosts names (fp32 models: every host)"}


def _int8_kernels(machine: str) -> str:
    """The int8 dot-product path onnxruntime takes on the exporting host (what the expectations saw)."""
    flags = cpu_flags()
    return "unknown" if flags is None else int8_kernels(flags, arch_of(machine))


def _input_record(tokenizer, tok: TokenizerSpec, max_length: int, pair: bool, name: str, item) -> dict:
    a, b = (item, None) if not pair else item
    ids, pieces = _encode(tokenizer, tok, max_length, a)
    rec: dict = {"name": name, "text": a}
    if pair:
        ids_b, pieces_b = _encode(tokenizer, tok, max_length, b)
        rec |= {"text_pair": b, "ids": ids, "ids_b": ids_b, "pieces": pieces, "pieces_b": pieces_b,
                "truncated": max(pieces, pieces_b) > max_length}
    else:
        rec |= {"ids": ids, "pieces": pieces, "truncated": pieces > max_length}
    rec["expected"] = {}
    return rec


def write_golden(path: str | Path, record: dict) -> Path:
    """UTF-8 JSON, one input per line block; float32 logits written as their exact shortest repr."""
    path = Path(path)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
