"""The exit codes of every edgekd command line: `edgekd`, `edgekd-run` and `edgekd-run-js` (docs/cli.md).

Plain named constants, nothing else: a later contract module will hold them with the rest of the bundle contract
and generate the JavaScript copy from it. No command exits with any other code.
"""
from __future__ import annotations

OK = 0
USAGE = 2               # bad usage (unknown option, missing argument, bad value) or bad input (file, text, data)
INVALID = 3             # invalid bundle/artifact, failed check (selftest, budget, host), cannot run here, internal
INTERRUPTED = 130       # Ctrl-C (SIGINT), as a shell reports 128 + 2

CODES = (OK, USAGE, INVALID, INTERRUPTED)

DEBUG_ENV = "EDGEKD_DEBUG"  # set to 1 to get the traceback of an unexpected error (still exit 3)
