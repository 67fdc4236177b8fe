"""Device profiles: one TOML file per target, parsed with stdlib `tomllib` into a validated frozen `DeviceProfile`.

The one home of the profile schema and its loader: `edgekd-run --profile` and `edgekd profile` both read profiles
here (standard library only). A profile is data, not code. It says which hardware it describes (ISA, cores), how to
run there (threads, onnxruntime provider and session options, quantization preset) and what must hold (memory and
p95 latency budgets). A profile whose `measured_here` is false is a specification only: no results for it are
committed, because the hardware was not present. Every error names the file and the field.

`load_profile` validates the whole schema (the caller may also pass the quantization preset names it knows);
`load_runtime_profile` reads only the keys the runtime uses (threads, batch sizes, session options), with the same
field rules, so a host may carry a minimal profile.

Where profiles are found (`find_profile`): a path to a .toml file; else `NAME.toml` in `$EDGEKD_DEVICES_DIR`,
in the `devices/` folder of the source tree this package was imported from, in `./devices`, or among the profiles
packaged with this module (`packaged_profiles_dir()`). The TOMLs are committed once, in the repository's `devices/`
beside their results; building the `edgekd-runtime` wheel copies them into `edgekd_runtime/devices/` (see
runtime/setup.py), so an installed wheel finds `cpu-1t` etc. without a checkout.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Collection, Mapping

from .profile_fields import Fields, ProfileError, as_lists, no_unknown

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

__all__ = ["DeviceProfile", "IsaSpec", "OrtSpec", "RuntimeProfile", "ProfileError", "load_profile",
           "load_runtime_profile", "find_profile", "list_profiles", "profile_dirs", "packaged_profiles_dir",
           "is_packaged_profile"]


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
        return as_lists(asdict(self))

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], source: str = "<profile>",
                  quant_presets: Collection[str] | None = None) -> "DeviceProfile":
        """Validate a parsed TOML/JSON mapping; `source` (the file) prefixes every error message. Given
        `quant_presets` (the exporters' names), `quantization_preset` must be one of them."""
        if not isinstance(raw, Mapping):
            raise ProfileError(f"{source}: a profile must be a table of fields")
        no_unknown(raw, cls, source, "")
        v = Fields(raw, source, "")
        isa = _isa(v.table("isa"), source)
        ort = _ort(v.table("onnxruntime", default={}), source)
        cores, threads = v.integer("cores", 1), v.integer("threads", 1)
        if threads > cores:
            raise ProfileError(f"{source}: field 'threads': {threads} threads on a {cores}-core target; "
                               "use at most `cores` threads")
        batch_sizes = _batch_sizes(v, source)
        teacher_devices = v.str_list("teacher_devices", default=("cpu", "cuda"))
        for i, d in enumerate(teacher_devices):
            if d not in TEACHER_DEVICES:
                raise ProfileError(f"{source}: field 'teacher_devices[{i}]': {d!r} is not one of {TEACHER_DEVICES}")
        return cls(
            name=_name(v, source), description=v.string("description"), measured_here=v.boolean("measured_here"),
            isa=isa, cores=cores, threads=threads,
            memory_budget_mb=v.number("memory_budget_mb", 1), latency_budget_p95_ms=v.number("latency_budget_p95_ms", 0.001),
            batch_sizes=tuple(sorted(batch_sizes)), max_length=v.integer("max_length", 1),
            quantization_preset=_preset(v.string("quantization_preset"), source, quant_presets),
            onnxruntime=ort, teacher_devices=teacher_devices, notes=v.string("notes", default=""))


@dataclass(frozen=True)
class RuntimeProfile:
    """The keys of a profile the runtime uses: threads, batch sizes and the onnxruntime session options."""

    name: str = "default"
    threads: int = 1
    batch_sizes: tuple[int, ...] = (1,)
    optimization: str = "all"
    mem_arena: bool = True

    @property
    def session_options(self) -> dict[str, Any]:
        """Keyword arguments of `Bundle.load` for this profile (besides threads)."""
        return {"optimization": self.optimization, "mem_arena": self.mem_arena}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], source: str = "<profile>", default_name: str = "default"
                  ) -> "RuntimeProfile":
        """Read the runtime's keys with the full schema's rules; other keys are not the runtime's business."""
        if not isinstance(raw, Mapping):
            raise ProfileError(f"{source}: a profile must be a table of fields")
        v = Fields(raw, source, "")
        ov = Fields(v.table("onnxruntime", default={}), source, "onnxruntime.")
        return cls(name=v.string("name", default=default_name), threads=v.integer("threads", 1, default=1),
                   batch_sizes=v.int_list("batch_sizes", 1, default=(1,)),
                   optimization=ov.choice("graph_optimization_level", GRAPH_OPT_LEVELS, "all"),
                   mem_arena=ov.boolean("enable_cpu_mem_arena", default=True))


