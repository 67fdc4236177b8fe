"""Peak resident memory of this process, and the fresh child `edgekd-run bench` measures it in.

The peak is Linux's VmHWM (the high-water RSS of this process image only). `ru_maxrss` of RUSAGE_SELF is not
usable on Linux for a child, because execve carries the parent's high-water mark over into it (a child of a
400 MB profiler reports >= 400 MB); it is the fallback where /proc is absent (bytes on macOS, KiB elsewhere).
`edgekd profile`'s own child (`edgekd.profiling.rss_child`, which builds teachers too) reads memory through here.

`python -m edgekd_runtime.rss ARGS_JSON` imports the runtime, loads a bundle, predicts its bench texts at batch 1
and then with the library defaults, and prints one JSON line of RSS readings (MB) after each step.
Standard library only at import time.
"""
from __future__ import annotations

import json
import os
import resource
import sys


def rss_now_mb() -> float | None:
    """Current RSS of this process (Linux /proc/self/statm), or None."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def vm_hwm_mb() -> float | None:
    """High-water RSS of this process image (Linux VmHWM), or None where /proc is absent."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024          # kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def ru_maxrss_mb() -> float:
    """getrusage's peak RSS of this process (inherited across execve on Linux: see the module docstring)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024   # bytes on macOS, KiB on Linux


def peak_rss_mb() -> tuple[float, str]:
    """(peak RSS in MB, how it was read: "VmHWM" or "ru_maxrss")."""
    hwm = vm_hwm_mb()
    return (hwm, "VmHWM") if hwm is not None else (ru_maxrss_mb(), "ru_maxrss")


def main(argv: list[str]) -> int:
    """The bench child: {"bundle", "backend", "model", "threads", "texts", "limit"} as one JSON argument."""
    a = json.loads(argv[0])
    import numpy  # noqa: F401  (counted in the import reading, as a user's process would)
    import tokenizers  # noqa: F401

    from edgekd_runtime import Bundle
    from edgekd_runtime.bench import bench_items
    if a["backend"] == "onnxruntime":
        import onnxruntime  # noqa: F401
    imports, _ = peak_rss_mb()
    b = Bundle.load(a["bundle"], backend=a["backend"], model=a["model"], threads=a["threads"])
    loaded, _ = peak_rss_mb()
    items, _ = bench_items(b, a["texts"], a["limit"])
    for x in items[:300]:
        b.predict([x])
    batch1, _ = peak_rss_mb()
    b.predict(items)                                  # the library defaults: batch_size 64, max_tokens 512
    peak, how = peak_rss_mb()
    print(json.dumps({"import_rss_mb": imports, "loaded_rss_mb": loaded, "batch1_rss_mb": batch1,
                      "peak_rss_mb": peak, "measured_by": how, "torch_imported": "torch" in sys.modules}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
