"""The JS runtime's tokenizer gives the Rust `tokenizers` ids on adversarial mixed-script texts (issue 23).

Texts: tests/runtime/mixed_script.py (seeded). Tokenizers: BERT pipelines whose vocabulary holds every character
(so [UNK] hides no difference) under each BertNormalizer setting, and the teacher's BERT vocabulary extended the
same way when the teacher package is installed. Node runs runtime/js/tools/encode_ids.mjs (src/core/tokenizer.js);
compared: all word-piece ids, and the ids fed to the model after truncation to max_length (Python: encoding.pad_batch,
JS: encoding.js rowIds).
Needs node (>= 20) and runtime/js/node_modules (`npm ci --ignore-scripts` in runtime/js); skipped without them.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.runtime import mixed_script

pytest.importorskip("tokenizers")

JS = Path(__file__).resolve().parents[2] / "runtime" / "js"
SCRIPT = JS / "tools" / "encode_ids.mjs"
MAX_LENGTH, EMPTY_ID = 64, 1
SEED, N = 23, 2000


def _node() -> str:
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "@huggingface" / "tokenizers").is_dir():
        pytest.skip("needs node and runtime/js/node_modules (cd runtime/js && npm ci --ignore-scripts)")
    return node


def js_ids(tokenizers: list[str], texts: list[str]) -> dict:
    """{"ids", "fed"} per tokenizer JSON, from the JS runtime's WordPieces."""
    req = json.dumps({"tokenizers": tokenizers, "texts": texts, "max_length": MAX_LENGTH, "empty_id": EMPTY_ID})
    r = subprocess.run([_node(), str(SCRIPT)], input=req, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _report(name: str, texts: list[str], want: list[list[int]], got: list[list[int]]) -> str:
    bad = [i for i, (a, b) in enumerate(zip(want, got)) if a != b]
    lines = [f"{name}: {len(bad)} of {len(texts)} texts get other ids in JS"]
    for i in bad[:5]:
        k = next((j for j, (a, b) in enumerate(zip(want[i], got[i])) if a != b), min(len(want[i]), len(got[i])))
        rust, js = want[i][k:k + 4], got[i][k:k + 4]
        lines.append(f"  text {i} {texts[i]!r}: first difference at piece {k}: rust {rust} js {js}")
    return "\n".join(lines)


def test_generator_is_deterministic_and_adversarial():
    a, b = mixed_script.texts(SEED, 300), mixed_script.texts(SEED, 300)
    assert a == b and a != mixed_script.texts(SEED + 1, 300)
    joined = "".join(a)
    for c in ("\u061d", "\ufb01", "\u200d", "\u0130"):
        assert c in joined, f"U+{ord(c):04X} never drawn"
    assert any(len(w) > 100 for t in a for w in t.split()), "no word over the 100-character limit"


def test_js_ids_equal_rust_ids_on_mixed_script_texts():
    texts = mixed_script.texts(SEED, N)
    refs = mixed_script.reference(texts, max_length=MAX_LENGTH, empty_id=EMPTY_ID)
    got = js_ids([r["tokenizer"] for r in refs], texts)
    failures = []
    for k, ref in enumerate(refs):
        if got["ids"][k] != ref["ids"]:
            failures.append(_report(ref["name"], texts, ref["ids"], got["ids"][k]))
        if got["fed"][k] != ref["fed"]:
            failures.append(_report(ref["name"] + f" (fed, max_length {MAX_LENGTH})", texts, ref["fed"], got["fed"][k]))
    assert not failures, "\n".join(failures)
    assert any(len(x) > MAX_LENGTH for x in refs[0]["ids"]), "no text was truncated"


# Minimal texts of the differences found for issue 23 (each one differed before the fix).
KNOWN = [
    "ab\u061dcd not the movie",              # U+061D (Unicode 14): punctuation for ICU, a letter for Rust
    "\u0637\u061d \u061d\u0642",
    "\u2e4e\ufb01# \u1b4e\ufb01# \U00016fe2\ufb01#",   # newer punctuation: Rust keeps "⹎ﬁ" one word, then "#"
    "a\u089a b\u1ac1 c\u1df6",                # marks newer than Rust's tables: kept by Rust, stripped by ICU
    "x\u0890y \U00013430z",                  # format characters newer than Rust's tables: kept by Rust
    "a\u1df6\U0001d165 o\U0001e4ec\u0316",     # canonical reordering: ICU reorders, Rust's NFD (9.0) does not
]


def test_known_differences():
    refs = mixed_script.reference(KNOWN)
    got = js_ids([r["tokenizer"] for r in refs], KNOWN)
    for k, ref in enumerate(refs):
        assert got["ids"][k] == ref["ids"], _report(ref["name"], KNOWN, ref["ids"], got["ids"][k])


def test_rust_unicode_tables_are_current():
    """runtime/js/src/core/rust_unicode.js is what runtime/js/tools/gen_rust_unicode.py reads from the installed
    `tokenizers` now (after a `tokenizers` upgrade: rerun the generator)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_rust_unicode", JS / "tools" / "gen_rust_unicode.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert gen.OUT.read_text(encoding="utf-8") == gen.render(), "stale: run runtime/js/tools/gen_rust_unicode.py"
