"""The bundle contract lives once (edgekd_runtime/contract.py); the JavaScript copy is generated from it and must
be fresh, and no other runtime or exporter source defines the contract's values again."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from edgekd_runtime import contract

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("gen_contract", ROOT / "runtime/js/tools/gen_contract.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def test_generated_js_is_fresh():
    assert gen.main(["--check"]) == 0, "run: python runtime/js/tools/gen_contract.py"


@pytest.mark.parametrize("name, value", [("SORT_WINDOW", 2048), ("EMPTY_ID", 101), ("EXIT_INVALID", 4)])
def test_changing_a_constant_makes_the_js_stale(monkeypatch, name, value):
    monkeypatch.setattr(contract, name, value)
    assert gen.contract_js() != gen.CONTRACT_JS.read_text()
    assert gen.dts_block() not in gen.INDEX_DTS.read_text()


def test_the_manifest_types_come_from_the_dataclasses():
    import dataclasses

    from edgekd_runtime import manifest

    block = gen.dts_block()
    for cls in gen.SPECS:                                              # every field, in its interface
        body = block.split(f"export interface {cls.__name__} {{", 1)[1].split("}", 1)[0]
        assert [ln.split(":")[0].strip() for ln in body.strip().splitlines()] == \
            [f.name for f in dataclasses.fields(cls)]
    assert "  golden: string | null;" in block                      # Manifest.golden: str | None
    assert gen.SPECS[-1] is manifest.Manifest


# Definitions that would copy the contract: `NAME = <value>` in Python, `const NAME = <value>` in JS.
SOURCES = [*(ROOT / "runtime/edgekd_runtime").glob("*.py"), *(ROOT / "exporters/edgekd_exporters").glob("*.py"),
           *(ROOT / "runtime/js/src").rglob("*.js"), *(ROOT / "runtime/js/bin").rglob("*.js")]


@pytest.mark.parametrize("name", [k for k in gen.constants()])
def test_no_other_source_defines_a_contract_constant(name):
    pattern = re.compile(rf"^\s*(export\s+)?(const\s+)?{name}\s*(:[^=]+)?=(?!=)", re.M)
    owners = [p.relative_to(ROOT).as_posix() for p in SOURCES
              if p.name not in ("contract.py", "contract.js") and pattern.search(p.read_text())]
    assert owners == [], f"{name} is defined again in {owners}: import it from the contract"