def _isa(raw: Mapping[str, Any], source: str) -> IsaSpec:
    no_unknown(raw, IsaSpec, source, "isa.")
    iv = Fields(raw, source, "isa.")
    arch = iv.choice("arch", ARCHES)
    feats = iv.str_list("features", default=())
    for i, f in enumerate(feats):
        if f not in KNOWN_FEATURES[arch]:
            raise ProfileError(f"{source}: field 'isa.features[{i}]': unknown {arch} feature {f!r}; "
                               f"known: {', '.join(sorted(KNOWN_FEATURES[arch]))}")
    return IsaSpec(arch=arch, features=feats)


def _ort(raw: Mapping[str, Any], source: str) -> OrtSpec:
    no_unknown(raw, OrtSpec, source, "onnxruntime.")
    ov = Fields(raw, source, "onnxruntime.")
    providers = ov.str_list("providers", default=OrtSpec.providers)
    if not providers:
        raise ProfileError(f"{source}: field 'onnxruntime.providers': must list at least one provider")
    for i, p in enumerate(providers):
        if p not in PROVIDERS:
            raise ProfileError(f"{source}: field 'onnxruntime.providers[{i}]': unknown provider {p!r}; "
                               f"known: {', '.join(PROVIDERS)}")
    return OrtSpec(providers=providers,
                   graph_optimization_level=ov.choice("graph_optimization_level", GRAPH_OPT_LEVELS, "all"),
                   execution_mode=ov.choice("execution_mode", EXECUTION_MODES, "sequential"),
                   inter_op_num_threads=ov.integer("inter_op_num_threads", 1, default=1),
                   enable_cpu_mem_arena=ov.boolean("enable_cpu_mem_arena", default=True))


def _batch_sizes(v: Fields, source: str) -> tuple[int, ...]:
    batch_sizes = v.int_list("batch_sizes", 1)
    if not batch_sizes or len(set(batch_sizes)) != len(batch_sizes):
        raise ProfileError(f"{source}: field 'batch_sizes': must be a non-empty list without repeats")
    return batch_sizes


def _name(v: Fields, source: str) -> str:
    name = v.string("name")
    if not name or any(c in name for c in "/\\ ") or name.startswith("."):
        raise ProfileError(f"{source}: field 'name': {name!r} must be a plain non-empty name (it names "
                           "the results folder)")
    return name


def _preset(name: str, source: str, known: Collection[str] | None) -> str:
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise ProfileError(f"{source}: field 'quantization_preset': {name!r} is not a preset name")
    if known is not None and name not in known:
        raise ProfileError(f"{source}: field 'quantization_preset': unknown preset {name!r}; "
                           f"the exporters define {', '.join(known)}")
    return name


def read_profile_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML of a profile file (tomllib: Python >= 3.11); ProfileError naming the file otherwise."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        raise ProfileError(f"{path}: reading a device profile needs Python >= 3.11 (tomllib); pass --threads "
                           "instead") from None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(f"{path}: not valid TOML ({e})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ProfileError(f"{path}: cannot read ({e})") from None


def load_profile(name_or_path: str | Path, search: list[Path] | None = None,
                 quant_presets: Collection[str] | None = None) -> DeviceProfile:
    """Find, read and validate a profile; the profile's `name` must match its file name."""
    path = find_profile(name_or_path, search)
    prof = DeviceProfile.from_dict(read_profile_toml(path), source=str(path), quant_presets=quant_presets)
    if prof.name != path.stem:
        raise ProfileError(f"{path}: field 'name': {prof.name!r} differs from the file name {path.stem!r}")
    return prof


def load_runtime_profile(name_or_path: str | Path, search: list[Path] | None = None) -> RuntimeProfile:
    """Find a profile as `load_profile` does and read only the runtime's keys (see `RuntimeProfile`)."""
    path = find_profile(name_or_path, search)
    return RuntimeProfile.from_dict(read_profile_toml(path), source=str(path), default_name=path.stem)


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
    cands.append(source_profiles_dir())                              # source checkout / editable install
    cands.append(Path.cwd() / "devices")
    cands.append(packaged_profiles_dir())                            # an installed wheel (package data)
    out: list[Path] = []
    for c in cands:
        if c.is_dir() and c.resolve() not in [o.resolve() for o in out]:
            out.append(c)
    return out


def source_profiles_dir() -> Path:
    """The repository's `devices/` when this module runs from a source checkout (runtime/edgekd_runtime/); from an
    installed wheel this path does not exist."""
    return Path(__file__).resolve().parents[2] / "devices"


def packaged_profiles_dir() -> Path:
    """Where an installed `edgekd-runtime` wheel keeps its copy of the repository's profiles (package data). In a
    source checkout this folder does not exist; the checkout's `devices/` is found instead."""
    return Path(__file__).resolve().parent / "devices"


def is_packaged_profile(path: str | Path) -> bool:
    """True for a profile file inside the installed package (read-only data: write results elsewhere)."""
    return Path(path).resolve().parent == packaged_profiles_dir()


def list_profiles(search: list[Path] | None = None) -> list[Path]:
    """Every NAME.toml in the search folders (first folder wins for a repeated name)."""
    seen: dict[str, Path] = {}
    for d in (search if search is not None else profile_dirs()):
        for p in sorted(d.glob(f"*{PROFILE_SUFFIX}")):
            seen.setdefault(p.stem, p)
    return list(seen.values())
