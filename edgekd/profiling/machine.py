"""Facts about the host a profile runs on (CPU, ISA flags, cores, memory, GPU, library versions), and whether it
matches a profile, so results are only ever recorded on the hardware a profile describes."""
from __future__ import annotations

import importlib.metadata
import os
import platform
from pathlib import Path
from typing import Any, Mapping

from edgekd_runtime.profile import KNOWN_FEATURES, DeviceProfile

_ARCH_ALIASES = {"x86_64": "x86-64", "amd64": "x86-64", "aarch64": "arm64", "arm64": "arm64"}
LIBRARIES = ("edgekd", "numpy", "onnxruntime", "tokenizers", "torch", "transformers", "onnx", "matplotlib")


def host_arch() -> str:
    m = platform.machine().lower()
    return _ARCH_ALIASES.get(m, m)


def cpu_info(text: str | None = None) -> dict[str, Any]:
    """CPU model and the full flag set from /proc/cpuinfo ("flags" on x86, "Features" on arm64)."""
    if text is None:
        try:
            text = Path("/proc/cpuinfo").read_text()
        except OSError:
            text = ""
    model, flags = platform.processor() or "unknown", set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "hardware", "cpu model") and value.strip() and model in ("unknown", "", "x86_64"):
            model = value.strip()
        elif key in ("flags", "features") and not flags:
            flags = set(value.split())
    return {"model": model, "flags": flags}


def host_facts() -> dict[str, Any]:
    """JSON-able machine facts for the report: CPU, relevant ISA flags, cores, memory, GPU, versions."""
    arch = host_arch()
    info = cpu_info()
    relevant = KNOWN_FEATURES.get(arch, frozenset())
    facts: dict[str, Any] = {
        "arch": arch,
        "cpu_model": info["model"],
        "isa_flags": sorted(info["flags"] & relevant),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_total_mb": _mem_total_mb(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "libraries": library_versions(),
        "gpu": gpu_name(),
        "onnxruntime_providers": ort_providers(),
    }
    return facts


def library_versions(names=LIBRARIES) -> dict[str, str | None]:
    out = {}
    for n in names:
        try:
            out[n] = importlib.metadata.version(n)
        except importlib.metadata.PackageNotFoundError:
            out[n] = None
    return out


def gpu_name() -> str | None:
    """The CUDA device name, or None (torch is only asked if it is installed)."""
    try:
        import torch
    except ImportError:
        return None
    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None


def ort_providers() -> list[str]:
    try:
        import onnxruntime as ort
    except ImportError:
        return []
    return list(ort.get_available_providers())


def host_mismatches(profile: DeviceProfile, facts: Mapping[str, Any]) -> list[str]:
    """Why this host is not the hardware `profile` describes (empty list: it is). Pure, for testing.

    The ISA must match and every listed feature must be present; the host needs at least `threads` usable
    CPUs; each onnxruntime provider must be available; a teacher device of only "cuda" needs a GPU.
    """
    why = []
    if facts.get("arch") != profile.isa.arch:
        why.append(f"the profile is for {profile.isa.arch}, this host is {facts.get('arch')}")
    else:
        missing = [f for f in profile.isa.features if f not in set(facts.get("isa_flags", ()))]
        if missing:
            why.append(f"this CPU lacks {', '.join(missing)}")
    if (facts.get("usable_cpus") or 0) < profile.threads:
        why.append(f"the profile runs {profile.threads} threads, this host has {facts.get('usable_cpus')} usable CPUs")
    avail = set(facts.get("onnxruntime_providers", ()))
    lacking = [p for p in profile.onnxruntime.providers if p not in avail]
    if lacking:
        why.append(f"onnxruntime here lacks {', '.join(lacking)}")
    if "cpu" not in profile.teacher_devices and not facts.get("gpu"):
        why.append("the profile times the teacher on CUDA only and no GPU is present")
    return why


def _mem_total_mb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None
