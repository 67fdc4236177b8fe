"""edgekd_runtime.int8host: the one place that names onnxruntime's int8 kernels from CPU flags."""
from __future__ import annotations

import pytest

from edgekd_runtime.int8host import SATURATING, arch_of, cpu_flags, int8_kernels


@pytest.mark.parametrize("flags, arch, want", [
    ({"avx2", "avx512f", "avx512_vnni", "amx_int8"}, "x86-64", "AMX"),
    ({"avx2", "avx512f", "avx512_vnni"}, "x86-64", "AVX-512 VNNI"),
    ({"avx2", "avx_vnni"}, "x86-64", "AVX-VNNI"),
    ({"avx2", "fma"}, "x86-64", SATURATING),
    ({"sse4_2"}, "x86-64", "SSE"),
    ({"asimd", "asimddp"}, "arm64", "arm64 dot product"),
    ({"asimd"}, "arm64", "arm64 NEON"),
    ({"avx2"}, "riscv64", "unknown"),
])
def test_kernels_from_flags(flags, arch, want):
    assert int8_kernels(flags, arch) == want


def test_arch_and_flags_parsing():
    assert [arch_of(m) for m in ("x86_64", "AMD64", "aarch64", "arm64", "ppc64le")] == \
        ["x86-64", "x86-64", "arm64", "arm64", "ppc64le"]
    assert cpu_flags("flags : fpu avx2\n") >= {"avx2", "fpu"}
