#!/usr/bin/env bash
# One command on a fresh machine: set up .venv, distil the built-in MiniLM teacher on SST-2 into an int8
# BiLSTM bundle (edgekd build --preset quick), then classify two sentences with the torch-free runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
OUT=${EDGEKD_QUICK_OUT:-runs/quick-sst2}
.venv/bin/edgekd build --task sst2 --preset quick --out "$OUT"
.venv/bin/edgekd-run predict "$OUT/export/bundle" --probs \
  "a gorgeous, witty, seductive movie." \
  "the plot is nothing but boilerplate clichés from start to finish."
