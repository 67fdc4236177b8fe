"""Runtime test fixtures: bundles from $EDGEKD_TEST_BUNDLES (pre-built, base-only venv) or built here with the exporters."""
from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

# Texts that exercise the encoding rules: empty, whitespace, emoji/CJK/accents/RTL, control chars, over-long.
TEXTS = ["a good film", "the worst movie ever made", "", "   \t ", "charming , funny and beautiful",
         "not bad at all 👍🏽", "日本語のテキスト", "Ça déçoit, ﬁnalement… naïve", "שלום עולם", "\x00\x07 odd\u200b",
         "it is a very very long story " * 12, "fun"]


def _make_fixtures():
    spec = importlib.util.spec_from_file_location("edgekd_runtime_make_fixtures", HERE / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def bundles_dir(tmp_path_factory) -> Path:
    """Directory holding the fixture bundles named in make_fixtures.FIXTURES."""
    names = list(_make_fixtures().FIXTURES)
    pre = os.environ.get("EDGEKD_TEST_BUNDLES")
    if pre:
        missing = [n for n in names if not (Path(pre) / n / "manifest.json").is_file()]
        if missing:
            pytest.fail(f"EDGEKD_TEST_BUNDLES={pre} lacks {missing}; run `python -m tests.runtime.make_fixtures {pre}`")
        return Path(pre)
    for need in ("tests.helpers.checkpoints", "onnx", "safetensors"):
        try:
            importlib.import_module(need)
        except ImportError as e:
            pytest.skip(f"test bundles need {need} ({e}); pre-build them with `python -m tests.runtime.make_fixtures "
                        "DIR` in the full venv and set EDGEKD_TEST_BUNDLES=DIR")
    return _make_fixtures().build(tmp_path_factory.mktemp("runtime_bundles"))


@pytest.fixture(scope="session")
def single_dir(bundles_dir) -> Path:
    return bundles_dir / "single"


@pytest.fixture(scope="session")
def pair_dir(bundles_dir) -> Path:
    return bundles_dir / "pair"


@pytest.fixture
def single_copy(single_dir, tmp_path) -> Path:
    """A private copy of the single-sentence bundle that a test may corrupt."""
    return Path(shutil.copytree(single_dir, tmp_path / "bundle"))


@pytest.fixture(scope="session")
def texts() -> list[str]:
    return list(TEXTS)


@pytest.fixture(scope="session")
def pairs() -> list[tuple[str, str]]:
    return [(a, b) for a, b in zip(TEXTS, reversed(TEXTS))]


@pytest.fixture(scope="session")
def run_python():
    """run_python(code, *args) -> CompletedProcess of `python -c code` in a fresh interpreter of this venv."""
    import subprocess

    def run(code: str, *args: str, timeout: float = 60, **kw):
        env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
        return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                              timeout=timeout, env=env, **kw)
    return run
