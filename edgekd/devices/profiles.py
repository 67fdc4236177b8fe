"""Device profiles: one TOML file per target, parsed with stdlib `tomllib` into a validated frozen `DeviceProfile`.

A profile is data, not code. It says which hardware it describes (ISA, cores), how to run there (threads,
onnxruntime provider and session options, quantization preset) and what must hold (memory and p95
latency budgets). A profile whose `measured_here` is false is a specification only: no results for it are
committed, because the hardware was not present. Every error names the file and the field.

Where profiles are found (`find_profile`): a path to a .toml file; else `NAME.toml` in `$EDGEKD_DEVICES_DIR`,
in the `devices/` folder of the source tree this package was imported from, or in `./devices`. The TOMLs
are deliberately not copied into the package: they live once, beside their committed results, and a user
with a wheel install passes the path of their own (or our) profile file.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Mapping

PROFILE_SUFFIX = ".toml"
ENV_DIR = "EDGEKD_DEVICES_DIR"

ARCHES = ("x86-64", "arm64")
# ISA feature names as the kernel spells them (/proc/cpuinfo "flags" on x86, "Features" on arm64).
# A closed list catches typos such as "avx512vnni" that would otherwise silently never match a host.
KNOWN_FEATURES = {
    "x86-64": frozenset({"sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
                         "avx512dq", "avx512cd", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8", "amx_bf16"}),
    "arm64": frozenset({"fp", "asimd", "asimdhp", "asimddp", "i8mm", "bf16", "sve", "sve2", "fphp"}),
}
PROVIDERS = ("CPUExecutionProvider", "CUDAExecutionProvider", "TensorrtExecutionProvider",
             "XnnpackExecutionProvider", "CoreMLExecutionProvider", "NnapiExecutionProvider")
GRAPH_OPT_LEVELS = ("disable", "basic", "extended", "all")
EXECUTION_MODES = ("sequential", "parallel")
TEACHER_DEVICES = ("cpu", "cuda")


class ProfileError(ValueError):
    """A profile file is missing, is not valid TOML, or has an unknown, missing or bad field (named)."""


@dataclass(frozen=True)
class IsaSpec:
    """The instruction set a profile assumes: an architecture and the CPU features the kernels rely on."""

    arch: str                       # "x86-64" | "arm64"
    features: tuple[str, ...] = ()  # e.g. ("avx2", "avx512f", "avx512_vnni"); all must be present on the host


@dataclass(frozen=True)
class OrtSpec:
    """onnxruntime session settings (intra-op threads come from the profile's `threads`)."""

    providers: tuple[str, ...] = ("CPUExecutionProvider",)
    graph_optimization_level: str = "all"
    execution_mode: str = "sequential"
    inter_op_num_threads: int = 1
    enable_cpu_mem_arena: bool = True


@dataclass(frozen=True)
class DeviceProfile:
    """One target device: what it is, how to run there, and the budgets a bundle must meet on it."""

    name: str
    description: str
    measured_here: bool             # True only if results measured on this hardware are committed
    isa: IsaSpec
    cores: int                      # physical cores of the target the app may use
    threads: int                    # threads to run with (ORT intra-op, torch, BLAS)
    memory_budget_mb: float         # peak RSS of the whole predicting process
    latency_budget_p95_ms: float    # batch-1 p95 latency, tokenization included
    batch_sizes: tuple[int, ...]
    max_length: int                 # longest input (word pieces) to measure with
    quantization_preset: str        # name of an exporters QuantSpec preset that suits this target
    onnxruntime: OrtSpec = OrtSpec()
    teacher_devices: tuple[str, ...] = ("cpu", "cuda")  # where to time the teacher; cuda only if present
    notes: str = ""

    def to_dict(self) -> dict[str, Any]:
        return _lists(asdict(self))

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], source: str = "<profile>") -> "DeviceProfile":
        """Validate a parsed TOML/JSON mapping; `source` (the file) prefixes every error message."""
        if not isinstance(raw, Mapping):
            raise ProfileError(f"{source}: a profile must be a table of fields")
        _no_unknown(raw, cls, source, "")
        v = _Validator(raw, source, "")
        isa_raw = v.table("isa")
        _no_unknown(isa_raw, IsaSpec, source, "isa.")
        iv = _Validator(isa_raw, source, "isa.")
        arch = iv.choice("arch", ARCHES)
        feats = iv.str_list("features", default=())
        for i, f in enumerate(feats):
            if f not in KNOWN_FEATURES[arch]:
                raise ProfileError(f"{source}: field 'isa.features[{i}]': unknown {arch} feature {f!r}; "
                                   f"known: {', '.join(sorted(KNOWN_FEATURES[arch]))}")
        ort_raw = v.table("onnxruntime", default={})
        _no_unknown(ort_raw, OrtSpec, source, "onnxruntime.")
        ov = _Validator(ort_raw, source, "onnxruntime.")
        providers = ov.str_list("providers", default=OrtSpec.providers)
        if not providers:
            raise ProfileError(f"{source}: field 'onnxruntime.providers': must list at least one provider")
        for i, p in enumerate(providers):
            if p not in PROVIDERS:
                raise ProfileError(f"{source}: field 'onnxruntime.providers[{i}]': unknown provider {p!r}; "
                                   f"known: {', '.join(PROVIDERS)}")
        ort = OrtSpec(providers=providers,
                      graph_optimization_level=ov.choice("graph_optimization_level", GRAPH_OPT_LEVELS, "all"),
                      execution_mode=ov.choice("execution_mode", EXECUTION_MODES, "sequential"),
                      inter_op_num_threads=ov.integer("inter_op_num_threads", 1, default=1),
                      enable_cpu_mem_arena=ov.boolean("enable_cpu_mem_arena", default=True))
        cores = v.integer("cores", 1)
        threads = v.integer("threads", 1)
        if threads > cores:
            raise ProfileError(f"{source}: field 'threads': {threads} threads on a {cores}-core target; "
                               "use at most `cores` threads")
        batch_sizes = v.int_list("batch_sizes", 1)
        if not batch_sizes or len(set(batch_sizes)) != len(batch_sizes):
            raise ProfileError(f"{source}: field 'batch_sizes': must be a non-empty list without repeats")
        teacher_devices = v.str_list("teacher_devices", default=("cpu", "cuda"))
        for i, d in enumerate(teacher_devices):
            if d not in TEACHER_DEVICES:
                raise ProfileError(f"{source}: field 'teacher_devices[{i}]': {d!r} is not one of {TEACHER_DEVICES}")
        name = v.string("name")
        if not name or any(c in name for c in "/\\ ") or name.startswith("."):
            raise ProfileError(f"{source}: field 'name': {name!r} must be a plain non-empty name (it names "
                               "the results folder)")
        return cls(
            name=name, description=v.string("description"), measured_here=v.boolean("measured_here"),
            isa=IsaSpec(arch=arch, features=feats), cores=cores, threads=threads,
            memory_budget_mb=v.number("memory_budget_mb", 1), latency_budget_p95_ms=v.number("latency_budget_p95_ms", 0.001),
            batch_sizes=tuple(sorted(batch_sizes)), max_length=v.integer("max_length", 1),
            quantization_preset=_preset(v.string("quantization_preset"), source),
            onnxruntime=ort, teacher_devices=teacher_devices, notes=v.string("notes", default=""))


