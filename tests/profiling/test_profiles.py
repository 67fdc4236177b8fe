"""Device profiles: every shipped TOML loads; bad files fail with the file and the field named; host matching."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from edgekd.profiling import load_device_profile
from edgekd.profiling.machine import cpu_info, host_mismatches
from edgekd_runtime.profile import (DeviceProfile, ProfileError, find_profile, list_profiles, load_profile,
                                    load_runtime_profile)

REPO = Path(__file__).resolve().parents[2]
DEVICES = REPO / "devices"
SHIPPED = sorted(DEVICES.glob("*.toml"))


def _val(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_val(x) for x in v) + "]"
    return repr(v)


def toml_text(d: dict) -> str:
    """A minimal TOML writer for profile dicts (scalars, lists, one level of tables)."""
    top = [f"{k} = {_val(v)}" for k, v in d.items() if not isinstance(v, dict)]
    tables = [f"\n[{k}]\n" + "\n".join(f"{kk} = {_val(vv)}" for kk, vv in v.items())
              for k, v in d.items() if isinstance(v, dict)]
    return "\n".join(top) + "\n" + "\n".join(tables) + "\n"


def base() -> dict:
    return tomllib.loads((DEVICES / "cpu-1t.toml").read_text())


def write(tmp_path: Path, d: dict, name: str | None = None) -> Path:
    p = tmp_path / f"{name or d.get('name', 'x')}.toml"
    p.write_text(toml_text(d))
    return p


def test_shipped_profiles_cover_the_issue_and_load():
    names = {p.stem for p in SHIPPED}
    assert {"cpu-1t", "cpu-2t", "pi4", "phone-big-core", "gpu-server"} <= names
    profs = {p.stem: load_profile(p) for p in SHIPPED}
    assert profs["cpu-1t"].threads == 1 and profs["cpu-2t"].threads == 2
    assert profs["pi4"].isa.arch == "arm64" and profs["phone-big-core"].isa.arch == "arm64"
    assert profs["gpu-server"].teacher_devices == ("cuda",)
    for p in profs.values():     # JSON round trip
        assert DeviceProfile.from_dict(json.loads(json.dumps(p.to_dict())), "rt") == p


def test_results_exist_only_for_profiles_measured_here():
    results = DEVICES / "results"
    measured = {p.stem for p in SHIPPED if load_profile(p).measured_here}
    for p in SHIPPED:
        if p.stem not in measured:
            assert not (results / p.stem).exists(), f"{p.stem} is a specification but has results"
    for d in (results.iterdir() if results.is_dir() else ()):
        if d.is_dir():
            assert d.name in measured, f"results for {d.name}, which is not a measured_here profile"
            for rec in d.glob("*.json"):
                r = json.loads(rec.read_text())
                assert r["measured_on_target"] and r["host"]["arch"] == r["profile"]["isa"]["arch"]
                assert r["measure"]["latency_samples"] >= 100, f"{rec} is a --quick smoke run"


def test_cpu_profiles_state_only_flags_this_kind_of_host_has():
    # The x86 profiles describe the 2-core AMD EPYC with AVX-512 + VNNI; their features must be real flag names.
    for name in ("cpu-1t", "cpu-2t"):
        p = load_profile(DEVICES / f"{name}.toml")
        assert {"avx2", "avx512f", "avx512_vnni"} <= set(p.isa.features) and p.cores == 2


def test_unknown_key_names_file_and_field(tmp_path):
    d = base() | {"thread": 2}
    with pytest.raises(ProfileError) as e:
        load_profile(write(tmp_path, d))
    assert str(tmp_path / "cpu-1t.toml") in str(e.value) and "'thread'" in str(e.value) and "unknown key" in str(e.value)
    d = base()
    d["onnxruntime"]["intra_op_num_threads"] = 4
    with pytest.raises(ProfileError, match=r"cpu-1t\.toml: field 'onnxruntime\.intra_op_num_threads': unknown key"):
        load_profile(write(tmp_path, d))


@pytest.mark.parametrize("field,value,match", [
    ("threads", 0, r"field 'threads': expected an integer >= 1, got 0"),
    ("threads", 3, r"field 'threads': 3 threads on a 2-core target"),
    ("memory_budget_mb", "lots", r"field 'memory_budget_mb': expected a number"),
    ("measured_here", "yes", r"field 'measured_here': expected true or false"),
    ("batch_sizes", [1, 8, 8], r"field 'batch_sizes': must be a non-empty list without repeats"),
    ("batch_sizes", [1, 0], r"field 'batch_sizes': expected a list of integers >= 1"),
    ("teacher_devices", ["tpu"], r"field 'teacher_devices\[0\]'"),
    ("quantization_preset", "avx512 vnni", r"field 'quantization_preset'"),
    ("name", "cpu 1t", r"field 'name'"),
])
def test_bad_values_name_file_and_field(tmp_path, field, value, match):
    d = base() | {field: value}
    with pytest.raises(ProfileError, match=r"cpu-1t\.toml: " + match):
        load_profile(write(tmp_path, d, name="cpu-1t"))


@pytest.mark.parametrize("table,field,value,match", [
    ("isa", "arch", "x86", r"field 'isa\.arch': expected one of x86-64, arm64, got 'x86'"),
    ("isa", "features", ["avx2", "avx512vnni"], r"field 'isa\.features\[1\]': unknown x86-64 feature 'avx512vnni'"),
    ("onnxruntime", "providers", ["CPUProvider"], r"field 'onnxruntime\.providers\[0\]': unknown provider"),
    ("onnxruntime", "graph_optimization_level", "max", r"field 'onnxruntime\.graph_optimization_level'"),
    ("onnxruntime", "inter_op_num_threads", True, r"field 'onnxruntime\.inter_op_num_threads'"),
])
def test_bad_values_in_tables(tmp_path, table, field, value, match):
    d = base()
    d[table][field] = value
    with pytest.raises(ProfileError, match=r"cpu-1t\.toml: " + match):
        load_profile(write(tmp_path, d))


@pytest.mark.parametrize("field", ["latency_budget_p95_ms", "isa", "description", "measured_here"])
def test_missing_field(tmp_path, field):
    d = base()
    del d[field]
    with pytest.raises(ProfileError, match=rf"cpu-1t\.toml: field '{field}': missing \(required\)"):
        load_profile(write(tmp_path, d))


def test_optional_fields_take_defaults(tmp_path):
    d = base()
    del d["onnxruntime"], d["teacher_devices"], d["notes"]
    p = load_profile(write(tmp_path, d))
    assert p.onnxruntime.providers == ("CPUExecutionProvider",) and p.teacher_devices == ("cpu", "cuda")


def test_unknown_quant_preset_lists_the_exporters_presets(tmp_path):
    pytest.importorskip("edgekd_exporters.quantize")
    with pytest.raises(ProfileError, match=r"field 'quantization_preset': unknown preset 'turbo'.*default"):
        load_device_profile(write(tmp_path, base() | {"quantization_preset": "turbo"}))
    assert load_profile(write(tmp_path, base() | {"quantization_preset": "turbo"})).quantization_preset == "turbo"


def test_name_must_match_file_and_toml_must_parse(tmp_path):
    with pytest.raises(ProfileError, match=r"other\.toml: field 'name': 'cpu-1t' differs from the file name"):
        load_profile(write(tmp_path, base(), name="other"))
    bad = tmp_path / "broken.toml"
    bad.write_text("name = \n")
    with pytest.raises(ProfileError, match=r"broken\.toml: not valid TOML"):
        load_profile(bad)


def test_lookup_by_name_or_path(tmp_path):
    p = write(tmp_path, base())
    assert find_profile("cpu-1t", [tmp_path]) == p
    assert find_profile(str(p)) == p
    assert [q.stem for q in list_profiles([tmp_path, DEVICES])].count("cpu-1t") == 1
    with pytest.raises(ProfileError, match=r"no device profile 'cpu-9t'.*known: cpu-1t"):
        find_profile("cpu-9t", [tmp_path])
    with pytest.raises(ProfileError, match="no such profile file"):
        find_profile(tmp_path / "nope.toml")


def test_default_search_finds_the_repo_profiles():
    assert find_profile("cpu-2t").resolve() == (DEVICES / "cpu-2t.toml").resolve()


def _facts(**kw) -> dict:
    return {"arch": "x86-64", "isa_flags": ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni"],
            "usable_cpus": 2, "onnxruntime_providers": ["CPUExecutionProvider"], "gpu": None} | kw


def test_host_mismatches():
    cpu1 = load_profile(DEVICES / "cpu-1t.toml")
    assert host_mismatches(cpu1, _facts()) == []
    assert host_mismatches(cpu1, _facts(isa_flags=["avx2", "fma"])) == [
        "this CPU lacks avx512f, avx512bw, avx512vl, avx512_vnni"]
    assert "this host has 1 usable CPUs" in host_mismatches(load_profile(DEVICES / "cpu-2t.toml"), _facts(usable_cpus=1))[0]
    assert host_mismatches(load_profile(DEVICES / "pi4.toml"), _facts()) == [
        "the profile is for arm64, this host is x86-64"]
    gpu = load_profile(DEVICES / "gpu-server.toml")
    assert any("no GPU" in w for w in host_mismatches(gpu, _facts(usable_cpus=16)))
    assert host_mismatches(gpu, _facts(usable_cpus=16, gpu="H100")) == []


def test_cpu_info_parses_x86_and_arm():
    x86 = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx2 avx512_vnni\n"
    arm = "processor\t: 0\nFeatures\t: fp asimd evtstrm crc32\nCPU part\t: 0xd08\n"
    assert cpu_info(x86)["flags"] == {"fpu", "avx2", "avx512_vnni"} and cpu_info(x86)["model"] == "AMD EPYC"
    assert {"fp", "asimd"} <= cpu_info(arm)["flags"]


def test_runtime_reader_agrees_with_the_full_profiles(tmp_path):
    # edgekd-run reads only its keys, by the same field rules; both readers must see the same values.
    for path in SHIPPED:
        full, mini = load_profile(path), load_runtime_profile(path)
        assert (mini.name, mini.threads, mini.batch_sizes) == (full.name, full.threads, full.batch_sizes)
        assert mini.optimization == full.onnxruntime.graph_optimization_level
        assert mini.mem_arena == full.onnxruntime.enable_cpu_mem_arena


def test_runtime_reader_takes_a_minimal_profile_with_the_same_field_rules(tmp_path):
    p = tmp_path / "tiny-device.toml"
    p.write_text('threads = 2\n[onnxruntime]\ngraph_optimization_level = "basic"\n')
    mini = load_runtime_profile(p)
    assert (mini.name, mini.threads, mini.batch_sizes, mini.optimization) == ("tiny-device", 2, (1,), "basic")
    p.write_text('threads = 0\n')
    with pytest.raises(ProfileError, match=r"tiny-device\.toml: field 'threads': expected an integer >= 1"):
        load_runtime_profile(p)
    p.write_text('[onnxruntime]\ngraph_optimization_level = "max"\n')
    with pytest.raises(ProfileError, match=r"field 'onnxruntime\.graph_optimization_level': expected one of"):
        load_runtime_profile(p)


def test_profile_levels_are_the_ones_the_ort_backend_maps():
    from edgekd_runtime.ort_backend import _LEVELS
    from edgekd_runtime.profile import GRAPH_OPT_LEVELS
    assert set(GRAPH_OPT_LEVELS) == set(_LEVELS)
