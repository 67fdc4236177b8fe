"""`edgekd`'s exit-code policy, verb by verb (docs/cli.md): 0 ok, 2 usage or input, 3 invalid artifact or failed
check (and unexpected errors), 130 interrupted; nothing else, and every error is one stderr line."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgekd.cli import VERBS, main
from edgekd_runtime import exits

# verb -> (module and function its body calls, arguments that reach that call without touching real data)
REACH = {
    "teacher": ("edgekd.teacher.stage", "run_teacher", ["--out", "{tmp}/t"]),
    "augment": ("edgekd.augment.transfer", "run_augment", ["--out", "{tmp}/a.jsonl", "--no-pos"]),
    "label": ("edgekd.label.launch", "run_label", ["{tmp}/a.jsonl", "--out", "{tmp}/l"]),
    "distill": ("edgekd.student_stage", "run_distill", ["--out", "{tmp}/d"]),
    "export": ("edgekd.export", "run_export", ["{tmp}", "--out", "{tmp}/b"]),
    "profile": ("edgekd.profiling.run", "profile_to_files", ["--device", "cpu-1t", "--bundle", "{tmp}", "--teacher", "t"]),
    "pretrain-student": ("edgekd.pretrain", "run_pretrain", ["--corpus", "{tmp}/c.txt", "--out", "{tmp}/p"]),
    "sweep": ("edgekd.sweep.run", "run_sweep", ["{tmp}"]),
    "build": ("edgekd.pipeline.chain", "run_build", ["--out", "{tmp}/run"]),
}

# verb -> arguments naming an input file or folder that does not exist (or is not what the verb needs)
MISSING_INPUT = {
    "teacher": ["--train-file", "{tmp}/no.csv", "--text-col", "t", "--label-col", "l", "--labels", "a,b",
                "--out", "{tmp}/t"],
    "augment": ["--train-file", "{tmp}/no.csv", "--text-col", "t", "--label-col", "l", "--labels", "a,b",
                "--out", "{tmp}/a.jsonl", "--no-pos"],
    "label": ["{tmp}/no.jsonl", "--out", "{tmp}/l", "--task", "sst2"],
    "distill": ["--transfer", "{tmp}/no.jsonl", "--logits", "{tmp}/no-logits", "--out", "{tmp}/d"],
    "export": ["{tmp}", "--out", "{tmp}/b"],                                  # a folder without config.json
    "profile": ["--device", "cpu-1t", "--bundle", "{tmp}/no-bundle", "--teacher", "t"],
    "pretrain-student": ["--corpus", "{tmp}/no.txt", "--out", "{tmp}/p"],
    "sweep": ["{tmp}"],                                                       # not a finished build folder
    "build": ["--train-file", "{tmp}/no.csv", "--text-col", "t", "--label-col", "l", "--labels", "a,b",
              "--out", "{tmp}/run", "--no-profile"],
}


def _args(args: list[str], tmp: Path) -> list[str]:
    return [a.format(tmp=tmp) for a in args]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def one_line(r) -> str:
    """The error, which must be stderr's only line."""
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.output, r.output
    return r.stderr


def error_line(r) -> str:
    """The error: stderr's last line and its only error line (a verb may log progress before it fails)."""
    lines = r.stderr.splitlines()
    assert lines and "Traceback" not in r.output, r.output
    assert [x for x in lines if x.startswith("edgekd: ")] == lines[-1:], r.stderr
    return lines[-1]


@pytest.fixture
def reach(tmp_path, monkeypatch):
    """reach(verb, exc) -> the CliRunner result of `edgekd VERB ...` whose implementation raises `exc`."""
    (tmp_path / "c.txt").write_text("some text\n")

    def run(verb: str, exc: BaseException):
        module, func, args = REACH[verb]
        mod = pytest.importorskip(module)

        def boom(*a, **k):
            raise exc
        monkeypatch.setattr(mod, func, boom)
        return invoke(verb, *_args(args, tmp_path))
    return run


def test_every_verb_is_covered():
    assert set(REACH) == set(VERBS) == set(MISSING_INPUT)


@pytest.mark.parametrize("verb", list(VERBS))
def test_help_ok(verb):
    r = invoke(verb, "--help")
    assert r.exit_code == exits.OK and "Usage: edgekd " + verb in r.stdout


@pytest.mark.parametrize("verb", list(VERBS))
def test_bad_usage_exit_2_one_line(verb):
    r = invoke(verb, "--no-such-option")
    line = one_line(r)
    assert r.exit_code == exits.USAGE
    assert line.startswith("edgekd: error: no such option '--no-such-option'") and f"'edgekd {verb} --help'" in line


