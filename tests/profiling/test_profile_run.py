"""Smoke run of `edgekd profile` on a tiny bundle (int8 + fp32) and a tiny teacher, with very few iterations.

The default suite measures peak RSS only for the torch-free student children (a torch child spends most of
its time importing torch); the e2e test runs the whole thing, teacher child included.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edgekd.cli import main
from edgekd.profiling.machine import host_arch
from edgekd.profiling.harness import peak_rss
from edgekd.profiling.run import bundle_id
from edgekd.profiling.systems import build


@pytest.fixture(scope="module")
def tiny_bundle(tmp_path_factory):
    testing = pytest.importorskip("tests.helpers.checkpoints", reason="exporters' tiny-bundle helper not available")
    pytest.importorskip("edgekd_runtime.bundle", reason="runtime Bundle not available")
    out = tmp_path_factory.mktemp("tiny") / "bundle"
    testing.make_tiny_bundle(out, precision="both")
    return out


def host_profile(tmp_path, name="here-1t"):
    p = tmp_path / f"{name}.toml"
    p.write_text(f'''name = "{name}"
description = "whatever this test runs on"
measured_here = true
cores = 1
threads = 1
memory_budget_mb = 100000
latency_budget_p95_ms = 0.001
batch_sizes = [1, 4]
max_length = 32
quantization_preset = "default"
teacher_devices = ["cpu", "cuda"]
[isa]
arch = "{host_arch()}"
''')
    return p


def run_cli(prof, bundle, teacher, glue_dir, out, *extra):
    return CliRunner().invoke(main, ["profile", "--device", str(prof), "--bundle", str(bundle), "--teacher",
                                     str(teacher), "--data-dir", str(glue_dir), "--limit", "24", "--quick",
                                     "--no-references", "--out", str(out), *extra])


def check_record(out, bundle, rss: bool) -> dict:
    from edgekd_runtime.manifest import Manifest

    base = out / "here-1t" / bundle_id(Manifest.read(bundle))
    rec = json.loads(base.with_suffix(".json").read_text())
    names = [r["system"] for r in rec["systems"]]
    assert names[:4] == ["student-int8-onnxruntime", "student-fp32-onnxruntime", "student-int8-numpy",
                         "student-fp32-numpy"]
    assert "teacher-cpu" in names and rec["errors"] == []
    for r in rec["systems"]:
        assert r["latency_ms"]["n"] == 20 and set(r["throughput"]) == {"1", "4"}
        assert 0 <= r["metric"]["accuracy"] <= 1
        assert r["budget"]["latency_p95_ms"]["pass"] is False           # a 1 µs budget cannot be met
        assert r["budget"]["pass"] is (False if rss else None)          # unmeasured memory is never a pass
    students = {r["system"]: r for r in rec["systems"] if r["kind"] == "student"}
    assert students["student-int8-onnxruntime"]["size_bytes"] < students["student-fp32-onnxruntime"]["size_bytes"]
    assert len(rec["comparisons"]) == 4 and rec["headline"]["student"] == "student-int8-onnxruntime"
    if rec["host"]["gpu"] is None:
        assert any("No GPU" in n for n in rec["notes"])
    md = base.with_suffix(".md").read_text()
    assert "| student-int8-numpy |" in md and "| teacher-cpu |" in md
    assert base.with_suffix(".png").stat().st_size > 5000
    return rec


def test_profile_cli_smoke(tiny_bundle, tiny_teacher_dir, glue_dir, tmp_path):
    res = run_cli(host_profile(tmp_path), tiny_bundle, tiny_teacher_dir, glue_dir, tmp_path / "r", "--no-rss")
    assert res.exit_code == 0, res.output
    assert "vs teacher-cpu: speedup p50" in res.output
    rec = check_record(tmp_path / "r", tiny_bundle, rss=False)
    assert all(r["peak_rss_mb"] is None for r in rec["systems"])


def test_student_peak_rss_child_is_its_own_and_torch_free(tiny_bundle, glue_dir):
    from edgekd.tasks import load_split

    items = list(load_split("sst2", "dev", glue_dir, limit=16).texts)
    jobs = {}
    for backend in ("onnxruntime", "numpy"):
        s = build({"kind": "student", "bundle": str(tiny_bundle), "backend": backend, "model": "model.int8.onnx",
                   "threads": 1, "ort": {}})
        jobs[s.name] = (s, items, 8)
    res = peak_rss(jobs, timeout_s=60)
    for name, r in res.items():
        assert "error" not in r, r
        assert r["torch_imported"] is False and r["items"] == 16 and r["batch"] == 8
        # the child's own figure (~60 MB), not the torch-laden pytest parent's, which ru_maxrss would inherit
        assert r["rss_after_load_mb"] <= r["peak_rss_mb"] < 300, r


@pytest.mark.e2e
def test_profile_cli_full_with_rss(tiny_bundle, tiny_teacher_dir, glue_dir, tmp_path):
    res = run_cli(host_profile(tmp_path), tiny_bundle, tiny_teacher_dir, glue_dir, tmp_path / "r")
    assert res.exit_code == 0, res.output
    rec = check_record(tmp_path / "r", tiny_bundle, rss=True)
    rows = {r["system"]: r for r in rec["systems"]}
    assert rows["teacher-cpu"]["rss"]["torch_imported"] is True
    assert rows["student-int8-onnxruntime"]["peak_rss_mb"] < rows["teacher-cpu"]["peak_rss_mb"]
    assert not any(r["rss"]["torch_imported"] for r in rows.values() if r["kind"] == "student")


def test_profile_cli_refuses_a_profile_for_other_hardware(tmp_path):
    from edgekd_runtime.profile import find_profile

    res = CliRunner().invoke(main, ["profile", "--device", "pi4" if host_arch() != "arm64" else "cpu-1t",
                                    "--bundle", str(tmp_path), "--teacher", "x"])
    assert res.exit_code != 0 and "describes hardware that is not this host" in res.output
    assert "Traceback" not in res.output and find_profile("pi4").is_file()


def test_profile_cli_lists_devices():
    res = CliRunner().invoke(main, ["profile", "--list-devices"])
    assert res.exit_code == 0 and "pi4" in res.output and "specification" in res.output


def test_profile_cli_rejects_a_missing_teacher_folder(tiny_bundle, tmp_path):
    res = CliRunner().invoke(main, ["profile", "--device", str(host_profile(tmp_path)), "--bundle", str(tiny_bundle),
                                    "--teacher", str(tmp_path / "no-teacher"), "--out", str(tmp_path / "r")])
    assert res.exit_code != 0 and "no such teacher folder" in res.output
    assert not (tmp_path / "r").exists()
