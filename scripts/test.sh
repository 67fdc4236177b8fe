#!/usr/bin/env bash
# The test command: the Python suite (default marker set), then the JavaScript runtime's suite (Node + headless
# chromium) against bundles made by the Python exporter. Installs what the tests need when it is missing:
# .venv (scripts/setup.sh), then scripts/setup-test.sh: Ray ([scale]), runtime/js/node_modules, Debian's chromium. Extra arguments go to pytest.
# A missing Node or browser fails loudly; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
bash scripts/setup-test.sh
.venv/bin/python -m pytest "$@"
real=$(ls -d "$PWD"/runs/js/*-bundle 2>/dev/null | paste -sd: || true)
EDGEKD_PYTHON="$PWD/.venv/bin/python" EDGEKD_REAL_BUNDLES="$real" npm --prefix runtime/js test
