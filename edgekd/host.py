"""The build host: what this CPU can do, and every choice `edgekd build` makes from it.

`detect_host()` reads /proc/cpuinfo (the kernel's view, which is also what the device-profile check uses) and
`plan_build_host()` turns it into a frozen `HostPlan`: the teacher's precision (bf16 autocast only where the CPU
has native bf16 or AVX-512: elsewhere torch emulates it, slower than fp32), the labeller, the thread count, the
quantization preset (7-bit weights: the one preset whose golden vectors hold on every CPU) and the device profile
of the profile stage (this host's own, generated, unless a named one is asked for). The build prints the plan
once, before the first stage, and records it in build_config.json.

`EDGEKD_ASSUME_CPU=avx2` makes this module see an x86-64 CPU without AVX-512, VNNI, AMX or bf16 (the flags of a
common laptop), so a build on a bigger machine can rehearse the plan of a smaller one. Combine it with torch's
`ATEN_CPU_CAPABILITY=avx2` and `ONEDNN_MAX_CPU_ISA=AVX2` to also keep torch on its AVX2 kernels. onnxruntime
has no such switch: it always takes the host's best kernels.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from edgekd_runtime.int8host import SATURATING, int8_kernels

from .profiling.machine import cpu_info, host_arch

ENV_ASSUME = "EDGEKD_ASSUME_CPU"
# Flags a CPU of each assumed kind lacks (an x86-64 laptop/VM with AVX2 and FMA, nothing newer).
ASSUMED_MISSING = {"avx2": ("avx512", "amx", "avx_vnni", "avx512_vnni", "avx512_bf16")}
BF16_FLAGS = {"x86-64": ("avx512_bf16", "amx_bf16", "avx512f"), "arm64": ("bf16",)}
QUANT_PRESET = "default"      # 7-bit weights: the same int8 logits on AVX2, AVX-512 VNNI, AMX, arm64 and wasm


@dataclass(frozen=True)
class Host:
    """What this CPU is (after `EDGEKD_ASSUME_CPU`)."""

    arch: str                      # "x86-64" | "arm64" | what platform.machine() said
    cpu_model: str
    flags: frozenset[str]
    usable_cpus: int
    assumed: str | None = None     # the EDGEKD_ASSUME_CPU value, when set

    @property
    def bf16(self) -> bool:
        return any(f in self.flags for f in BF16_FLAGS.get(self.arch, ()))

    @property
    def int8_path(self) -> str:
        """How onnxruntime's int8 kernels multiply here (what decides whether 8-bit weights can saturate)."""
        path = int8_kernels(self.flags, self.arch)
        return f"{path} VPMADDUBSW (saturates with 8-bit weights)" if path == SATURATING else path


def detect_host(cpuinfo: str | None = None, env: dict | None = None) -> Host:
    """This machine (or, given them, the /proc/cpuinfo text and environment of another)."""
    env = os.environ if env is None else env
    info = cpu_info(cpuinfo)
    flags = set(info["flags"])
    assumed = env.get(ENV_ASSUME) or None
    if assumed is not None:
        if assumed not in ASSUMED_MISSING:
            raise ValueError(f"${ENV_ASSUME}={assumed!r}: known values are {', '.join(ASSUMED_MISSING)}")
        flags = {f for f in flags if not f.startswith(ASSUMED_MISSING[assumed])}
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return Host(host_arch(), info["model"], frozenset(flags), cpus, assumed)


@dataclass(frozen=True)
class HostPlan:
    """The CPU-dependent choices of one build (recorded under "host" in build_config.json)."""

    arch: str
    cpu_model: str
    int8_path: str
    native_bf16: bool
    usable_cpus: int
    threads: int
    teacher_precision: str         # "bf16" | "fp32": fine-tuning and labelling autocast
    labeller: str                  # what labels the transfer set
    quantization: str              # the exporters' preset
    profile: str                   # "host" (generated from this CPU) or a named device profile
    assumed_cpu: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def text(self) -> str:
        """The one block the build prints before its first stage."""
        pretend = f" (as {self.assumed_cpu}: ${ENV_ASSUME})" if self.assumed_cpu else ""
        return "\n".join([
            f"[host] {self.arch} {self.cpu_model}{pretend}, {self.usable_cpus} usable CPU(s)",
            f"[host] teacher {self.teacher_precision} ({'native bf16' if self.native_bf16 else 'no native bf16'}), "
            f"labeller {self.labeller}, {self.threads} thread(s)",
            f"[host] int8 kernels: {self.int8_path}; quantization {self.quantization!r} (7-bit weights: one answer "
            "on every CPU)" if self.quantization == QUANT_PRESET else
            f"[host] int8 kernels: {self.int8_path}; quantization {self.quantization!r}",
            f"[host] profile stage: {'this host (generated profile)' if self.profile == 'host' else self.profile}"])


def plan_build_host(host: Host, *, threads: int | None, bf16_requested: bool, labeller: str, quant: str,
                    profile: str) -> HostPlan:
    """The build's host plan. Pure: `host` comes from `detect_host()`."""
    bf16 = bf16_requested and host.bf16
    n = threads or host.usable_cpus
    return HostPlan(arch=host.arch, cpu_model=host.cpu_model, int8_path=host.int8_path, native_bf16=host.bf16,
                    usable_cpus=host.usable_cpus, threads=n, teacher_precision="bf16" if bf16 else "fp32",
                    labeller=f"{labeller}, torch {'bf16' if bf16 else 'fp32'}", quantization=quant,
                    profile=profile, assumed_cpu=host.assumed)
