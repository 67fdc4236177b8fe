"""A student family is its module(s) plus one entry per registry: no other source file names a family or a kind.

The registries are the contract's `edgekd_contract.kinds.FAMILIES` (kinds, checkpoint tensors), the exporter's
`edgekd_exporters.families.FAMILIES` (graph builder, default quantization, model card) and the training core's
`edgekd.student.registry.MODULES` (config factory, CLI choices, tolerance, preset, init). The family modules are
the files those registries name. Any other module of the three packages holding a string literal equal to a
family name or a kind ("bilstm", "siamese_bilstm", ...) is branching on a family it should ask a registry about.
"""
from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from edgekd.student.registry import MODULES
from edgekd_contract.kinds import FAMILIES, KIND_FAMILY
from edgekd_exporters.families import FAMILIES as EXPORT_FAMILIES

REPO = Path(__file__).resolve().parents[1]
PACKAGES = (REPO / "edgekd", REPO / "exporters" / "edgekd_exporters", REPO / "contract" / "edgekd_contract")
REGISTRIES = ("edgekd.student.registry", "edgekd_contract.kinds", "edgekd_exporters.families")
# Features that exist for one family only, and say so: `edgekd pretrain-student` pre-distils a BiLSTM encoder.
SINGLE_FAMILY_FEATURES = {REPO / "edgekd" / "pretrain.py"}


def _path(module: str) -> Path:
    return Path(importlib.util.find_spec(module).origin).resolve()


def family_files() -> set[Path]:
    """The registries and every module they name."""
    mods = set(REGISTRIES) | set(MODULES.values()) | {f.graph.partition(":")[0] for f in EXPORT_FAMILIES.values()}
    return {_path(m) for m in mods}


def names_in(path: Path, names: set[str], root: Path = REPO) -> list[str]:
    return [f"{path.relative_to(root)}:{n.lineno}: {n.value!r}" for n in ast.walk(ast.parse(path.read_text()))
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in names]


def test_registries_agree():
    assert list(MODULES) == list(FAMILIES) == list(EXPORT_FAMILIES)
    assert set(KIND_FAMILY.values()) == set(FAMILIES)


def test_no_file_outside_the_families_and_registries_names_a_family():
    names = set(FAMILIES) | set(KIND_FAMILY)
    allowed = family_files() | SINGLE_FAMILY_FEATURES
    bad = [hit for pkg in PACKAGES for path in sorted(pkg.rglob("*.py")) if path.resolve() not in allowed
           for hit in names_in(path, names)]
    assert not bad, "family names outside their modules and the registries:\n" + "\n".join(bad)


def test_the_check_sees_a_family_branch(tmp_path):
    f = tmp_path / "m.py"
    f.write_text('def f(cfg):\n    """mentions bilstm in prose, which is fine"""\n    return cfg.kind == "static"\n')
    assert names_in(f, {"static", "bilstm"}, root=tmp_path) == ["m.py:3: 'static'"]
