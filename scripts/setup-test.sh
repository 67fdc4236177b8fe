#!/usr/bin/env bash
# What the tests need beyond scripts/setup.sh (kept out of the quickstart, which does not need them): the [scale]
# extra (Ray Data, for the Ray labelling tests), runtime/js's npm packages from the committed lockfile, and
# Debian's chromium for the browser test. Idempotent. --ignore-scripts: onnxruntime-node's postinstall downloads
# CUDA files from outside the npm registry (its CPU binaries are in the package itself).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c "import ray.data" 2>/dev/null; then
  .venv/bin/python -m pip install -q -e ".[scale]" 2>&1 | grep -v -E "is ignored: it is neither|^$" || true
  .venv/bin/python -c "import ray.data, torch; assert torch.__version__.startswith('2.13.0'), torch.__version__"
fi
command -v node >/dev/null || { echo "error: Node.js >= 20 is required for runtime/js (not found on PATH)" >&2; exit 1; }
stamp=runtime/js/node_modules/.edgekd-lock.sha256
want=$(sha256sum runtime/js/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  (cd runtime/js && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi
# The browser test drives a local Chromium (playwright-core never downloads one): $EDGEKD_CHROMIUM, else chromium,
# chromium-browser or google-chrome on the PATH (runtime/js/tools/chromium.mjs); installed with apt when root.
have_chromium() {
  if [ -n "${EDGEKD_CHROMIUM:-}" ]; then [ -x "$EDGEKD_CHROMIUM" ]; return; fi
  command -v chromium || command -v chromium-browser || command -v google-chrome-stable || command -v google-chrome
} >/dev/null
if ! have_chromium; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: the browser test needs Chromium or Chrome and found none${EDGEKD_CHROMIUM:+ at EDGEKD_CHROMIUM=$EDGEKD_CHROMIUM}." >&2
    echo "  with root: sudo apt-get install chromium (Debian/Ubuntu); without root: put any Chromium or Chrome" >&2
    echo "  build you can unpack somewhere and set EDGEKD_CHROMIUM=/path/to/its/binary. Nothing is skipped." >&2
    exit 1
  fi
fi
