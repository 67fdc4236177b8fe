"""The package layers, checked statically: who may import whom.

    edgekd (training core) -> edgekd_exporters -> edgekd_runtime
              \\                    \\
               +-> edgekd_contract <-+        (the checkpoint contract; torch-free)

Every import form counts: `import x`, `import x.y as z`, `from x import y`, `from x.y import z`, relative imports
that climb out of the package, `importlib.import_module("x")` and `__import__("x")` with a literal name.
"""
from __future__ import annotations

import ast
import re
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


def _imported_by_name(node: ast.AST) -> str | None:
    """The literal module name of `import_module("a.b")` / `__import__("a.b")`, else None."""
    if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)):
        return None
    f = node.func
    called = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    return node.args[0].value if called in ("import_module", "__import__") else None


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
        elif (name := _imported_by_name(node)) is not None:
            out.add(name)
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


# ---- no import cycles (issue 25) -----------------------------------------------------------------------------

PACKAGES = (REPO / "edgekd", REPO / "exporters" / "edgekd_exporters", REPO / "contract" / "edgekd_contract",
            REPO / "runtime" / "edgekd_runtime")

# Cycles tolerated for now, each a set of modules, with who removes it (a listed cycle that is gone is fine: the
# student-family work is in flight in the same tree; delete its entry once it is committed without the cycle).
KNOWN_CYCLES: list[frozenset[str]] = []   # none: a new cycle is a failure


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_nodes(tree: ast.AST):
    """Every node of `tree` except those under `if TYPE_CHECKING:` (annotations only; never imported at run time)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))


def import_targets(source: str, pkg_parts: tuple[str, ...]) -> set[str]:
    """Dotted names a module imports at run time, at module level or inside functions: `import a.b`, `from a import
    b` (as `a.b`, which resolves to module a.b or to a), relative imports against `pkg_parts` (the module's own
    package), and `import_module("a.b")` / `__import__("a.b")` with a literal name."""
    out: set[str] = set()
    for node in _runtime_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = pkg_parts[:len(pkg_parts) - node.level + 1] if node.level else ()
            mod = ".".join((*base, node.module) if node.module else base)
            out |= {f"{mod}.{a.name}" if a.name != "*" else mod for a in node.names} | {mod}
        elif (name := _imported_by_name(node)) is not None:
            out.add(name)
    return out


def import_graph(pkg_dirs) -> dict[str, set[str]]:
    """module -> the modules of `pkg_dirs` it imports (a package is its __init__; `from a import b` counts as
    importing a.b when that is a module, else a)."""
    files = {}
    for pkg_dir in pkg_dirs:
        for path in sorted(Path(pkg_dir).rglob("*.py")):
            parts = path.relative_to(Path(pkg_dir).parent).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            files[name] = (path, parts[:-1])

    def resolve(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, (path, pkg_parts) in files.items():
        targets = {resolve(t) for t in import_targets(path.read_text(encoding="utf-8"), pkg_parts)}
        # `from a import b` also names `a`; a module importing its own package or itself is no cycle
        graph[name] = {t for t in targets if t and t != name and not name.startswith(t + ".")}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    found.append(frozenset(comp))
    return found


def _describe(cycle: frozenset[str], graph: dict[str, set[str]]) -> str:
    return "{" + ", ".join(sorted(cycle)) + "}: " + "; ".join(
        f"{m} -> {', '.join(sorted(graph[m] & cycle))}" for m in sorted(cycle))


def test_no_import_cycles():
    """No circle among our modules, counting imports inside functions (which only hide a circle) too."""
    graph = import_graph(PACKAGES)
    cycles = import_cycles(graph)
    new = [c for c in cycles if c not in KNOWN_CYCLES]
    assert not new, "import cycles (move the shared piece down into a module both can import):\n" + \
        "\n".join(_describe(c, graph) for c in new)


BENCHMARK_NAME = re.compile(r"benchmarks(\.\w+)*(:\w+)?")


def test_edgekd_never_imports_benchmarks():
    """benchmarks/ builds on edgekd, never the other way: no import of it, static or by a literal module name
    (`import_module("benchmarks.x")`, a plugin spec "benchmarks.x:f"), anywhere under edgekd/."""
    bad = []
    for path in sorted((REPO / "edgekd").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parts = path.relative_to(REPO).with_suffix("").parts[:-1]
        names = {n for n in import_targets(path.read_text(encoding="utf-8"), parts) if n.split(".")[0] == "benchmarks"}
        names |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                  and BENCHMARK_NAME.fullmatch(n.value)}
        bad += [f"{path.relative_to(REPO)}: {n}" for n in sorted(names)]
    assert not bad, "\n".join(bad)


def _write_package(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def test_the_cycle_check_can_fail(tmp_path):
    """A deliberately cyclic package: a lazy import inside a function still closes the circle, a TYPE_CHECKING
    import does not, and a three-module circle through relative and absolute imports is found whole."""
    pkg = _write_package(tmp_path / "cyc", {
        "__init__.py": "",
        "a.py": "from .b import f\n",
        "b.py": "def f():\n    from cyc import a\n",                      # hidden in a function: still a circle
        "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .d import X\n",
        "d.py": "from . import c\n",                                           # c -> d only for annotations
        "sub/__init__.py": "",
        "sub/x.py": "import importlib\nimportlib.import_module('cyc.sub.y')\n",
        "sub/y.py": "from ..sub import z\n",
        "sub/z.py": "from cyc.sub.x import something\n",
    })
    graph = import_graph([pkg])
    assert sorted(map(sorted, import_cycles(graph))) == [["cyc.a", "cyc.b"], ["cyc.sub.x", "cyc.sub.y", "cyc.sub.z"]]
    assert graph["cyc.c"] == set() and graph["cyc.d"] == {"cyc.c"}


def test_the_benchmarks_check_sees_literal_names():
    assert BENCHMARK_NAME.fullmatch("benchmarks.lineup:fasttext_system")
    assert BENCHMARK_NAME.fullmatch("benchmarks.baselines") and not BENCHMARK_NAME.fullmatch("see benchmarks/x.py")
    assert import_targets("import importlib\nimportlib.import_module('benchmarks.x')\n", ("edgekd",)) >= \
        {"benchmarks.x"}
