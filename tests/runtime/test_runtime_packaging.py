"""Device profiles from an installed `edgekd-runtime`: the wheel carries the repository's devices/*.toml as package
data (runtime/setup.py copies them in), and the loader searches that folder after $EDGEKD_DEVICES_DIR, the source
tree and ./devices.

These run both from the source tree and against an installed wheel (scripts/check-wheels.sh sets
EDGEKD_EXPECT_INSTALLED=1, and then the runtime must come from site-packages and the profiles from its package data).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from edgekd_runtime import profile as P

REPO = Path(__file__).resolve().parents[2]
COMMITTED = sorted(p.stem for p in (REPO / "devices").glob("*.toml"))
INSTALLED = os.environ.get("EDGEKD_EXPECT_INSTALLED") == "1"


@pytest.fixture
def no_checkout(tmp_path, monkeypatch):
    """A host without a checkout: no $EDGEKD_DEVICES_DIR, no ./devices, and no source-tree devices/."""
    monkeypatch.delenv(P.ENV_DIR, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(P, "source_profiles_dir", lambda: tmp_path / "no-source-tree" / "devices")
    return tmp_path


def test_the_repository_has_profiles():
    assert {"cpu-1t", "cpu-2t"} <= set(COMMITTED), COMMITTED


def test_packaged_profiles_are_found_without_a_checkout(no_checkout, monkeypatch):
    """The installed layout, simulated: the profiles beside the module in edgekd_runtime/devices/."""
    pkg = no_checkout / "site-packages" / "edgekd_runtime" / "devices"
    pkg.mkdir(parents=True)
    for name in COMMITTED:
        shutil.copyfile(REPO / "devices" / f"{name}.toml", pkg / f"{name}.toml")
    monkeypatch.setattr(P, "packaged_profiles_dir", lambda: pkg)
    assert P.profile_dirs() == [pkg]
    assert [p.stem for p in P.list_profiles()] == COMMITTED
    for name in COMMITTED:
        assert P.find_profile(name) == pkg / f"{name}.toml"
        assert P.load_profile(name).name == name
    assert P.load_runtime_profile("cpu-1t").threads == 1
    assert P.is_packaged_profile(pkg / "cpu-1t.toml")
    assert not P.is_packaged_profile(REPO / "devices" / "cpu-1t.toml")


def test_user_folders_win_over_packaged_profiles(no_checkout, monkeypatch):
    pkg, mine = no_checkout / "pkg", no_checkout / "mine"
    for d in (pkg, mine):
        d.mkdir()
        shutil.copyfile(REPO / "devices" / "cpu-1t.toml", d / "cpu-1t.toml")
    monkeypatch.setattr(P, "packaged_profiles_dir", lambda: pkg)
    monkeypatch.setenv(P.ENV_DIR, str(mine))
    assert P.find_profile("cpu-1t") == mine / "cpu-1t.toml"
    assert P.profile_dirs() == [mine, pkg]


def test_without_any_profile_folder_the_error_says_where_it_looked(no_checkout, monkeypatch):
    monkeypatch.setattr(P, "packaged_profiles_dir", lambda: no_checkout / "absent")
    with pytest.raises(P.ProfileError, match="no device profile 'cpu-1t'"):
        P.find_profile("cpu-1t")


def test_every_committed_profile_is_found_from_this_runtime(tmp_path, monkeypatch):
    """No env, cwd elsewhere: from a checkout the source tree's devices/ answers; from an installed wheel only its
    package data can (the source-tree path does not exist there), so this fails if the wheel lacks a profile."""
    monkeypatch.delenv(P.ENV_DIR, raising=False)
    monkeypatch.chdir(tmp_path)
    found = {p.stem: p for p in P.list_profiles()}
    assert set(COMMITTED) <= set(found), f"missing {sorted(set(COMMITTED) - set(found))} in {P.profile_dirs()}"
    for name in COMMITTED:
        assert P.load_profile(name).name == name
        # the packaged copy, when there is one, is byte-identical to the committed file
        packaged = P.packaged_profiles_dir() / f"{name}.toml"
        if packaged.is_file():
            assert packaged.read_bytes() == (REPO / "devices" / f"{name}.toml").read_bytes(), packaged


@pytest.mark.skipif(not INSTALLED, reason="only against an installed wheel (scripts/check-wheels.sh sets "
                                          "EDGEKD_EXPECT_INSTALLED=1)")
def test_installed_wheel_serves_profiles_from_package_data(tmp_path, monkeypatch):
    import edgekd_runtime

    here = Path(edgekd_runtime.__file__).resolve()
    assert REPO not in here.parents, f"edgekd_runtime imported from the checkout: {here}"
    assert not P.source_profiles_dir().is_dir()
    monkeypatch.delenv(P.ENV_DIR, raising=False)
    monkeypatch.chdir(tmp_path)
    assert P.profile_dirs() == [P.packaged_profiles_dir()]
    assert sorted(p.stem for p in P.list_profiles()) == COMMITTED
    assert P.is_packaged_profile(P.find_profile("cpu-1t"))
