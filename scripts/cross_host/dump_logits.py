"""Logits of every input row through the Python runtime, on whatever host runs this (native, qemu, chroot).

    python dump_logits.py info                       # JSON: machine, versions, the SIMD features numpy detected
    python dump_logits.py dump BUNDLE INPUTS.json OUTDIR [--backend onnxruntime|numpy] [--limit N] [--model M]

`dump` writes OUTDIR/<model file>.<backend>.json ({"logits": [[...]], ...}) for every model of the bundle (or the
one --model names: file or precision), with
one onnxruntime thread. Needs only edgekd_runtime (on PYTHONPATH) and its dependencies, so it runs in the
arm64 chroot exactly as on the host. Wall times are deliberately not recorded: under emulation they mean nothing.
"""
from __future__ import annotations

import json
import os
import platform
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")           # before numpy loads: one BLAS thread, as edgekd-run sets

FEATURES = ("SSE42", "AVX", "AVX2", "FMA3", "AVX512F", "AVX512_SKX", "AVX512VNNI", "AVX512_CLX", "AVX512_SPR",
            "ASIMD", "ASIMDHP", "ASIMDDP", "SVE")


def host_info() -> dict:
    import numpy as np
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    except ImportError:                          # numpy < 2
        from numpy.core._multiarray_umath import __cpu_features__ as feats
    info = {"machine": platform.machine(), "python": platform.python_version(), "numpy": np.__version__,
            "numpy_cpu_features": {k: bool(feats[k]) for k in FEATURES if k in feats}}
    try:
        import onnxruntime as ort
        info["onnxruntime"] = ort.get_version_string()
    except ImportError:
        info["onnxruntime"] = None
    return info


def load_inputs(path: str, limit: int | None) -> list:
    with open(path, encoding="utf-8") as f:
        rows = json.load(f)["rows"]
    rows = [tuple(r) if isinstance(r, list) else r for r in rows]
    return rows[:limit] if limit else rows


def dump(bundle_dir: str, inputs: str, out_dir: str, backend: str, limit: int | None, only: str | None) -> None:
    from edgekd_runtime import Bundle

    rows = load_inputs(inputs, limit)
    with open(os.path.join(bundle_dir, "manifest.json"), encoding="utf-8") as f:
        files = [m["file"] for m in json.load(f)["models"] if only in (None, m["file"], m["precision"])]
    os.makedirs(out_dir, exist_ok=True)
    for file in files:
        b = Bundle.load(bundle_dir, backend=backend, model=file, threads=1)
        spec = b.spec
        pred = b.predict(rows)
        rec = {"bundle": bundle_dir, "model": spec.file, "precision": spec.precision, "backend": backend,
               "inputs": inputs, "rows": len(rows), "host": host_info(),
               "logits": [[float(x) for x in row] for row in pred.logits]}
        path = os.path.join(out_dir, f"{spec.file}.{backend}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(rec, f)
        print(f"{path}: {len(rows)} rows")


def main(argv: list[str]) -> int:
    if argv[:1] == ["info"]:
        print(json.dumps(host_info()))
        return 0
    if len(argv) < 4 or argv[0] != "dump":
        print(__doc__, file=sys.stderr)
        return 2
    opts = dict(zip(argv[4::2], argv[5::2]))
    limit = int(opts["--limit"]) if opts.get("--limit") else None
    dump(argv[1], argv[2], argv[3], opts.get("--backend", "onnxruntime"), limit, opts.get("--model"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
