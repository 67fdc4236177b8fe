"""Copies the device profiles (../devices/*.toml, the one committed copy) into the `edgekd_runtime` package when
building the sdist or the wheel, so `edgekd-run --profile NAME` and `edgekd profile --device NAME` find them from an
installed wheel (`edgekd_runtime.profile.packaged_profiles_dir`). Everything else is declared in pyproject.toml.

The sdist carries the copies under edgekd_runtime/devices/, so a wheel built from the sdist (what `python -m build`
does) has them too. An editable install copies nothing: the loader finds ../devices through the source tree.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py as _build_py
from setuptools.command.sdist import sdist as _sdist

HERE = Path(__file__).resolve().parent
PACKAGED = Path("edgekd_runtime") / "devices"          # inside the package, relative to the build folder


def _profiles() -> list[Path]:
    """The repository's profiles in a checkout; the sdist's copies when building from an unpacked sdist."""
    for folder in (HERE.parent / "devices", HERE / PACKAGED):
        found = sorted(folder.glob("*.toml"))
        if found:
            return found
    raise SystemExit(f"no device profiles in {HERE.parent / 'devices'} or {HERE / PACKAGED}: cannot build "
                     "edgekd-runtime without them")


def _copy_profiles(dest_root: Path) -> None:
    dest = dest_root / PACKAGED
    dest.mkdir(parents=True, exist_ok=True)
    for src in _profiles():
        if src.resolve() != (dest / src.name).resolve():
            shutil.copyfile(src, dest / src.name)


class build_py(_build_py):
    def run(self):
        super().run()
        if not getattr(self, "editable_mode", False):
            _copy_profiles(Path(self.build_lib))


class sdist(_sdist):
    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        _copy_profiles(Path(base_dir))


setup(cmdclass={"build_py": build_py, "sdist": sdist})
