"""Batch-1 cost of onnxruntime session options on a bundle's model: session.run only (ids precomputed), CPU and wall
microseconds per call, every variant interleaved round by round, medians.

    PYTHONPATH=.:runtime:exporters:contract python benchmarks/perf_ort_options.py \\
        --bundle /work/main/runs/js/sst2-bundle --texts /work/shared/data/glue/SST-2/dev.tsv --out benchmarks/results/perf
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np


def variants(model: bytes, ort, session_options) -> dict:
    def sess(opt="all", arena=True, extra=None, parallel=False, threads=1):
        so = session_options(threads, opt, extra, arena)
        if parallel:
            so.execution_mode = ort.ExecutionMode.ORT_PARALLEL
        return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    return {"runtime default (1 thread, all, arena on)": sess(), "optimization=disable": sess("disable"),
            "optimization=basic": sess("basic"), "optimization=extended": sess("extended"),
            "arena off": sess(arena=False), "execution mode parallel": sess(parallel=True),
            "prepacking off": sess(extra={"session.disable_prepacking": "1"}),
            "2 threads, no spinning (runtime's)": sess(threads=2),
            "2 threads, spinning": sess(threads=2, extra={"session.intra_op.allow_spinning": "1"})}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--texts", required=True)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)
    import onnxruntime as ort

    from edgekd_runtime import Bundle
    from edgekd_runtime.ort_backend import session_options
    from edgekd_runtime.textio import read_items
    b = Bundle.load(a.bundle)
    items = read_items(a.texts, b.pair, None)
    if b.pair:
        raise SystemExit("single-sentence bundles only")
    feeds = []
    for ids in b._ids(items):
        ids = ids[:b.max_length] or [b.manifest.tokenizer.empty_id]
        feeds.append({"input_ids": np.array([ids], dtype=np.int64), "lengths": np.array([len(ids)], dtype=np.int64)})
    sessions = variants((Path(b.root) / b.spec.file).read_bytes(), ort, session_options)

    def plain(s):
        for f in feeds:
            s.run(["logits"], f)

    def iobinding(s):
        io = s.io_binding()
        for f in feeds:
            for k, v in f.items():
                io.bind_cpu_input(k, v)
            io.bind_output("logits")
            s.run_with_iobinding(io)
            io.copy_outputs_to_cpu()
    fns = {k: (lambda s=s: plain(s)) for k, s in sessions.items()}
    fns["IO binding (default session)"] = lambda: iobinding(sessions["runtime default (1 thread, all, arena on)"])
    got = {k: ([], []) for k in fns}
    load0 = os.getloadavg()
    for _ in range(a.rounds):
        for k, f in fns.items():
            c0, t0 = time.process_time(), time.perf_counter()
            f()
            got[k][0].append((time.perf_counter() - t0) / len(feeds) * 1e6)
            got[k][1].append((time.process_time() - c0) / len(feeds) * 1e6)
    res = {k: {"wall_us": float(np.median(w)), "cpu_us": float(np.median(c))} for k, (w, c) in got.items()}
    base = res["runtime default (1 thread, all, arena on)"]
    lines = [f"# onnxruntime session options at batch 1 ({b.spec.file}, {len(feeds)} texts, {a.rounds} rounds)", "",
             f"load average {[round(x, 2) for x in load0]} -> {[round(x, 2) for x in os.getloadavg()]}", "",
             "| variant | wall us/call | CPU us/call | CPU vs default |", "|---|---|---|---|"]
    lines += [f"| {k} | {v['wall_us']:.1f} | {v['cpu_us']:.1f} | {v['cpu_us'] / base['cpu_us']:.2f} |" for k, v in res.items()]
    md = "\n".join(lines)
    print(md)
    if a.out:
        Path(a.out).mkdir(parents=True, exist_ok=True)
        (Path(a.out) / "ort_options.json").write_text(json.dumps(res, indent=2) + "\n")
        (Path(a.out) / "ort_options.md").write_text(md + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