def load_profile(name_or_path: str | Path, search: list[Path] | None = None) -> DeviceProfile:
    """Find, read and validate a profile; the profile's `name` must match its file name."""
    path = find_profile(name_or_path, search)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(f"{path}: not valid TOML ({e})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ProfileError(f"{path}: cannot read ({e})") from None
    prof = DeviceProfile.from_dict(raw, source=str(path))
    if prof.name != path.stem:
        raise ProfileError(f"{path}: field 'name': {prof.name!r} differs from the file name {path.stem!r}")
    return prof


def find_profile(name_or_path: str | Path, search: list[Path] | None = None) -> Path:
    """A .toml path as given, or NAME.toml in the first search folder that has it (see module docstring)."""
    p = Path(name_or_path)
    if p.suffix == PROFILE_SUFFIX or p.is_file():
        if not p.is_file():
            raise ProfileError(f"{p}: no such profile file")
        return p
    dirs = search if search is not None else profile_dirs()
    for d in dirs:
        cand = d / f"{name_or_path}{PROFILE_SUFFIX}"
        if cand.is_file():
            return cand
    known = sorted({q.stem for d in dirs if d.is_dir() for q in d.glob(f"*{PROFILE_SUFFIX}")})
    where = ", ".join(str(d) for d in dirs) or "(no profile folder found)"
    raise ProfileError(f"no device profile {str(name_or_path)!r} in {where}; known: {', '.join(known) or 'none'}. "
                       f"Pass a path to a .toml file, or set ${ENV_DIR} to a folder of profiles")


def profile_dirs() -> list[Path]:
    """Folders searched for NAME.toml, in order; only those that exist."""
    cands = []
    if os.environ.get(ENV_DIR):
        cands.append(Path(os.environ[ENV_DIR]))
    cands.append(Path(__file__).resolve().parents[2] / "devices")   # source checkout / editable install
    cands.append(Path.cwd() / "devices")
    out: list[Path] = []
    for c in cands:
        if c.is_dir() and c.resolve() not in [o.resolve() for o in out]:
            out.append(c)
    return out


def list_profiles(search: list[Path] | None = None) -> list[Path]:
    """Every NAME.toml in the search folders (first folder wins for a repeated name)."""
    seen: dict[str, Path] = {}
    for d in (search if search is not None else profile_dirs()):
        for p in sorted(d.glob(f"*{PROFILE_SUFFIX}")):
            seen.setdefault(p.stem, p)
    return list(seen.values())


def known_quant_presets() -> tuple[str, ...] | None:
    """Names of the exporters' QuantSpec presets, or None when the exporters (or their registry) are absent."""
    import importlib

    try:
        quantize = importlib.import_module("edgekd_exporters.quantize")
    except ImportError:
        return None
    presets = getattr(quantize, "PRESETS", None)
    return tuple(presets) if isinstance(presets, Mapping) else None


def _preset(name: str, source: str) -> str:
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise ProfileError(f"{source}: field 'quantization_preset': {name!r} is not a preset name")
    known = known_quant_presets()
    if known is not None and name not in known:
        raise ProfileError(f"{source}: field 'quantization_preset': unknown preset {name!r}; "
                           f"the exporters define {', '.join(known)}")
    return name


def _no_unknown(raw: Mapping[str, Any], cls, source: str, prefix: str) -> None:
    allowed = {f.name for f in fields(cls)}
    for key in raw:
        if key not in allowed:
            raise ProfileError(f"{source}: field '{prefix}{key}': unknown key; allowed: {', '.join(sorted(allowed))}")


class _Validator:
    """Typed getters over one table; every message names the source file and the dotted field."""

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


def _lists(d: Any) -> Any:
    """asdict output with tuples turned into lists (JSON/TOML friendly)."""
    if isinstance(d, dict):
        return {k: _lists(v) for k, v in d.items()}
    if isinstance(d, (list, tuple)):
        return [_lists(v) for v in d]
    return d
