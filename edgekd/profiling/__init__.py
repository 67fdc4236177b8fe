"""The profiler that measures a bundle against its teacher on a device profile (`edgekd profile`).

The profile schema and its loader live in the runtime (`edgekd_runtime.profile`, standard library only), so
`edgekd-run --profile` and `edgekd profile` read the same files the same way; `load_device_profile` adds the
exporters' quantization preset names. Importing this package is cheap and torch-free (the peak-RSS child of a
student imports it): the heavy parts live in `run`, `systems` and `report` and load their libraries lazily.
"""
from __future__ import annotations

from pathlib import Path


def known_quant_presets() -> tuple[str, ...] | None:
    """Names of the exporters' QuantSpec presets, or None when the exporters (onnx) are not installed."""
    try:
        from edgekd_exporters.quantize import PRESETS
    except ImportError:
        return None
    return tuple(PRESETS)


def load_device_profile(name_or_path: str | Path, search: list[Path] | None = None):
    """`edgekd_runtime.profile.load_profile`, with `quantization_preset` checked against the exporters' presets."""
    from edgekd_runtime.profile import load_profile

    return load_profile(name_or_path, search, quant_presets=known_quant_presets())


def describe_profiles(search: list[Path] | None = None) -> list[str]:
    """One line per known profile: name, whether it was measured here or is a specification, description, path."""
    from edgekd_runtime.profile import list_profiles

    lines = []
    for p in list_profiles(search):
        prof = load_device_profile(p)
        status = "measured here" if prof.measured_here else "specification"
        lines.append(f"{prof.name:16s} {status:14s} {prof.description}  ({p})")
    return lines
