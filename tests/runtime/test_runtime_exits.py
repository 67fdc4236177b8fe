"""`edgekd-run`'s exit-code policy, verb by verb (docs/cli.md): 0 ok, 2 usage or input, 3 invalid bundle or failed
check (and unexpected errors), 130 interrupted; nothing else, and every error is one stderr line."""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from edgekd_runtime import exits
from edgekd_runtime.cli import main

from tamper import flip_model_byte

VERBS = ("predict", "info", "selftest", "bench")
CHEAP = {"predict": ["x"], "info": [], "selftest": [], "bench": ["--iters", "10", "--batch", "2", "--no-rss",
                                                                  "--threads", "1"]}
# verb -> the function its body calls (patched to raise)
IMPL = {"predict": ("edgekd_runtime.bundle", "Bundle", "predict"), "info": ("edgekd_runtime.verify", None, "open_bundle"),
        "selftest": ("edgekd_runtime.golden", None, "selftest"), "bench": ("edgekd_runtime.bench", None, "run_bench")}


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def one_line(r) -> str:
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.output, r.output
    return r.stderr


def test_every_verb_is_covered():
    assert set(main.commands) == set(VERBS)


@pytest.mark.parametrize("verb", VERBS)
def test_ok(verb, single_dir):
    r = run(verb, single_dir, *CHEAP[verb])
    assert r.exit_code == exits.OK, r.output


@pytest.mark.parametrize("verb", VERBS)
def test_bad_usage_exit_2_one_line(verb, single_dir):
    r = run(verb, single_dir, "--no-such-option")
    assert r.exit_code == exits.USAGE
    line = one_line(r)
    assert line.startswith("edgekd-run: error: no such option '--no-such-option'")
    assert f"(see 'edgekd-run {verb} --help')" in line


@pytest.mark.parametrize("verb", VERBS)
def test_missing_argument_exit_2_one_line(verb):
    r = run(verb)
    assert r.exit_code == exits.USAGE
    assert one_line(r) == f"edgekd-run: error: missing argument 'BUNDLE' (see 'edgekd-run {verb} --help')\n"


@pytest.mark.parametrize("verb,args", [
    ("predict", ["--input", "{tmp}/no.txt"]),
    ("predict", ["--input", "{tmp}"]),                                     # a folder
    ("bench", ["--texts", "{tmp}/no.txt", "--no-rss"]),
    ("bench", ["--profile", "{tmp}/no.toml", "--no-rss"]),
    ("predict", ["x", "--profile", "{tmp}/no.toml"]),
])
def test_missing_input_file_exit_2(verb, args, single_dir, tmp_path):
    r = run(verb, single_dir, *[a.format(tmp=tmp_path) for a in args])
    assert r.exit_code == exits.USAGE, r.output
    assert one_line(r).startswith("edgekd-run: error: ")


def test_bad_input_text_exit_2(single_dir):
    r = run("predict", single_dir, input=b"\xff\xfe not utf-8\n")
    assert r.exit_code == exits.USAGE and "not valid UTF-8" in one_line(r)


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize("damage", ["tokenizer", "missing"])
def test_invalid_bundle_exit_3_one_line(verb, damage, single_copy):
    if damage == "tokenizer":
        (single_copy / "tokenizer.json").write_text("{}")
        bundle = single_copy
    else:
        bundle = single_copy.parent / "no-bundle"
    r = run(verb, bundle, *CHEAP[verb])
    assert r.exit_code == exits.INVALID, r.output
    assert one_line(r).startswith("edgekd-run: error: ")


def test_failed_selftest_exit_3(single_copy):
    flip_model_byte(single_copy, "model.int8.onnx")      # checksums updated: only the golden logits can tell
    r = run("selftest", single_copy)
    assert r.exit_code == exits.INVALID and one_line(r).startswith("edgekd-run: error: selftest FAILED: ")


def _patch(monkeypatch, verb, exc):
    module, cls, name = IMPL[verb]
    mod = pytest.importorskip(module)

    def boom(*a, **k):
        raise exc
    monkeypatch.setattr(getattr(mod, cls) if cls else mod, name, boom)


@pytest.mark.parametrize("verb", VERBS)
def test_keyboard_interrupt_exit_130(verb, single_dir, monkeypatch):
    _patch(monkeypatch, verb, KeyboardInterrupt())
    r = run(verb, single_dir, *CHEAP[verb])
    assert r.exit_code == exits.INTERRUPTED and one_line(r) == "edgekd-run: interrupted\n"


class Boom(Exception):
    pass


@pytest.mark.parametrize("verb", VERBS)
def test_unexpected_error_exit_3_with_debug_hint(verb, single_dir, monkeypatch):
    monkeypatch.delenv(exits.DEBUG_ENV, raising=False)
    _patch(monkeypatch, verb, Boom("the cause"))
    r = run(verb, single_dir, *CHEAP[verb])
    assert r.exit_code == exits.INVALID
    assert one_line(r) == ("edgekd-run: error: internal error: Boom: the cause (rerun with EDGEKD_DEBUG=1 for the "
                           "traceback)\n")


@pytest.mark.parametrize("verb", VERBS)
def test_runtime_error_exit_3(verb, single_dir, monkeypatch):
    _patch(monkeypatch, verb, RuntimeError("the RSS child failed"))    # it used to exit 1
    r = run(verb, single_dir, *CHEAP[verb])
    assert r.exit_code == exits.INVALID and one_line(r) == "edgekd-run: error: the RSS child failed\n"


def test_only_policy_codes_leave(single_dir, monkeypatch):
    _patch(monkeypatch, "info", SystemExit(1))
    assert run("info", single_dir).exit_code == exits.INVALID
    _patch(monkeypatch, "info", SystemExit("a message"))
    r = run("info", single_dir)
    assert r.exit_code == exits.INVALID and one_line(r) == "edgekd-run: error: a message\n"


def test_unknown_verb_and_bare_command():
    r = run("nosuch")
    assert r.exit_code == exits.USAGE and one_line(r).startswith("edgekd-run: error: no such command 'nosuch'")
    assert run().exit_code == exits.USAGE
    assert run("--version").exit_code == exits.OK


def test_ctrl_c_in_a_real_process_exits_130(single_dir):
    """SIGINT to `edgekd-run predict` waiting on stdin: exit 130 and one line, no traceback."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    code = "import sys; from edgekd_runtime.cli import main; sys.argv[0] = 'edgekd-run'; main()"
    p = subprocess.Popen([sys.executable, "-c", code, "predict", str(single_dir), "--backend", "numpy",
                          "--chunk-size", "1"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        p.stdin.write("a good film\n")
        p.stdin.flush()
        ready, _, _ = select.select([p.stdout], [], [], 60)   # the first record: loaded, and blocked on stdin
        assert ready, "no prediction within 60 s"
        line = p.stdout.readline()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == exits.INTERRUPTED, err
    assert json.loads(line)["label"] and err == "edgekd-run: interrupted\n"
