"""Pre-build the runtime tests' bundles: `python -m tests.runtime.make_fixtures OUTDIR` (needs the [export] venv).

CI runs this in the full venv, then runs tests/runtime in a base-only venv (no onnx, no torch) with
EDGEKD_TEST_BUNDLES=OUTDIR, so the runtime is tested exactly as a device would install it.
"""
from __future__ import annotations

import sys
from pathlib import Path

# name -> make_tiny_bundle keyword arguments. "both" puts an fp32 and an int8 model (the default) in one bundle.
FIXTURES = {
    "single": {"pair": False, "precision": "both"},
    "pair": {"pair": True, "precision": "both"},
    "all8": {"pair": False, "precision": "int8", "quant": "all-int8"},   # int8 classifier: MatMulInteger path
}


def build(out_dir: str | Path) -> Path:
    """Build every fixture bundle under `out_dir` (skipping those already there) and return `out_dir`."""
    from tests.helpers.checkpoints import make_tiny_bundle

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, kwargs in FIXTURES.items():
        if not (out / name / "manifest.json").is_file():
            make_tiny_bundle(out / name, seed=0, **kwargs)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.runtime.make_fixtures OUTDIR", file=sys.stderr)
        return 2
    out = build(argv[0])
    print(f"runtime test bundles in {out}: {', '.join(FIXTURES)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
