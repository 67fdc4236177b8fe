"""CI's verdict on a `scripts/cross-host.sh` results.json: every 7-bit-weight bundle (name ending in -w7) passes
its golden-vector selftest on every host and runtime, and the emulated AVX2 CPU really is one (an 8-bit-weight
bundle fails there with onnxruntime, as onnxruntime's saturating AVX2 int8 kernels make it), so the first check is
not vacuous.

    python scripts/cross_host/check_ci.py RESULTS_DIR/results.json
"""
from __future__ import annotations

import json
import sys


def verdict(results: dict) -> list[str]:
    """The problems found (empty: CI passes)."""
    tests = results.get("selftests", [])
    problems = [f"{t['host']} {t['bundle']} {t['runtime']}: selftest failed ({t.get('failure') or 'exit ' + str(t['rc'])})"
                for t in tests if t["bundle"].endswith("-w7") and not t["ok"]]
    hosts = {t["host"] for t in tests if t["bundle"].endswith("-w7")}
    problems += [f"no selftest of a 7-bit bundle ran on {h}" for h in ("native", "haswell", "arm64") if h not in hosts]
    if not any(t["host"] == "haswell" and t["runtime"] == "onnxruntime" and t["bundle"].endswith("-w8") and not t["ok"]
               for t in tests):
        problems.append("no 8-bit bundle failed under qemu -cpu Haswell: the emulated CPU did not take onnxruntime's "
                        "AVX2 int8 path, so the AVX2 check proves nothing")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        problems = verdict(json.load(f))
    for p in problems:
        print(f"cross-host: {p}", file=sys.stderr)
    print("cross-host: " + ("FAILED" if problems else "7-bit bundles pass on every host; 8-bit ones fail on AVX2 as expected"))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
