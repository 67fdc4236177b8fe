"""Where a bundle's batch-1 time goes: the onnxruntime session alone, the tokenizer alone, and `Bundle.predict`
(both plus the runtime's encoding), on the same SST-2 dev sentences, 1 thread, bundles timed one after another.

    python -m benchmarks.latency_breakdown BUNDLE [BUNDLE ...] [--n 300] [--data-dir GLUE]

Not interleaved (benchmarks/compare.py is, for the headline numbers); this only splits a p50 into its parts.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np


def breakdown(path: str, texts: list[str]) -> dict:
    from edgekd_runtime import Bundle

    b = Bundle.load(path)
    m = b.manifest
    ids = [b.tokenizer.encode(t, add_special_tokens=False).ids[:m.max_length] or [m.tokenizer.empty_id] for t in texts]
    feeds = [{"input_ids": np.array([x], np.int64), "lengths": np.array([len(x)], np.int64)} for x in ids]
    s = b.backend.session

    def per_call_us(fn, items) -> float:
        for x in items[:20]:
            fn(x)
        t0 = time.perf_counter()
        for x in items:
            fn(x)
        return (time.perf_counter() - t0) / len(items) * 1e6

    return {"bundle": path, "kind": m.student.get("kind"),
            "session_run_us": per_call_us(lambda f: s.run(None, f), feeds),
            "tokenize_us": per_call_us(lambda t: b.tokenizer.encode(t, add_special_tokens=False), texts),
            "predict_us": per_call_us(lambda t: b.predict([t]), texts)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bundles", nargs="+")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--data-dir", default=None)
    a = ap.parse_args()
    from edgekd.tasks import get_task, load_split

    texts = list(load_split(get_task("sst2"), "dev", a.data_dir).texts)[:a.n]
    print(json.dumps([breakdown(p, texts) for p in a.bundles], indent=1))


if __name__ == "__main__":
    main()
