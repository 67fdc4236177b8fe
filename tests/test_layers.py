"""The package layers, checked statically: who may import whom.

    edgekd (training core) -> edgekd_exporters -> edgekd_runtime
              \\                    \\
               +-> edgekd_contract <-+        (the checkpoint contract; torch-free)

Every import form counts: `import x`, `import x.y as z`, `from x import y`, `from x.y import z`, relative imports
that climb out of the package, `importlib.import_module("x")` and `__import__("x")` with a literal name.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# package folder -> top-level names it must never import
FORBIDDEN = {
    REPO / "runtime" / "edgekd_runtime": {"edgekd", "edgekd_exporters", "edgekd_contract", "torch", "transformers",
                                          "onnx", "safetensors"},
    REPO / "exporters" / "edgekd_exporters": {"edgekd", "torch", "transformers"},
    REPO / "contract" / "edgekd_contract": {"edgekd", "edgekd_exporters", "edgekd_runtime", "torch", "transformers",
                                            "onnx"},
}

# The one exception: the transformer student's module and ONNX export need torch and transformers (the exporter
# rebuilds the torch module from the checkpoint and runs torch.onnx.export). It is imported lazily, by
# `graph.build_graph` for transformer checkpoints only, so the BiLSTM export path stays torch-free.
ALLOWED = {REPO / "exporters" / "edgekd_exporters" / "bert_student.py": {"torch", "transformers"}}


def imported_modules(source: str, package: str, module_path: tuple[str, ...]) -> set[str]:
    """Absolute dotted names a module imports. `package` is its top-level package and `module_path` the dotted
    parts of the module's own package (for resolving relative imports)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module_path[:len(module_path) - node.level + 1]
                name = ".".join((*base, node.module)) if node.module else ".".join(base)
                out.add(name if base else f"<outside {package}>")
            else:
                out.add(node.module or "")
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            f = node.func
            called = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if called in ("import_module", "__import__"):
                out.add(node.args[0].value)
    return out


def _modules(pkg_dir: Path):
    for path in sorted(pkg_dir.rglob("*.py")):
        rel = path.relative_to(pkg_dir.parent).with_suffix("").parts    # ("edgekd_runtime", "cli")
        yield path, rel[0], rel[:-1]


@pytest.mark.parametrize("pkg_dir", list(FORBIDDEN), ids=lambda p: p.name)
def test_package_never_imports_a_forbidden_layer(pkg_dir):
    assert pkg_dir.is_dir(), pkg_dir
    bad = []
    for path, package, pkg_parts in _modules(pkg_dir):
        for name in imported_modules(path.read_text(encoding="utf-8"), package, pkg_parts):
            top = name.split(".")[0]
            if (top in FORBIDDEN[pkg_dir] and top not in ALLOWED.get(path, ())) or top.startswith("<outside"):
                bad.append(f"{path.relative_to(REPO)} imports {name}")
    assert not bad, "\n".join(bad)


def test_the_bilstm_export_path_never_loads_torch():
    """Only `bert_student` may import torch, and nothing imports it at module level."""
    pkg = REPO / "exporters" / "edgekd_exporters"
    for path in sorted(pkg.glob("*.py")):
        top_level = {n.module for n in ast.parse(path.read_text(encoding="utf-8")).body
                     if isinstance(n, ast.ImportFrom) and n.module}
        assert "bert_student" not in top_level, f"{path.name} imports bert_student at module level"


def test_the_check_sees_every_import_form():
    src = """
import edgekd
import edgekd.tasks as t
from edgekd import tasks
from edgekd.student.config import StudentConfig
from . import sibling
from .. import outside
import importlib
importlib.import_module("edgekd.metrics")
__import__("edgekd_exporters")
def f():
    from edgekd.metrics import score
"""
    assert imported_modules(src, "edgekd_exporters", ("edgekd_exporters",)) == {
        "edgekd", "edgekd.tasks", "edgekd.student.config", "edgekd.metrics", "edgekd_exporters", "importlib",
        "<outside edgekd_exporters>"}
