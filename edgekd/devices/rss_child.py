"""Peak-RSS child: `python -m edgekd.devices.rss_child SPEC.json` builds one system in a fresh process, predicts
the given items, and prints its own peak RSS (and CUDA peak memory) as one JSON line.

A fresh process gives the system's own figure: nothing else the parent loaded (torch for a student, the
other models) is counted. The student path imports only the runtime, and the output says whether torch
was imported. The peak is Linux's VmHWM (high-water RSS of this process's own address space): `ru_maxrss`
of RUSAGE_SELF is not usable here, because execve carries the parent's high-water mark over into the child
(a child of a 400 MB profiler reports >= 400 MB). `ru_maxrss` is still recorded, for platforms without /proc.
"""
from __future__ import annotations

import json
import resource
import sys
import time


def _rss_now_mb() -> float | None:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        import os
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def _vm_hwm_mb() -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024          # kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def _ru_maxrss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024   # bytes on macOS, KiB on Linux


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as f:
        job = json.load(f)
    spec, items, batch = job["spec"], [x if isinstance(x, str) else tuple(x) for x in job["items"]], job["batch"]
    from .systems import build, set_thread_env

    set_thread_env(spec["threads"])
    t0 = time.perf_counter()
    system = build(spec)
    loaded_rss = _rss_now_mb()
    for i in range(0, len(items), batch):
        system.predict(items[i:i + batch])
    hwm, ru = _vm_hwm_mb(), _ru_maxrss_mb()
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