@pytest.mark.parametrize("verb", list(VERBS))
def test_missing_input_exit_2_one_line(verb, tmp_path):
    r = invoke(verb, *_args(MISSING_INPUT[verb], tmp_path))
    assert r.exit_code == exits.USAGE, r.output
    assert error_line(r).startswith("edgekd: error: ")


@pytest.mark.parametrize("verb", list(VERBS))
def test_keyboard_interrupt_exit_130(verb, reach, tmp_path):
    r = reach(verb, KeyboardInterrupt())
    assert r.exit_code == exits.INTERRUPTED, r.output
    line = one_line(r)
    assert line.startswith("edgekd: interrupted")
    if verb in ("build", "label", "pretrain-student", "sweep"):            # staged: say what a rerun resumes
        assert "kept; rerun the same command to resume" in line, line
    if verb in ("build", "label", "pretrain-student"):
        assert str(tmp_path) in line, line


class Boom(Exception):
    pass


@pytest.mark.parametrize("verb", list(VERBS))
def test_unexpected_error_exit_3_one_line_with_debug_hint(verb, reach, monkeypatch):
    monkeypatch.delenv(exits.DEBUG_ENV, raising=False)
    r = reach(verb, Boom("the cause\nand more"))
    assert r.exit_code == exits.INVALID, r.output
    assert one_line(r) == ("edgekd: error: internal error: Boom: the cause (rerun with EDGEKD_DEBUG=1 for the "
                           "traceback)\n")


def test_debug_env_prints_the_traceback(reach, monkeypatch):
    monkeypatch.setenv(exits.DEBUG_ENV, "1")
    r = reach("build", Boom("the cause"))
    assert r.exit_code == exits.INVALID and "Traceback" in r.stderr and "raise exc" in r.stderr
    assert r.stderr.rstrip().endswith("edgekd: error: internal error: Boom: the cause")


@pytest.mark.parametrize("verb,exc,code", [
    ("export", "edgekd_exporters.validate:BudgetError", exits.INVALID),      # a broken export budget
    ("profile", "edgekd.profiling.run:HostMismatch", exits.INVALID),           # the profile is not this host
    ("build", "edgekd.profiling.run:HostMismatch", exits.INVALID),
    ("profile", "edgekd_runtime.errors:ChecksumMismatchError", exits.INVALID),   # a tampered bundle
    ("label", "edgekd.label.store:StaleCache", exits.USAGE),                 # a cache made for other inputs
    ("teacher", "edgekd.teacher.locate:TeacherNotFound", exits.USAGE),
    ("distill", "edgekd.tasks:DataError", exits.USAGE),
    ("augment", "edgekd.augment.pos:TaggerNotFound", exits.USAGE),
    ("sweep", "builtins:ValueError", exits.USAGE),
    ("pretrain-student", "builtins:FileNotFoundError", exits.USAGE),
])
def test_expected_errors_map_to_the_policy(verb, exc, code, reach):
    module, name = exc.split(":")
    cls = getattr(pytest.importorskip(module), name)
    r = reach(verb, cls("what went wrong"))
    assert r.exit_code == code, r.output
    assert one_line(r) == "edgekd: error: what went wrong\n"


def test_profile_invalid_bundle_exit_3(tmp_path):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "manifest.json").write_text("{not json")
    r = invoke("profile", "--device", "cpu-1t", "--bundle", str(bundle), "--teacher", "builtin:minilm-l6")
    assert r.exit_code == exits.INVALID and "manifest.json" in one_line(r)


def test_profile_list_devices_ok():
    r = invoke("profile", "--list-devices")
    assert r.exit_code == exits.OK and "cpu-1t" in r.stdout


def test_unknown_verb_and_bare_command():
    r = invoke("nosuch")
    assert r.exit_code == exits.USAGE and one_line(r) == "edgekd: error: no such command 'nosuch' (see 'edgekd --help')\n"
    r = invoke()
    assert r.exit_code == exits.USAGE and "Commands:" in r.output               # the help, as click prints it
    assert invoke("--version").exit_code == exits.OK


def test_a_verb_whose_extras_are_missing_exits_3(monkeypatch):
    import edgekd.cli as cli

    monkeypatch.setitem(cli.VERBS, "teacher", ("edgekd_no_such_module", "x"))
    r = invoke("teacher", "--out", "x")
    assert r.exit_code == exits.INVALID and "not implemented in this version" in one_line(r)


def test_the_console_script_follows_the_policy(tmp_path):
    """The real entry point (not CliRunner): a usage error is one line and exit 2."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    code = "import sys; from edgekd.cli import main; sys.argv[0] = 'edgekd'; main()"
    p = subprocess.run([sys.executable, "-c", code, "build", "--foo"], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == exits.USAGE and p.stderr.count("\n") == 1, p.stderr
    assert p.stderr.startswith("edgekd: error: no such option '--foo'") and "'edgekd build --help'" in p.stderr
