"""The exit-code policy of `exits.py` applied to a click group; `edgekd-run` and `edgekd` both use it.

`PolicyGroup.main` runs click in non-standalone mode and turns whatever comes back into one of the four codes:

* a click usage error (unknown option, missing argument, bad value) -> one stderr line plus a pointer to the verb's
  `--help`, exit 2 (`edgekd-run: error: no such option '--foo' (see 'edgekd-run predict --help')`);
* `Failure(message, code)` raised by a verb -> one stderr line, exit `code` (2 or 3); a plain `ClickException`
  counts as an input error (2);
* Ctrl-C -> `PROG: interrupted` (plus what was kept, from `Interrupted(note)`), exit 130;
* any other exception -> one line naming it plus a pointer to `EDGEKD_DEBUG=1`, which also prints the
  traceback, exit 3 (the policy has no code for "bug"; 3 says "this did not produce a valid result").

Every error is one line: `PROG: error: MESSAGE`. Bare `PROG` (no verb) still prints the help, to stderr, exit 2.
"""
from __future__ import annotations

import os
import sys
import traceback
from typing import Any, Callable

import click

from . import exits

__all__ = ["Failure", "Interrupted", "PolicyGroup", "one_line", "run_with_policy"]


class Failure(click.ClickException):
    """An error the verb expected: printed as one line, exit `code` (exits.USAGE or exits.INVALID)."""

    def __init__(self, message: str, code: int = exits.USAGE):
        super().__init__(message)
        self.exit_code = code


class Interrupted(Failure):
    """Ctrl-C inside a verb; `note` says what was kept (e.g. finished stages, which a rerun resumes from)."""

    def __init__(self, note: str = ""):
        super().__init__("interrupted" + (f"; {note}" if note else ""), exits.INTERRUPTED)


def one_line(message: object) -> str:
    """`message` with every run of whitespace (newlines included) collapsed to one space."""
    return " ".join(str(message).split())


def _usage_line(e: click.UsageError, prog: str) -> str:
    msg = one_line(e.format_message())
    if len(msg) > 1 and msg[0].isupper() and msg[1].islower():
        msg = msg[0].lower() + msg[1:]                  # click's "No such option" -> "no such option"
    msg = msg[:-1] if msg.endswith(".") and not msg.endswith("..") else msg
    path = e.ctx.command_path if e.ctx is not None else prog
    return f"{msg} (see '{path} --help')"


def _say(prog: str, line: str) -> None:
    click.echo(f"{prog}: {line}", err=True)


def _newline_after_caret() -> None:
    """A terminal shows ^C without a newline; start the message on its own line there."""
    try:
        if sys.stderr.isatty():
            click.echo("", err=True)
    except (AttributeError, ValueError):
        pass


def _internal(prog: str, e: BaseException) -> int:
    if os.environ.get(exits.DEBUG_ENV):
        traceback.print_exception(type(e), e, e.__traceback__, file=sys.stderr)
        hint = ""
    else:
        hint = f" (rerun with {exits.DEBUG_ENV}=1 for the traceback)"
    first = one_line(str(e).split("\n", 1)[0]) if str(e) else ""
    _say(prog, f"error: internal error: {type(e).__name__}{': ' + first if first else ''}{hint}")
    return exits.INVALID


def _system_exit(prog: str, code: Any) -> int:
    if code is None:
        return exits.OK
    if isinstance(code, int) and not isinstance(code, bool):
        return code if code in exits.CODES else exits.INVALID
    _say(prog, f"error: {one_line(code)}")                # sys.exit("message") prints it; keep it one line
    return exits.INVALID


def run_with_policy(call: Callable[[], Any], prog: str) -> int:
    """Run `call` (a click `main` in non-standalone mode) and return the exit code the policy gives its outcome."""
    try:
        rv = call()
    except click.UsageError as e:
        if type(e).__name__ == "NoArgsIsHelpError":     # bare `PROG`: the help, as click prints it
            e.show()
        else:
            _say(prog, "error: " + _usage_line(e, prog))
        return exits.USAGE
    except click.ClickException as e:
        code = e.exit_code if e.exit_code in exits.CODES and e.exit_code != exits.OK else exits.USAGE
        msg = one_line(e.format_message())
        if code == exits.INTERRUPTED:
            _newline_after_caret()
            _say(prog, msg)
        else:
            _say(prog, f"error: {msg}")
        return code
    except (click.Abort, KeyboardInterrupt):
        _newline_after_caret()
        _say(prog, "interrupted")
        return exits.INTERRUPTED
    except BrokenPipeError:                             # e.g. `PROG ... | head`: the reader is done, so are we
        _silence_stdout()
        return exits.OK
    except SystemExit as e:
        return _system_exit(prog, e.code)
    except Exception as e:                              # noqa: BLE001 - the policy's catch-all
        return _internal(prog, e)
    return rv if rv in exits.CODES else exits.OK


def _silence_stdout() -> None:
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


class PolicyGroup(click.Group):
    """A click group whose `main` (the console script, and click's CliRunner) follows the exit-code policy.
    Its `name` is the program name the error lines start with."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: D401
        def call():
            return click.Group.main(self, args, prog_name, complete_var, standalone_mode=False, **extra)
        if not standalone_mode:
            return call()
        sys.exit(run_with_policy(call, self.name or "edgekd"))
