"""The exit codes of every edgekd command line: `edgekd`, `edgekd-run` and `edgekd-run-js` (docs/cli.md).

The values live in the bundle contract (`contract.py`, from which the JavaScript copy is generated); these are
their short names. No command exits with any other code.
"""
from __future__ import annotations

from .contract import EXIT_INTERRUPTED as INTERRUPTED   # Ctrl-C (SIGINT), as a shell reports 128 + 2
from .contract import EXIT_INVALID as INVALID           # invalid bundle/artifact, failed check, internal error
from .contract import EXIT_OK as OK
from .contract import EXIT_USAGE as USAGE               # bad usage or bad input (file, text, data)

CODES = (OK, USAGE, INVALID, INTERRUPTED)

DEBUG_ENV = "EDGEKD_DEBUG"  # set to 1 to get the traceback of an unexpected error (still exit 3)
