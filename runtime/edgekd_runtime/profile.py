"""The runtime's view of a device profile (devices/<name>.toml): threads, batch sizes, onnxruntime options.

Only the keys the runtime uses are read; the rest of the profile (budgets, ISA notes) belongs to
`edgekd profile`. A name without a path resolves to devices/<name>.toml under the current directory.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

_LEVELS = {"disable", "basic", "extended", "all"}


@dataclass(frozen=True)
class RuntimeProfile:
    name: str = "default"
    threads: int = 1
    batch_sizes: tuple[int, ...] = (1,)
    optimization: str = "all"
    mem_arena: bool = True


def load_profile(name_or_path: str | Path) -> RuntimeProfile:
    """Read the runtime keys of a device profile TOML (Python >= 3.11 for tomllib)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        raise InputError("reading a device profile needs Python >= 3.11 (tomllib); pass --threads instead") from None
    path = Path(name_or_path)
    if not path.is_file() and (Path("devices") / f"{name_or_path}.toml").is_file():
        path = Path("devices") / f"{name_or_path}.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such device profile (give a .toml path or a name under devices/)") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{path}: not valid TOML ({e})") from None
    ort = raw.get("onnxruntime", {})
    level = str(ort.get("graph_optimization_level", "all"))
    if level not in _LEVELS:
        raise InputError(f"{path}: onnxruntime.graph_optimization_level must be one of {sorted(_LEVELS)}")
    try:
        return RuntimeProfile(name=str(raw.get("name", path.stem)), threads=int(raw.get("threads", 1)),
                              batch_sizes=tuple(int(b) for b in raw.get("batch_sizes", [1])), optimization=level,
                              mem_arena=bool(ort.get("enable_cpu_mem_arena", True)))
    except (TypeError, ValueError) as e:
        raise InputError(f"{path}: bad threads/batch_sizes ({e})") from None
