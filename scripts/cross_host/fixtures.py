"""Small random bundles for the cross-host checks: `python fixtures.py OUTDIR` (needs the repo's .venv with [export]).

Four bundles, each with an int8 and an fp32 model: single-sentence and pair, with 8-bit weights ("-w8", the
weights whose u8 x s8 pair sums saturate on AVX2 without VNNI) and with 7-bit weights ("-w7", reduce_range).
The quantization spec is given field by field, so the bundles stay the same whatever the presets are named.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "exporters")]

FIXTURES = {f"{kind}-w{bits}": (kind == "pair", bits == 7) for kind in ("single", "pair") for bits in (8, 7)}


def build(out: Path) -> list[Path]:
    from edgekd_exporters.quantize import QuantSpec
    from tests.helpers.checkpoints import make_tiny_bundle

    made = []
    for name, (pair, reduce_range) in FIXTURES.items():
        target = out / name
        if not (target / "manifest.json").is_file():
            spec = QuantSpec(name=f"cross-host-w{7 if reduce_range else 8}", reduce_range=reduce_range)
            make_tiny_bundle(target, pair=pair, precision="both", seed=0, quant=spec)
        made.append(target)
    return made


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: fixtures.py OUTDIR")
    print("\n".join(str(p) for p in build(Path(sys.argv[1]))))
