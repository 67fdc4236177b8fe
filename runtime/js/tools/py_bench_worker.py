"""Python side of benchmarks/js_bench.mjs: load a bundle, then time batch-1 `Bundle.predict` rounds on request.

stdin: one JSON command per line: {"cmd": "load", "bundle": DIR, "model": null, "items": [...]} ->
{"load_ms": [...]}; {"cmd": "round", "warmup": N} -> {"ns": [per-call ns ...]}; {"cmd": "quit"}.
Timing as edgekd_runtime/bench.py: one item per predict call, tokenization included, 1 onnxruntime thread,
the cyclic GC kept out of the timed loop.
"""
from __future__ import annotations

import gc
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from edgekd_runtime import Bundle  # noqa: E402


def main() -> int:
    bundle = None
    items: list = []
    for line in sys.stdin:
        req = json.loads(line)
        if req["cmd"] == "quit":
            break
        if req["cmd"] == "load":
            items = [tuple(x) if isinstance(x, list) else x for x in req["items"]]
            loads = []
            for _ in range(int(req.get("repeat", 5))):
                t0 = time.perf_counter_ns()
                bundle = Bundle.load(req["bundle"], model=req.get("model"), threads=1)
                loads.append((time.perf_counter_ns() - t0) / 1e6)
            out = {"load_ms": loads}
        elif req["cmd"] == "round":
            assert bundle is not None
            for x in items[:int(req.get("warmup", 0))]:
                bundle.predict([x])
            ns = []
            gc.collect()
            gc.disable()
            try:
                for x in items:
                    t0 = time.perf_counter_ns()
                    bundle.predict([x])
                    ns.append(time.perf_counter_ns() - t0)
            finally:
                gc.enable()
            out = {"ns": ns}
        else:
            out = {"error": f"unknown command {req['cmd']}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
