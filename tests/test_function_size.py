"""The 60-line rule (issue 25), Python side: no function or method in edgekd, the exporters, the runtime or the
contract spans more than 60 lines, from its `def` line to its last line (decorators not counted, the docstring
counted). runtime/js has the same rule for the JS runtime (runtime/js/test/function_length.test.js)."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAX_LINES = 60
PACKAGES = (REPO / "edgekd", REPO / "exporters" / "edgekd_exporters", REPO / "runtime" / "edgekd_runtime",
            REPO / "contract" / "edgekd_contract")

# "path/to/file.py:function" -> why it is longer for now (temporary; none at the moment).
EXCEPTIONS: dict[str, str] = {}


def function_spans(source: str) -> list[tuple[str, int, int]]:
    """(qualified name, first line, line count) of every function, method and nested function in `source`."""
    out = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                out.append((name, child.lineno, child.end_lineno - child.lineno + 1))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)
    visit(ast.parse(source), "")
    return out


def test_every_function_is_at_most_60_lines():
    long = []
    seen = set()
    for pkg in PACKAGES:
        assert pkg.is_dir(), pkg
        for path in sorted(pkg.rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            for name, line, n in function_spans(path.read_text(encoding="utf-8")):
                key = f"{rel}:{name}"
                if n > MAX_LINES:
                    seen.add(key)
                    if key not in EXCEPTIONS:
                        long.append(f"{rel}:{line} {name}: {n} lines")
    assert not long, f"functions over {MAX_LINES} lines (split them):\n" + "\n".join(long)
    stale = sorted(set(EXCEPTIONS) - seen)
    assert not stale, f"these are {MAX_LINES} lines or fewer now: remove them from EXCEPTIONS: {stale}"


def test_the_rule_sees_methods_nested_functions_and_counts_from_def():
    src = "@decorator\n@another\ndef f():\n" + "    x = 1\n" * 60 + "\n" + \
          "class C:\n    def m(self):\n        def inner():\n            pass\n        return inner\n"
    spans = {name: n for name, _, n in function_spans(src)}
    assert spans == {"f": 61, "C.m": 4, "C.m.inner": 2}
