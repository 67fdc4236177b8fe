"""scripts/bundle_identity.py: two exports compare equal apart from created_at and timings, and any other change in
any file of a bundle is reported."""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("onnx")

from tests.helpers.checkpoints import make_tiny_bundle  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bundle_identity", ROOT / "scripts" / "bundle_identity.py")
bundle_identity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bundle_identity)


@pytest.fixture(scope="module")
def pair_of_exports(tmp_path_factory):
    a = tmp_path_factory.mktemp("a")
    make_tiny_bundle(a / "bundles" / "single", seed=0)
    return a


def _copy(a: Path, tmp_path: Path) -> Path:
    b = tmp_path / "b"
    shutil.copytree(a, b)
    return b


def _edit_manifest(bundle: Path, edit) -> None:
    doc = json.loads((bundle / "manifest.json").read_text())
    edit(doc)
    (bundle / "manifest.json").write_text(json.dumps(doc))


def test_created_at_and_timings_are_ignored(pair_of_exports, tmp_path):
    b = _copy(pair_of_exports, tmp_path)
    _edit_manifest(b / "bundles" / "single", lambda d: d["provenance"].update(created_at="1999-01-01T00:00:00Z"))
    assert bundle_identity.compare(pair_of_exports, b) == []


@pytest.mark.parametrize("change", ["model", "manifest", "extra-file", "missing-bundle"])
def test_every_other_change_is_reported(pair_of_exports, tmp_path, change):
    b = _copy(pair_of_exports, tmp_path)
    bundle = b / "bundles" / "single"
    if change == "model":
        model = next(bundle.glob("*.onnx"))
        data = bytearray(model.read_bytes())
        data[-1] ^= 1
        model.write_bytes(bytes(data))
    elif change == "manifest":
        _edit_manifest(bundle, lambda d: d.update(edgekd_version="0.0.0"))
    elif change == "extra-file":
        (bundle / "notes.txt").write_text("x")
    else:
        shutil.rmtree(bundle)
    assert bundle_identity.compare(pair_of_exports, b)
