"""The README's and docs/'s code blocks cannot drift: they are run here (as huggingface/tokenizers tests its docs).

- ```python blocks run in a fresh interpreter, ```bash blocks line by line, and ```js blocks marked
  `<!-- doc-test: node -->` in Node, all in a folder where `runs/quick-sst2/export/bundle` is a fixture bundle.
- A block preceded by `<!-- doc-test: skip (reason) -->` (a full build, a cluster, the test command itself) is not
  run, but every `edgekd` / `edgekd-run` command in it must name a real verb and real options (checked against the
  CLIs' own click definitions), so a renamed option still fails here.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

pytest.importorskip("onnx")

from tests.helpers.checkpoints import make_tiny_bundle  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"(?:<!-- doc-test: (?P<mark>[^>]*?) -->\n)?```(?P<lang>[a-z]*)\n(?P<body>.*?)```", re.S)
BUNDLE = "runs/quick-sst2/export/bundle"
JS_DIR = ROOT / "runtime" / "js"


@dataclass(frozen=True)
class Block:
    doc: str
    line: int
    lang: str
    mark: str
    body: str

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def blocks() -> list[Block]:
    out = []
    for path in DOCS:
        text = path.read_text()
        for m in BLOCK.finditer(text):
            line = text.count("\n", 0, m.start("body"))
            out.append(Block(path.relative_to(ROOT).as_posix(), line, m["lang"], m["mark"] or "", m["body"]))
    return out


def commands(body: str) -> list[str]:
    """Shell commands of a bash block: comments dropped, backslash continuations joined."""
    joined = re.sub(r"\\\n\s*", " ", body)
    cmds = []
    for line in joined.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            cmds.append(line)
    return cmds


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder holding a fixture bundle where the docs expect the quickstart's bundle."""
    work = tmp_path_factory.mktemp("docs")
    make_tiny_bundle(work / BUNDLE, seed=0)
    return work


def _env() -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _run(cmd, cwd: Path, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300, **kw)
    assert proc.returncode == 0, f"{cmd!r} exited {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    return proc


RUNNABLE = [b for b in blocks() if not b.mark.startswith("skip") and b.lang in ("python", "bash", "js")]
SKIPPED = [b for b in blocks() if b.mark.startswith("skip")]


def test_the_docs_have_runnable_blocks():
    langs = {b.lang for b in RUNNABLE if b.doc == "README.md"}
    assert {"python", "bash", "js"} <= langs, langs


@pytest.mark.parametrize("block", RUNNABLE, ids=lambda b: b.id)
def test_block_runs(block: Block, workdir: Path):
    if block.lang == "python":
        _run([sys.executable, "-c", block.body], workdir)
    elif block.lang == "bash":
        for cmd in commands(block.body):
            _run(["bash", "-c", cmd], workdir)
    else:
        assert block.mark == "node", f"{block.id}: mark js blocks `node` (run) or `skip (reason)`"
        _run_node(block.body, workdir)


def _run_node(code: str, workdir: Path) -> None:
    if shutil.which("node") is None or not (JS_DIR / "node_modules").is_dir():
        pytest.skip("Node or runtime/js/node_modules missing: run scripts/setup-test.sh")
    modules = workdir / "node_modules"
    modules.mkdir(exist_ok=True)
    link = modules / "edgekd-runtime"
    if not link.exists():
        link.symlink_to(JS_DIR, target_is_directory=True)
    script = workdir / "snippet.mjs"
    script.write_text(code)
    _run(["node", str(script)], workdir)


def _cli_options():
    """{(cli, verb): set of option names} from the click definitions of both CLIs."""
    from edgekd.cli import main as edgekd_main
    from edgekd_runtime.cli import main as run_main

    out = {}
    for name, group in (("edgekd", edgekd_main), ("edgekd-run", run_main)):
        ctx = click.Context(group)
        for verb in group.list_commands(ctx):          # the groups may load their verbs lazily
            cmd = group.get_command(ctx, verb)
            out[(name, verb)] = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
    return out


@pytest.mark.parametrize("block", SKIPPED, ids=lambda b: b.id)
def test_skipped_block_names_real_verbs_and_options(block: Block):
    assert re.match(r"skip \(.+\)", block.mark), f"{block.id}: say why: <!-- doc-test: skip (reason) -->"
    known = _cli_options()
    for cmd in commands(block.body) if block.lang == "bash" else []:
        words = shlex.split(cmd.replace("...", ""))
        if words and words[0].endswith(("/edgekd", "/edgekd-run")):
            words[0] = words[0].rsplit("/", 1)[1]
        if not words or words[0] not in ("edgekd", "edgekd-run"):
            continue
        assert (words[0], words[1]) in known, f"{block.id}: no verb `{words[0]} {words[1]}`"
        for opt in (w.split("=")[0] for w in words[2:] if w.startswith("--")):
            assert opt in known[(words[0], words[1])], f"{block.id}: `{words[0]} {words[1]}` has no option {opt}"
