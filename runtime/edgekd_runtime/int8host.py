"""Which int8 kernels onnxruntime uses on a CPU, from its /proc/cpuinfo flags: the one place that names them.

It matters for bundles with full 8-bit weights (quantization preset "vnni"): onnxruntime's x86 AVX2 kernels
(VPMADDUBSW) add pairs of u8 x s8 products into a saturating int16, so those weights give other logits there than
with VNNI, AMX or on arm64, where the products are summed exactly. 7-bit weights (every other preset) cannot
saturate. Used by the build's host plan (`edgekd.host`), golden files' `expectations` (the exporters) and the
selftest's hint (`golden.host_hint`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

VNNI_FLAGS = ("amx_int8", "avx512_vnni", "avx_vnni")       # exact int8 dot products on x86-64, best first
_NAMES = {"amx_int8": "AMX", "avx512_vnni": "AVX-512 VNNI", "avx_vnni": "AVX-VNNI"}
SATURATING = "AVX2"


def cpu_flags(cpuinfo: str | None = None) -> set[str] | None:
    """The flags of /proc/cpuinfo (or of the given text); None where it cannot be read."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return None
    return set(cpuinfo.split())


def int8_kernels(flags: Iterable[str], arch: str) -> str:
    """The int8 dot-product path for `arch` ("x86-64", "arm64", ...) with these CPU flags, e.g. "AMX", "AVX2"."""
    flags = set(flags)
    if arch == "arm64":
        return "arm64 dot product" if "asimddp" in flags else "arm64 NEON"
    if arch != "x86-64":
        return "unknown"
    for flag in VNNI_FLAGS:
        if flag in flags:
            return _NAMES[flag]
    return SATURATING if "avx2" in flags else "SSE"


def arch_of(machine: str) -> str:
    """platform.machine() -> "x86-64" | "arm64" | the name itself."""
    m = machine.lower()
    return "x86-64" if m in ("x86_64", "amd64") else "arm64" if m in ("aarch64", "arm64") else m
