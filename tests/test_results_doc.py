"""docs/results.md is generated from committed result JSON by scripts/gen_results.py: it must be up to date, and
every section must name its host, date and command."""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPEC = importlib.util.spec_from_file_location("gen_results", ROOT / "scripts" / "gen_results.py")
gen = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(gen)


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return gen.render(ROOT)


def _copy_results(tmp: Path) -> Path:
    for rel in ("benchmarks/results", "devices/results"):
        shutil.copytree(ROOT / rel, tmp / rel, ignore=shutil.ignore_patterns("*.png"))
    shutil.copy(ROOT / "README.md", tmp / "README.md")     # it holds the generated headline block
    return tmp


def test_generated_docs_are_up_to_date(rendered):
    for rel, text in rendered.items():
        on_disk = (ROOT / rel).read_text(encoding="utf-8")
        assert on_disk == text, f"{rel} is stale: run `python scripts/gen_results.py` and commit it"


def _provenance_blocks(text: str) -> list[str]:
    return [b for b in re.split(r"\n(?=#{2,3} )", text) if "- **Measured:**" in b]


def test_every_section_names_host_date_command(rendered):
    text = rendered[gen.OUT]
    blocks = _provenance_blocks(text)
    assert len(blocks) >= 20
    for b in blocks:
        title = b.splitlines()[0]
        for field in ("- **Host:** ", "- **Date:** ", "- **Command:** ", "- **File:** "):
            line = next((ln for ln in b.splitlines() if ln.startswith(field)), None)
            assert line and len(line) > len(field) + 3, f"{title}: no {field.strip()}"
        host = next(ln for ln in b.splitlines() if ln.startswith("- **Host:** "))
        assert "ISA" in host or "not recorded" in host, f"{title}: host without ISA: {host}"
        date = next(ln for ln in b.splitlines() if ln.startswith("- **Date:** "))
        assert re.search(r"\d{4}-\d{2}-\d{2}", date), f"{title}: no date"
        src = re.search(r"\(\.\./([^)]+\.json)\)", next(ln for ln in b.splitlines() if ln.startswith("- **File:** ")))
        assert src and (ROOT / src.group(1)).is_file(), f"{title}: File does not name a committed JSON"
    # the headline table: one row per profile file, each with host, date, command and link
    rows = [ln for ln in rendered[gen.HEADLINE].splitlines() if ln.startswith("| [`")]
    assert len(rows) == len(gen.PROFILES) <= 6
    for r in rows:
        assert "ISA" in r and re.search(r"\| \d{4}-\d{2}-\d{2} \|", r) and "`edgekd profile --device" in r


def test_every_result_file_in_provenance_exists():
    prov = json.loads((ROOT / gen.PROVENANCE).read_text())
    for rel in prov["files"]:
        assert (ROOT / rel).is_file(), rel


def test_check_fails_on_a_changed_number(tmp_path):
    root = _copy_results(tmp_path)
    for rel, text in gen.render(root).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    assert gen.stale(root) == []
    p = root / "devices/results/cpu-1t/sst2-af92681380.json"
    rec = json.loads(p.read_text())
    next(s for s in rec["systems"] if s["system"] == "teacher-cpu")["latency_ms"]["p50"] *= 2
    p.write_text(json.dumps(rec))
    assert gen.OUT in gen.stale(root) and gen.HEADLINE in gen.stale(root)
    r = subprocess.run([sys.executable, str(ROOT / "scripts/gen_results.py"), "--check", "--root", str(root)],
                       check=False, capture_output=True, text=True)
    assert r.returncode == 1 and "stale: docs/results.md" in r.stderr


def test_check_fails_on_a_hand_edited_doc(tmp_path):
    root = _copy_results(tmp_path)
    for rel, text in gen.render(root).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text.replace("**40.4x**", "**55x**"), encoding="utf-8")
    assert set(gen.stale(root)) == {gen.OUT, gen.HEADLINE, gen.README}
    assert gen.main(["--check", "--root", str(root)]) == 1
    assert gen.main(["--root", str(root)]) == 0 and gen.main(["--check", "--root", str(root)]) == 0


def test_a_new_compare_family_is_picked_up(tmp_path):
    """benchmarks/results/static/*.json with compare.py's schema gets its own section (the static student family)."""
    root = _copy_results(tmp_path)
    rec = json.loads((root / "benchmarks/results/transformer/compare-tiny-sst2.json").read_text())
    rec["rows"][2]["system"] = "static-int8"
    (root / "benchmarks/results/static").mkdir(exist_ok=True)
    (root / "benchmarks/results/static/static-sst2.json").write_text(json.dumps(rec))
    (root / "benchmarks/results/static/notes.json").write_text(json.dumps({"not": "a compare record"}))
    (root / "benchmarks/results/static/list.json").write_text(json.dumps([{"a": 1}]))     # nor is a list
    text = gen.render(root)[gen.OUT]
    assert "### `benchmarks/results/static/static-sst2.json`" in text
    assert "| static-int8 |" in text and "notes.json" not in text and "list.json" not in text
    assert len(_provenance_blocks(text)) == len(_provenance_blocks(gen.render(ROOT)[gen.OUT])) + 1
