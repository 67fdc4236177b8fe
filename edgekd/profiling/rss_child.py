"""Peak-RSS child: `python -m edgekd.profiling.rss_child SPEC.json` builds one system in a fresh process, predicts
the given items, and prints its own peak RSS (and CUDA peak memory) as one JSON line.

A fresh process gives the system's own figure: nothing else the parent loaded (torch for a student, the
other models) is counted. The student path imports only the runtime, and the output says whether torch
was imported. Memory is read by `edgekd_runtime.rss` (VmHWM, and why not `ru_maxrss`, which is still recorded
for platforms without /proc).
"""
from __future__ import annotations

import json
import sys
import time

from edgekd_runtime.rss import ru_maxrss_mb, rss_now_mb, vm_hwm_mb


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as f:
        job = json.load(f)
    spec, items, batch = job["spec"], [x if isinstance(x, str) else tuple(x) for x in job["items"]], job["batch"]
    from .systems import build, set_thread_env

    set_thread_env(spec["threads"])
    t0 = time.perf_counter()
    system = build(spec)
    loaded_rss = rss_now_mb()
    for i in range(0, len(items), batch):
        system.predict(items[i:i + batch])
    hwm, ru = vm_hwm_mb(), ru_maxrss_mb()
    out = {"peak_rss_mb": hwm if hwm is not None else ru, "peak_source": "VmHWM" if hwm is not None else "ru_maxrss",
           "ru_maxrss_mb": ru, "rss_after_load_mb": loaded_rss, "items": len(items), "batch": batch,
           "seconds": time.perf_counter() - t0, "torch_imported": "torch" in sys.modules}
    if system.device == "cuda":
        import torch
        out["cuda_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
