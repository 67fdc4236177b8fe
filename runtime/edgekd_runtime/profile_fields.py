"""Typed, named access to one table of a parsed device-profile TOML: every error names the file and the dotted field.

Standard library only (the runtime reads profiles on devices where nothing else is installed).
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any, Mapping

from .errors import InputError


class ProfileError(InputError):
    """A profile file is missing, is not valid TOML, or has an unknown, missing or bad field (named).

    An `InputError` (so `edgekd-run` exits 2) and therefore a `ValueError`."""


def no_unknown(raw: Mapping[str, Any], cls, source: str, prefix: str) -> None:
    """ProfileError naming the first key of `raw` that is not a field of the dataclass `cls`."""
    allowed = {f.name for f in fields(cls)}
    for key in raw:
        if key not in allowed:
            raise ProfileError(f"{source}: field '{prefix}{key}': unknown key; allowed: {', '.join(sorted(allowed))}")


class Fields:
    """Typed getters over one table of a parsed profile; every message names the source file and the dotted field."""

    _MISSING = object()

    def __init__(self, raw: Mapping[str, Any], source: str, prefix: str) -> None:
        self.raw, self.source, self.prefix = raw, source, prefix

    def _get(self, key: str, default: Any):
        if key in self.raw:
            return self.raw[key]
        if default is self._MISSING:
            raise ProfileError(f"{self.source}: field '{self.prefix}{key}': missing (required)")
        return default

    def _bad(self, key: str, want: str, got: Any) -> ProfileError:
        return ProfileError(f"{self.source}: field '{self.prefix}{key}': expected {want}, got {got!r}")

    def string(self, key: str, default: Any = _MISSING) -> str:
        x = self._get(key, default)
        if not isinstance(x, str):
            raise self._bad(key, "a string", x)
        return x

    def boolean(self, key: str, default: Any = _MISSING) -> bool:
        x = self._get(key, default)
        if not isinstance(x, bool):
            raise self._bad(key, "true or false", x)
        return x

    def integer(self, key: str, minimum: int, default: Any = _MISSING) -> int:
        x = self._get(key, default)
        if isinstance(x, bool) or not isinstance(x, int) or x < minimum:
            raise self._bad(key, f"an integer >= {minimum}", x)
        return x

    def number(self, key: str, minimum: float, default: Any = _MISSING) -> float:
        x = self._get(key, default)
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not x >= minimum:
            raise self._bad(key, f"a number >= {minimum}", x)
        return float(x)

    def choice(self, key: str, options: tuple[str, ...], default: Any = _MISSING) -> str:
        x = self._get(key, default)
        if x not in options:
            raise self._bad(key, f"one of {', '.join(options)}", x)
        return x

    def table(self, key: str, default: Any = _MISSING) -> Mapping[str, Any]:
        x = self._get(key, default)
        if not isinstance(x, Mapping):
            raise self._bad(key, f"a table ([{self.prefix}{key}])", x)
        return x

    def str_list(self, key: str, default: Any = _MISSING) -> tuple[str, ...]:
        x = self._get(key, default)
        if not isinstance(x, (list, tuple)) or not all(isinstance(s, str) for s in x):
            raise self._bad(key, "a list of strings", x)
        return tuple(x)

    def int_list(self, key: str, minimum: int, default: Any = _MISSING) -> tuple[int, ...]:
        x = self._get(key, default)
        if not isinstance(x, (list, tuple)) or not all(isinstance(i, int) and not isinstance(i, bool)
                                                       and i >= minimum for i in x):
            raise self._bad(key, f"a list of integers >= {minimum}", x)
        return tuple(x)


def as_lists(d: Any) -> Any:
    """asdict output with tuples turned into lists (JSON/TOML friendly)."""
    if isinstance(d, dict):
        return {k: as_lists(v) for k, v in d.items()}
    if isinstance(d, (list, tuple)):
        return [as_lists(v) for v in d]
    return d
