"""Write runtime/js/src/core/rust_unicode.js: the character classes of the Rust `tokenizers` BERT pipeline.

The JS tokenizer must give the word pieces of the Rust `tokenizers` crate (the reference: training, export
and the Python runtime use it) on every text. The Rust BertNormalizer / BertPreTokenizer classify characters with
tables frozen at old Unicode versions (the `unicode_categories` crate for control / punctuation / Mn, the
`unicode-normalization-alignments` crate, Unicode 9.0, for NFD), and Rust std (its own Unicode version) for
whitespace and lowercasing; a JS engine's `\\p{..}`, `normalize` and `toLowerCase` follow its ICU, today Unicode
15-17. So the classes are read here from the installed `tokenizers` itself, one code point at a time:

  CONTROL     removed by clean_text (NUL, U+FFFD and the crate's Cc/Cf/Co; \\t \\n \\r excluded)
  WHITESPACE  char::is_whitespace (clean_text maps it to " ", BertPreTokenizer splits on it)
  PUNCT       isolated by BertPreTokenizer (ASCII punctuation or the crate's P* categories)
  MN          removed by strip_accents after NFD (the crate's Mn), among code points NFD leaves alone
  NFD_ACTIVE  code points the Rust NFD decomposes or gives a non-zero combining class; every other code point
              is, for Rust, a starter without decomposition (it blocks canonical reordering)
  LOWER       char::to_lowercase, as runs (start, count, stride, delta), plus the multi-character mappings

Run after upgrading `tokenizers`: `.venv/bin/python runtime/js/tools/gen_rust_unicode.py` (about 10 s). The JS
tests and benchmarks/js_tokenizer_diff.mjs then check every code point and mixed-script texts against it.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "core" / "rust_unicode.js"
LOW_MARK, HIGH_MARK = "\u0334", "\u0345"        # combining classes 1 and 240: the lowest and highest non-zero


def probe():
    """Per-class sorted code point lists (and the lowercase map) of the installed Rust `tokenizers`."""
    from tokenizers import normalizers as N, pre_tokenizers as P

    clean = N.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False,
                             lowercase=False).normalize_str
    strip = N.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True,
                             lowercase=False).normalize_str
    nfd, low = N.NFD().normalize_str, N.Lowercase().normalize_str
    pre = P.BertPreTokenizer().pre_tokenize_str
    sets: dict[str, list[int]] = {k: [] for k in ("CONTROL", "WHITESPACE", "PUNCT", "MN", "NFD_ACTIVE")}
    lower: dict[int, str] = {}
    for c in range(0x110000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        ch = chr(c)
        if clean(ch) == "":
            sets["CONTROL"].append(c)
        words = [w for w, _ in pre("a" + ch + "b")]
        if words == ["a", "b"]:
            sets["WHITESPACE"].append(c)
        elif words == ["a", ch, "b"]:
            sets["PUNCT"].append(c)
        elif words != ["a" + ch + "b"]:
            raise SystemExit(f"U+{c:04X}: unexpected BertPreTokenizer split {words}")
        if nfd(ch) != ch:
            sets["NFD_ACTIVE"].append(c)
        else:
            if strip(ch) == "":
                sets["MN"].append(c)
            # a non-zero class reorders against class 1 after it or class 240 before it
            if nfd("a" + ch + LOW_MARK) != "a" + ch + LOW_MARK or nfd("a" + HIGH_MARK + ch) != "a" + HIGH_MARK + ch:
                sets["NFD_ACTIVE"].append(c)
        if low(ch) != ch:
            lower[c] = low(ch)
    return sets, lower


def ranges(cps: list[int]) -> str:
    """Sorted code points -> hex "gap.extra" pairs: gap after the previous range's end, range length - 1."""
    out: list[list[int]] = []
    for c in cps:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    prev, parts = -1, []
    for a, b in out:
        parts.append(f"{a - prev - 1:x}.{b - a:x}")
        prev = b
    return ",".join(parts)


def lower_runs(lower: dict[int, str]) -> tuple[str, dict[int, str]]:
    """One-character lowercase mappings as runs "start.count.stride.delta" (hex, delta signed)."""
    runs: list[list[int]] = []      # [start, count, stride, delta]
    multi = {}
    for c in sorted(lower):
        if len(lower[c]) != 1:
            multi[c] = lower[c]
            continue
        d = ord(lower[c]) - c
        if runs and runs[-1][3] == d:
            r = runs[-1]
            last = r[0] + (r[1] - 1) * r[2]
            if (r[1] == 1 and c - last in (1, 2)) or c - last == r[2]:
                r[2], r[1] = c - last, r[1] + 1
                continue
        runs.append([c, 1, 1, d])
    return ",".join(f"{a:x}.{n:x}.{s:x}.{d:x}" if d >= 0 else f"{a:x}.{n:x}.{s:x}.-{-d:x}"
                    for a, n, s, d in runs), multi


def render() -> str:
    """The text of rust_unicode.js for the installed `tokenizers`."""
    import tokenizers

    sets, lower = probe()
    runs, multi = lower_runs(lower)
    lines = [
        "// GENERATED by runtime/js/tools/gen_rust_unicode.py from Rust `tokenizers` "
        f"{tokenizers.__version__}: do not edit.",
        "// Character classes of the Rust BertNormalizer / BertPreTokenizer, read from the crate code point by code",
        "// point (see the generator's docstring). Ranges: comma-separated hex \"gap.extra\" pairs, a range being",
        "// [prev + 1 + gap, prev + 1 + gap + extra] (prev: the previous range's last code point; first -1).",
        "",
    ]
    for name, cps in sets.items():
        lines.append(f"export const {name} = '{ranges(cps)}';")
    lines.append("/** char::to_lowercase, one character: hex runs \"start.count.stride.delta\" (delta signed). */")
    lines.append(f"export const LOWER = '{runs}';")
    lines.append("/** char::to_lowercase, several characters: decimal code point -> lowercase string. */")
    lines.append(f"export const LOWER_MULTI = {json.dumps({str(k): v for k, v in multi.items()}, ensure_ascii=True)};")
    return "\n".join(lines) + "\n"


def main() -> int:
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
