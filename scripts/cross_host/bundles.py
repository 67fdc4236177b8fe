"""Bundle facts for scripts/cross-host.sh (run with the repo's .venv):

    python bundles.py other-range BUNDLE     # "<bits> <preset> <checkpoint>": the export preset that differs from
                                             # the bundle's quantization only in the weight range (8 <-> 7 bits)
    python bundles.py describe DIR NAME...   # JSON {name: task, pair, models, quantization} of DIR/NAME bundles
    python bundles.py same-weights A B       # exit 0 when bundle B exists and was exported from A's checkpoint weights
"""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "exporters")]


def manifest(bundle: str | Path) -> dict:
    return json.loads((Path(bundle) / "manifest.json").read_text(encoding="utf-8"))


def other_range(bundle: str) -> str:
    from edgekd_exporters.quantize import PRESETS, QuantSpec

    m = manifest(bundle)
    fields = {f.name for f in dataclasses.fields(QuantSpec)}
    q = {k: v for k, v in (m.get("quantization") or {}).items() if k in fields and k != "name"}
    want = dataclasses.replace(QuantSpec(**q), reduce_range=not q.get("reduce_range", False))
    preset = next((n for n, s in PRESETS.items() if dataclasses.replace(s, name=want.name) == want), "")
    ckpt = (m.get("provenance") or {}).get("checkpoint", "")
    return f"{7 if want.reduce_range else 8} {preset} {ckpt}"


def describe(folder: str, names: list[str]) -> str:
    out = {}
    for name in names:
        m = manifest(Path(folder) / name)
        q = m.get("quantization") or {}
        out[name] = {"task": m.get("task"), "pair": m.get("pair"), "models": [x["file"] for x in m["models"]],
                     "quantization": q.get("name"),
                     "weight_bits": (7 if q.get("reduce_range") else 8) if q else None,
                     "checkpoint": (m.get("provenance") or {}).get("checkpoint")}
    return json.dumps(out, indent=1)


def same_weights(a: str, b: str) -> bool:
    if not (Path(b) / "manifest.json").is_file():
        return False
    key = "checkpoint_weights_sha256"
    wa, wb = ((manifest(x).get("provenance") or {}).get(key) for x in (a, b))
    return bool(wa) and wa == wb


if __name__ == "__main__":
    if sys.argv[1:2] == ["other-range"] and len(sys.argv) == 3:
        print(other_range(sys.argv[2]))
    elif sys.argv[1:2] == ["same-weights"] and len(sys.argv) == 4:
        raise SystemExit(0 if same_weights(sys.argv[2], sys.argv[3]) else 1)
    elif sys.argv[1:2] == ["describe"] and len(sys.argv) >= 3:
        print(describe(sys.argv[2], sys.argv[3:]))
    else:
        raise SystemExit(__doc__)
