"""The build host: CPU detection (and $EDGEKD_ASSUME_CPU), the plan the build prints and records, the generated
profile of this host, and a named profile that is not this host refused before the first stage."""
from __future__ import annotations

import json

import pytest

from edgekd.profiling import load_device_profile
from edgekd.profiling.hostprofile import write_host_profile
from edgekd.profiling.machine import host_facts, host_mismatches
from edgekd.host import ENV_ASSUME, detect_host, plan_build_host

AMX = "model name\t: Intel Xeon\nflags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512bw avx512_vnni avx512_bf16 amx_int8 amx_bf16\n"
AVX2 = "model name\t: AMD Ryzen\nflags\t\t: fpu sse4_2 avx avx2 fma f16c\n"


def test_avx2_host_gets_fp32_and_the_saturating_int8_path_named():
    h = detect_host(AVX2, env={})
    assert not h.bf16 and h.int8_path.startswith("AVX2 VPMADDUBSW")
    plan = plan_build_host(h, threads=None, bf16_requested=True, labeller="local", quant="default", profile="host")
    assert plan.teacher_precision == "fp32" and plan.labeller == "local, torch fp32"
    assert "no native bf16" in plan.text() and "one answer on every CPU" in plan.text()


def test_amx_host_gets_bf16_unless_told_to_assume_avx2():
    assert detect_host(AMX, env={}).bf16 and detect_host(AMX, env={}).int8_path == "AMX"
    h = detect_host(AMX, env={ENV_ASSUME: "avx2"})
    assert not h.bf16 and h.assumed == "avx2" and h.int8_path.startswith("AVX2")
    assert not any(f.startswith(("avx512", "amx")) for f in h.flags) and "avx2" in h.flags
    with pytest.raises(ValueError, match="known values are avx2"):
        detect_host(AMX, env={ENV_ASSUME: "haswell"})


def test_threads_come_from_the_option_else_every_usable_cpu():
    h = detect_host(AVX2, env={})
    assert plan_build_host(h, threads=1, bf16_requested=False, labeller="local", quant="default",
                           profile="host").threads == 1
    assert plan_build_host(h, threads=None, bf16_requested=False, labeller="local", quant="default",
                           profile="host").threads == h.usable_cpus


def test_generated_host_profile_is_valid_and_matches_this_host(tmp_path):
    path = write_host_profile(tmp_path, detect_host(), threads=1)
    prof = load_device_profile(path)
    assert prof.name == "host" and prof.threads == 1 and prof.measured_here
    assert host_mismatches(prof, host_facts()) == []


def test_a_named_profile_that_is_not_this_host_fails_before_any_stage(tmp_path, glue_dir):
    from click.testing import CliRunner

    from edgekd.cli import main

    other = "pi4" if detect_host().arch != "arm64" else "cpu-1t"      # a committed profile of the other ISA
    out = tmp_path / "run"
    r = CliRunner().invoke(main, ["build", "--task", "sst2", "--data-dir", str(glue_dir), "--out", str(out),
                                  "--device", other, "--teacher", str(tmp_path / "no-teacher")])
    assert r.exit_code == 3 and "describes hardware that is not this host" in r.output, r.output
    assert not (out / "teacher").exists()


def test_build_config_records_the_host_plan(tmp_path):
    from edgekd.pipeline.chain import build
    from edgekd.pipeline.presets import preset
    from edgekd.pipeline.steps import BuildInputs

    cfg = preset("quick", False)
    inp = BuildInputs(task=None, train=None, dev=None, host={"arch": "x86-64", "teacher_precision": "fp32"})
    with pytest.raises(Exception):          # no data: it stops at the first stage, after writing the config
        build(cfg, inp, tmp_path)
    rec = json.loads((tmp_path / "build_config.json").read_text())
    assert rec["host"] == {"arch": "x86-64", "teacher_precision": "fp32"}
    assert rec["label_time_budget_min"] == 2.0 and rec["finetune"]["time_budget_min"] == 4.0
