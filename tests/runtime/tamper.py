"""Edit a bundle the way an attacker or a broken copy would, then re-sign it: update the manifest's sha256 and
size so every checksum passes, and only the golden vectors can tell the bundle no longer does what it says."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from edgekd_runtime.manifest import sha256_file
from edgekd_runtime.onnx_proto import parse_model


def resign(bundle: Path) -> None:
    """Recompute size and sha256 of every file listed in manifest.json."""
    path = bundle / "manifest.json"
    man = json.loads(path.read_text(encoding="utf-8"))
    for f in man["files"]:
        p = bundle / f["path"]
        f["sha256"], f["bytes"] = sha256_file(p), p.stat().st_size
    path.write_text(json.dumps(man, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def flip_model_byte(bundle: Path, model_file: str) -> None:
    """Change ONE byte of the ONNX file: bit 6 of the top byte of the first classifier bias (`out_b[0]`), which
    moves that float32 by orders of magnitude (0.0 becomes 2.0); the model still parses and runs."""
    path = bundle / model_file
    data = bytearray(path.read_bytes())
    bias = np.asarray(parse_model(bytes(data), decode=True).graph.initializers["out_b"].array, dtype="<f4")
    raw = bias.tobytes()
    at = bytes(data).find(raw)
    assert at >= 0 and bytes(data).find(raw, at + 1) < 0, "out_b bytes not found exactly once"
    data[at + 3] ^= 0x40
    path.write_bytes(bytes(data))
    resign(bundle)


def flip_golden_byte(bundle: Path) -> str:
    """Change ONE byte of golden.json: the units digit (+5 mod 10) of the first expected logit with |x| >= 0.5
    written without an exponent, so the expectation moves by at least 5. Returns the edited number's text."""
    path = bundle / "golden.json"
    text = path.read_text(encoding="utf-8")
    g = json.loads(text)
    for rec in g["inputs"]:
        for exp in rec["expected"].values():
            for x in exp["logits"]:
                r = repr(float(x))
                if abs(x) >= 0.5 and "e" not in r and abs(x) < 10 and text.count(r) >= 1:
                    at = text.index(r) + (1 if r.startswith("-") else 0)
                    d = str((int(text[at]) + 5) % 10)
                    path.write_text(text[:at] + d + text[at + 1:], encoding="utf-8")
                    resign(bundle)
                    return r
    raise AssertionError("no expected logit with 0.5 <= |x| < 10 in golden.json")
def edit_golden(bundle: Path, edit) -> None:
    """Apply `edit(golden_dict)` to golden.json, rewrite it and re-sign the bundle."""
    path = bundle / "golden.json"
    g = json.loads(path.read_text(encoding="utf-8"))
    edit(g)
    path.write_text(json.dumps(g, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    resign(bundle)
