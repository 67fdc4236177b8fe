#!/usr/bin/env bash
# Run edgekd bundles as other CPUs would, with one command (issue 23): the Python runtime (onnxruntime and numpy
# backends) and the JS runtime (onnxruntime-node) on
#   native   this x86-64 host (AVX-512, VNNI, AMX),
#   haswell  x86-64 with AVX2 but no AVX-512/VNNI: the same .venv under `qemu-x86_64-static -cpu Haswell`,
#   arm64    a Debian arm64 userland (debootstrap, cached) chrooted through qemu-aarch64-static (binfmt_misc),
# then `edgekd-run selftest` on every bundle, logits of every SST-2/MRPC dev row, and every pair of hosts compared
# (max |Δlogit|, label agreement) into RESULTS/results.json + RESULTS/summary.md. Bulky dumps: runs/cross-host/.
#
#   scripts/cross-host.sh [--quick] [--results DIR] [--numpy-limit N] [--suite S] [BUNDLE_DIR...]
#
# BUNDLE_DIRs default to the runs/*/export/bundle that exist (each also re-exported from its checkpoint with the
# other weight range, 8-bit or 7-bit, and both precisions), else to small fixture bundles. --quick (CI): fixture
# bundles only, the haswell part and the arm64 Python selftests. Needs root (chroot, mount, binfmt_misc),
# qemu-user-static, debootstrap and the repo's .venv. Environment: EDGEKD_CROSS_RESULTS, EDGEKD_CROSS_CACHE
# (/var/cache/edgekd-cross), EDGEKD_CROSS_SUITE (bookworm), EDGEKD_CROSS_MIRROR (the apt sources' Debian mirror),
# EDGEKD_CROSS_NUMPY_LIMIT (rows for the numpy backend under emulation, default 8), EDGEKD_CROSS_TIMEOUT
# (seconds for one emulated command, default 2400), EDGEKD_GLUE_DIR.
# Emulated wall times of inference mean nothing and are never reported; setup and check wall times are.
set -euo pipefail
CALLER=$PWD                   # bundle and results paths given as arguments are relative to the caller's folder
cd "$(dirname "$0")/.."
REPO=$PWD
PY=$REPO/.venv/bin/python
X86_CPU=Haswell   # haswell_verify adds "-feature" for each feature TCG cannot emulate (silences its warnings)
RUNENV=(PYTHONPATH=runtime OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 RAYON_NUM_THREADS=1
        TOKENIZERS_PARALLELISM=false PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LANG=C.UTF-8)
QUICK=0 RESULTS=${EDGEKD_CROSS_RESULTS:-} SUITE=${EDGEKD_CROSS_SUITE:-bookworm}
NUMPY_LIMIT=${EDGEKD_CROSS_NUMPY_LIMIT:-8}    # ~8 s a row for the quick MRPC bundle under -cpu Haswell
EMU_TIMEOUT=${EDGEKD_CROSS_TIMEOUT:-2400}      # seconds for one emulated command (exit 124 when it runs out)
CACHE=${EDGEKD_CROSS_CACHE:-/var/cache/edgekd-cross}
ROOT_PKGS=python3,python3-venv,python3-pip,ca-certificates
GLUE=${EDGEKD_GLUE_DIR:-$REPO/../shared/data/glue}
NODE_SUITE=${EDGEKD_CROSS_NODE_SUITE:-trixie}   # Debian release whose arm64 nodejs runs the JS runtime (>= 20)
BUNDLES=() NAMES=() GIVEN=() MOUNTED=() ARM64_NODE="" NODE_ROOT=""

log() { printf '[cross-host %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
note() { printf '%s\t%s\n' "$1" "$2" >>"$WORK/notes.tsv"; log "note: $1: $2"; }

timed() {  # timed PART CMD...: run CMD, append "PART<TAB>seconds" to timings.tsv (setup/check wall time)
  local part=$1 t0 ds rc=0; shift
  t0=$(date +%s%N)
  "$@" || rc=$?
  ds=$((($(date +%s%N) - t0) / 100000000))
  printf '%s\t%d.%d%s\n' "$part" $((ds / 10)) $((ds % 10)) "$([ $rc = 0 ] || echo " (exit $rc)")" >>"$WORK/timings.tsv"
  return $rc
}

parse_args() {
  while (($#)); do
    case $1 in
      --quick) QUICK=1 ;;
      --results) RESULTS=$(cd "$CALLER" && mkdir -p "$2" && cd "$2" && pwd); shift ;;
      --numpy-limit) NUMPY_LIMIT=$2; shift ;;
      --suite) SUITE=$2; shift ;;
      -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
      -*) echo "unknown option $1" >&2; exit 2 ;;
      *) BUNDLES+=("$(cd "$CALLER" && cd "$1" && pwd)") ;;
    esac
    shift
  done
  local mode=full; ((QUICK)) && mode=quick
  RESULTS=${RESULTS:-benchmarks/results/cross-host$( ((QUICK)) && echo /quick || true)}
  WORK=runs/cross-host/$mode STAGE=runs/cross-host/$mode/stage ROOT=$CACHE/arm64-$SUITE
}

check_tools() {
  [ "$(id -u)" = 0 ] || { echo "cross-host: needs root (chroot, mount, binfmt_misc)" >&2; exit 2; }
  [ -x "$PY" ] || { echo "cross-host: $PY missing: run scripts/setup.sh" >&2; exit 2; }
  if ! command -v qemu-x86_64-static >/dev/null || ! command -v debootstrap >/dev/null; then
    log "installing qemu-user-static and debootstrap (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static debootstrap >/dev/null
  fi
}

# ------------------------------------------------------------------ bundles and inputs
default_bundles() {
  local m
  ((QUICK)) || for m in runs/*/export/bundle/manifest.json; do [ -f "$m" ] && BUNDLES+=("$REPO/${m%/manifest.json}"); done
  ((${#BUNDLES[@]})) && return
  log "no trained bundles: fixture bundles"
  "$PY" scripts/cross_host/fixtures.py runs/cross-host/fixtures >/dev/null
  BUNDLES=("$REPO"/runs/cross-host/fixtures/{single-w8,single-w7,pair-w8,pair-w7})
}

bundle_name() {  # runs/quick-sst2/export/bundle -> quick-sst2; other paths -> their folder name
  local p=$1
  [[ $p == */export/bundle ]] && p=${p%/export/bundle}
  basename "$p"
}

reexport_other_range() {  # SRC NAME: the same checkpoint with the other weight range and both precisions
  local src=$1 name=$2 bits preset ckpt out=$STAGE/bundles/$2-other
  read -r bits preset ckpt < <("$PY" scripts/cross_host/bundles.py other-range "$src")
  if [ -z "$preset" ] || [ ! -d "$ckpt" ]; then note "re-export $name" "no preset or checkpoint ($ckpt) for the other weight range"; return 0; fi
  out=$STAGE/bundles/$name-w$bits
  if "$PY" scripts/cross_host/bundles.py same-weights "$src" "$out"; then NAMES+=("$name-w$bits"); return 0; fi
  rm -rf "$out"
  log "re-export $name with ${bits}-bit weights (preset $preset) from $ckpt"
  if nice -n 10 .venv/bin/edgekd export "$ckpt" --out "$out" --precision both --quant "$preset" --no-dev \
      >"$WORK/export-$name-w$bits.log" 2>&1; then NAMES+=("$name-w$bits")
  else note "re-export $name" "edgekd export failed: $(tail -1 "$WORK/export-$name-w$bits.log")"; fi
}

stage_bundles() {  # copy every bundle (and its other-range twin) to $STAGE/bundles/<name>; inputs to $STAGE/inputs
  local b name
  mkdir -p "$STAGE/bundles" "$STAGE/inputs"
  "$PY" scripts/cross_host/inputs.py "$GLUE/SST-2/dev.tsv" "$STAGE/inputs/single.json" >/dev/null
  "$PY" scripts/cross_host/inputs.py "$GLUE/MRPC/dev.tsv" "$STAGE/inputs/pair.json" >/dev/null
  for b in "${BUNDLES[@]}"; do
    name=$(bundle_name "$b")
    rm -rf "${STAGE:?}/bundles/$name" && cp -r "$b" "$STAGE/bundles/$name"
    NAMES+=("$name") GIVEN+=("$name")
    [[ $b == */export/bundle ]] && reexport_other_range "$b" "$name"
  done
  "$PY" scripts/cross_host/bundles.py describe "$STAGE/bundles" "${NAMES[@]}" >"$WORK/bundles.json"
}

inputs_of() {  # the dev set a bundle classifies: MRPC pairs for a pair bundle, else SST-2
  "$PY" -c 'import json,sys; print("pair" if json.load(open(sys.argv[1]))["pair"] else "single")' \
    "$STAGE/bundles/$1/manifest.json"
}

# ------------------------------------------------------------------ hosts
on() {  # on HOST py|node ARGS...: run Python (the runtime's venv) or Node on HOST, cwd = the repo (layout)
  local host=$1 prog=$2 exe; shift 2
  if [ "$host" = arm64 ]; then
    if [ "$prog" = node ]; then in_chroot "$NODE_ROOT" "$ARM64_NODE" "$@"; else in_chroot "$ROOT" /opt/venv/bin/python "$@"; fi
    return
  fi
  exe=$PY; [ "$prog" = node ] && exe=$(command -v node)
  case $host in
    native) env "${RUNENV[@]}" "$exe" "$@" ;;
    native-oblas-haswell) env "${RUNENV[@]}" OPENBLAS_CORETYPE=Haswell "$exe" "$@" ;;
    haswell) timeout "$EMU_TIMEOUT" env "${RUNENV[@]}" qemu-x86_64-static -cpu "$X86_CPU" "$exe" "$@" ;;
  esac
}

has_node() {
  case $1 in native|haswell) command -v node >/dev/null ;; arm64) [ -n "$ARM64_NODE" ] ;; *) return 1 ;; esac
}

# ------------------------------------------------------------------ checks (the same on every host)
host_info() {  # HOST: what the host's Python (and Node) see: machine, versions, SIMD features
  local d=$WORK/dumps/$1
  mkdir -p "$d"
  on "$1" py scripts/cross_host/dump_logits.py info >"$d/info.py.json" 2>"$d/info.py.err" || true
  if has_node "$1"; then on "$1" node scripts/cross_host/dump_logits.mjs info >"$d/info.node.json" 2>"$d/info.node.err" || true; fi
}

selftest() {  # HOST BUNDLE RUNTIME [MODEL]: edgekd-run(-js) selftest --json (RUNTIME onnxruntime|numpy|node), rc kept
  local host=$1 name=$2 rt=$3 d=$WORK/dumps/$1/$2 rc=0 b=$STAGE/bundles/$2 m=()
  [ -z "${4:-}" ] || m=(--model "$4")
  mkdir -p "$d"
  if [ "$rt" = node ]; then on "$host" node runtime/js/bin/edgekd-run-js.js selftest --json --threads 1 "${m[@]}" "$b"
  else on "$host" py -m edgekd_runtime.cli selftest --json --backend "$rt" --threads 1 "${m[@]}" "$b"
  fi >"$d/selftest.$rt.out" 2>"$d/selftest.$rt.err" || rc=$?
  echo "$rc" >"$d/selftest.$rt.rc"
  log "$host $name selftest $rt${4:+ ($4)}: $([ $rc = 0 ] && echo pass || echo "FAIL (exit $rc): $(tail -1 "$d/selftest.$rt.err")")"
}

dump() {  # HOST BUNDLE RUNTIME [LIMIT] [MODEL]: logits of the bundle's dev set, every model (or MODEL)
  local host=$1 name=$2 rt=$3 limit=${4:-} model=${5:-} d=$WORK/dumps/$1/$2 rc=0 in
  in=$STAGE/inputs/$(inputs_of "$name").json
  mkdir -p "$d"
  if [ "$rt" = node ]; then on "$host" node scripts/cross_host/dump_logits.mjs dump "$STAGE/bundles/$name" "$in" "$d" \
      ${limit:+--limit "$limit"} ${model:+--model "$model"}
  else on "$host" py scripts/cross_host/dump_logits.py dump "$STAGE/bundles/$name" "$in" "$d" --backend "$rt" \
      ${limit:+--limit "$limit"} ${model:+--model "$model"}
  fi >>"$WORK/dump-$host.log" 2>&1 || rc=$?
  [ $rc = 0 ] || note "$host $name $rt dump" "exit $rc: $(tail -1 "$WORK/dump-$host.log")"
}

given() { [[ " ${GIVEN[*]} " == *" $1 "* ]]; }   # NAME: a bundle given (or found), not a re-exported twin
has_fp32() { grep -q '"precision": "fp32"' "$STAGE/bundles/$1/manifest.json"; }

emulated_dumps() {  # HOST NAME ROWS: int8 on every row; fp32 and numpy (~8 s a row under emulation) on ROWS rows
  local host=$1 name=$2 rows=$3
  timed "  $host $name: dev-set logits, onnxruntime int8" dump "$host" "$name" onnxruntime "" int8
  if has_fp32 "$name"; then timed "  $host $name: logits, onnxruntime fp32 (first $rows rows)" dump "$host" "$name" onnxruntime "$rows" fp32; fi
  timed "  $host $name: logits, numpy backend (first $rows rows)" dump "$host" "$name" numpy "$rows"
  # Node's logits on arm64 for the given bundles (under Haswell onnxruntime-node runs Python's MLAS kernels)
  if [ "$host" = arm64 ] && has_node arm64 && given "$name"; then
    timed "  $host $name: dev-set logits, node int8" dump "$host" "$name" node "" int8
  fi
}

host_checks() {  # HOST MODE (selftest|all) [ROWS]: selftests and (all) dev-set logits; ROWS: emulated host
  local host=$1 mode=$2 rows=${3:-} name rt
  host_info "$host"
  for name in "${NAMES[@]}"; do   # under emulation a re-exported twin's fp32 model is too slow: int8 only
    for rt in onnxruntime node; do
      [ "$rt" != node ] || has_node "$host" || continue
      if [ -n "$rows" ] && ! given "$name"; then selftest "$host" "$name" "$rt" int8; else selftest "$host" "$name" "$rt"; fi
    done
  done
  if [ "$mode" = all ]; then
    for name in "${NAMES[@]}"; do   # wall time of each check, not a speed (emulated: meaningless as one)
      if [ -n "$rows" ]; then emulated_dumps "$host" "$name" "$rows"; continue; fi
      timed "  $host $name: dev-set logits, onnxruntime" dump "$host" "$name" onnxruntime
      timed "  $host $name: dev-set logits, numpy backend" dump "$host" "$name" numpy
      if has_node "$host"; then timed "  $host $name: dev-set logits, node" dump "$host" "$name" node; fi
    done
  fi
  for name in "${NAMES[@]}"; do   # numpy selftests last: ~10 min a real bundle under emulation (given bundles only)
    [ -z "$rows" ] || given "$name" || continue
    selftest "$host" "$name" numpy
  done
}

oblas_haswell_numpy() {  # native numpy backend with OpenBLAS's Haswell kernels: isolates cpuid-chosen BLAS code
  local name
  host_info native-oblas-haswell
  for name in "${NAMES[@]}"; do dump native-oblas-haswell "$name" numpy "$NUMPY_LIMIT"; done
}

tcg_quiet() {  # MODEL -> "MODEL,-f1,-f2...": the model minus the features TCG cannot emulate (it warns about each)
  local off
  off=$(qemu-x86_64-static -cpu "$1" /bin/true 2>&1 | sed -n 's/.*requested feature: CPUID[^ ]*\.\([a-z0-9_-]*\) \[bit.*/\1/p' | sort -u)
  printf '%s%s\n' "$1" "$(printf ',-%s' $off)"
}

haswell_verify() {  # pick the first x86 model that runs and shows AVX2 without AVX-512/VNNI to cpuid readers
  local model seen
  for model in ${EDGEKD_CROSS_X86_MODELS:-Haswell Haswell-noTSX Broadwell Skylake-Client}; do
    X86_CPU=$(tcg_quiet "$model")
    seen=$(on haswell py scripts/cross_host/dump_logits.py info 2>&1) || true
    log "qemu -cpu $X86_CPU: $seen"
    if grep -q '"AVX2": true' <<<"$seen" && grep -q '"AVX512F": false' <<<"$seen" && grep -q '"AVX512VNNI": false' <<<"$seen"; then
      [ "$model" = Haswell ] || note haswell "-cpu Haswell did not work; used -cpu $model"
      note "haswell: /proc/cpuinfo as the emulated process reads it" "$(qemu-x86_64-static -cpu "$X86_CPU" /bin/grep -c -w \
        avx512f /proc/cpuinfo) of $(nproc) CPUs list avx512f (qemu-user shows the host's file; cpuid is what is emulated)"
      printf 'qemu-x86_64-static -cpu %s\n' "$X86_CPU" >"$WORK/x86-cpu.txt"
      return 0
    fi
  done
  note haswell "no qemu x86 model gave AVX2 without AVX-512: $seen"; return 1
}

# ------------------------------------------------------------------ arm64 userland
ensure_binfmt() {  # register qemu-aarch64 with binfmt_misc (flag F: the interpreter works inside the chroot)
  local d=/proc/sys/fs/binfmt_misc
  [ -f "$d/status" ] || mount -t binfmt_misc binfmt_misc "$d"
  [ -f "$d/qemu-aarch64" ] && return
  if command -v update-binfmts >/dev/null; then update-binfmts --enable qemu-aarch64 || true; fi
  [ -f "$d/qemu-aarch64" ] || cat /usr/lib/binfmt.d/qemu-aarch64.conf >"$d/register"
}

debian_mirror() {
  [ -n "${EDGEKD_CROSS_MIRROR:-}" ] && { echo "$EDGEKD_CROSS_MIRROR"; return; }
  { grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}'; } | grep -E '/debian/?$' | head -1
}

rootfs() {  # DIR SUITE PACKAGES: debootstrap --variant=minbase (+ PACKAGES) into DIR, reused when present
  local dir=$1 suite=$2 pkgs=$3
  [ -f "$dir/.edgekd-rootfs-ok" ] && { log "arm64 rootfs: reusing $dir"; return; }
  log "debootstrap arm64 $suite (+$pkgs) from $(debian_mirror) into $dir (minutes)"
  mkdir -p "$CACHE" && rm -rf "$dir.tmp"
  nice -n 10 debootstrap --arch=arm64 --variant=minbase --include="$pkgs" "$suite" "$dir.tmp" "$(debian_mirror)" \
    >"$WORK/debootstrap-$(basename "$dir").log" 2>&1 || { log "debootstrap failed: see $WORK/debootstrap-*.log"; return 1; }
  rm -rf "$dir" && mv "$dir.tmp" "$dir" && touch "$dir/.edgekd-rootfs-ok"
}

mount_proc() {  # DIR: /proc only; /sys stays out (onnxruntime's cpuinfo segfaults on the host's sysfs)
  mountpoint -q "$1/proc" || mount -t proc proc "$1/proc"
  MOUNTED+=("$1/proc")
  trap umount_all EXIT
}
umount_all() { local m; for m in "${MOUNTED[@]}"; do ! mountpoint -q "$m" || umount "$m" || umount -l "$m"; done; }

in_chroot() {  # DIR CMD...: CMD inside the arm64 userland DIR, in /opt/edgekd (the repo's layout), clean env
  local dir=$1; shift
  timeout "$EMU_TIMEOUT" chroot "$dir" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin "${RUNENV[@]}" \
    /bin/sh -c 'cd /opt/edgekd 2>/dev/null || cd /; exec "$@"' sh "$@"
}

host_net_config() {  # DIR: the host's DNS and CA bundle (a registry may sit behind a CA the chroot does not know)
  cp -L /etc/resolv.conf "$1/etc/resolv.conf"
  cp -L /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/edgekd-host-ca.crt"
}

arm64_venv() {  # /opt/venv in the chroot with the x86 .venv's versions of the runtime's dependencies
  local want
  want=$("$PY" -c 'from importlib.metadata import version as v
print(" ".join(f"{p}=={v(p)}" for p in ("onnxruntime", "numpy", "tokenizers", "click")))')
  [ "$(cat "$ROOT/opt/venv/.edgekd-reqs" 2>/dev/null)" = "$want" ] && { log "arm64 venv: reusing ($want)"; return; }
  log "arm64 venv: pip install $want (aarch64 wheels)"
  host_net_config "$ROOT"
  in_chroot "$ROOT" /usr/bin/python3 -m venv /opt/venv
  in_chroot "$ROOT" env PIP_CERT=/etc/ssl/certs/edgekd-host-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 \
    /opt/venv/bin/pip install -q --only-binary=:all: $want >"$WORK/pip-arm64.log" 2>&1 || return 1
  echo "$want" >"$ROOT/opt/venv/.edgekd-reqs"
}

js_modules() {  # runtime/js's dependencies from its lockfile in a private folder (npm ci, no scripts): the shared
  # work tree's node_modules may be reinstalled by a concurrent test run while it is being copied. Dev dependencies
  # included: onnxruntime-node is an optional peer of the package, pinned among its devDependencies.
  local dir=runs/cross-host/js-modules lock
  lock=$(sha256sum runtime/js/package-lock.json | cut -c1-64)
  [ "$(cat "$dir/.lock-sha256" 2>/dev/null)" = "$lock" ] && return
  rm -rf "$dir" && mkdir -p "$dir" && cp runtime/js/package.json runtime/js/package-lock.json "$dir/"
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund >npm-ci.log 2>&1) || return 1
  echo "$lock" >"$dir/.lock-sha256"
}

stage_into() {  # DIR: the runtime, these scripts, the stage and the JS runtime (arm64 binary only) at DIR/opt/edgekd
  local dst=$1/opt/edgekd nm=node_modules
  rm -rf "$dst" && mkdir -p "$dst/$WORK" "$dst/runtime/js"
  tar -C "$REPO" -cf - --exclude=__pycache__ runtime/edgekd_runtime scripts/cross_host "$STAGE" | tar -C "$dst" -xf -
  command -v npm >/dev/null && js_modules || { note "arm64 Node" "no node_modules for runtime/js (npm ci failed)"; return 0; }
  tar -C "$REPO" -cf - runtime/js/package.json runtime/js/src runtime/js/bin | tar -C "$dst" -xf -
  tar -C runs/cross-host/js-modules -cf - --exclude=$nm/onnxruntime-web --exclude=$nm/typescript --exclude=$nm/playwright-core \
    --exclude="$nm/onnxruntime-node/bin/napi-v*/darwin" \
    --exclude="$nm/onnxruntime-node/bin/napi-v*/win32" --exclude="$nm/onnxruntime-node/bin/napi-v*/linux/x64" $nm \
    | tar -C "$dst/runtime/js" -xf -
}

collect_from() {  # DIR: the chroot's arm64 dumps back to the host's WORK
  mkdir -p "$WORK/dumps/arm64"
  [ ! -d "$1/opt/edgekd/$WORK/dumps/arm64" ] || cp -r "$1/opt/edgekd/$WORK/dumps/arm64/." "$WORK/dumps/arm64/"
}

arm64_pitfalls() {  # the two reported crashes, reproduced or not: /sys bound into the chroot; 2 intra-op threads
  local b=$STAGE/bundles/${NAMES[0]} rc=0
  in_chroot "$ROOT" /opt/venv/bin/python -m edgekd_runtime.cli selftest --threads 2 "$b" >/dev/null 2>&1 || rc=$?
  note "arm64 onnxruntime, 2 intra-op threads (inter-op 1)" "selftest exit $rc (0 = passed, 139 = segfault)"
  rc=0
  mount --bind -o ro /sys "$ROOT/sys" && MOUNTED+=("$ROOT/sys")
  in_chroot "$ROOT" /opt/venv/bin/python -m edgekd_runtime.cli selftest --threads 1 "$b" >/dev/null 2>&1 || rc=$?
  umount "$ROOT/sys"
  note "arm64 onnxruntime with the host's /sys bound in" "selftest exit $rc (139 = segfault: cpuinfo reads the host's sysfs); the checks run without /sys"
}

# ------------------------------------------------------------------ Node on arm64 (full mode)
first_error() {  # TEXT: its first line that names an error, else its last line
  grep -m1 -E 'Error|error:' <<<"$1" || tail -1 <<<"$1"
}

node18_check() {  # Debian $SUITE's nodejs in the Python chroot: the JS selftest, and with toWellFormed polyfilled
  local b=$STAGE/bundles/${NAMES[0]} v out rc=0
  [ -x "$ROOT/usr/bin/node" ] || in_chroot "$ROOT" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs' >"$WORK/apt-nodejs-$SUITE.log" 2>&1
  v=$(in_chroot "$ROOT" node --version)
  out=$(in_chroot "$ROOT" node runtime/js/bin/edgekd-run-js.js selftest --threads 1 "$b" 2>&1 | grep -v -i cpuinfo) || rc=$?
  note "arm64 Node $v (Debian $SUITE)" "JS selftest exit $rc: $(first_error "$out")"
  rc=0
  out=$(in_chroot "$ROOT" node --import ./scripts/cross_host/well_formed_polyfill.mjs runtime/js/bin/edgekd-run-js.js \
    selftest --threads 1 "$b" 2>&1 | grep -v -i cpuinfo) || rc=$?
  note "arm64 Node $v with String.prototype.toWellFormed polyfilled (diagnosis only)" "JS selftest exit $rc: $(first_error "$out")"
}

newer_node_in_mirror() {  # which arm64 nodejs the Debian mirror has in bookworm-backports and $NODE_SUITE
  local q=/tmp/edgekd-aptq o
  mkdir -p "$ROOT$q/lists/partial"
  printf 'deb %s bookworm-backports main\ndeb %s %s main\n' "$(debian_mirror)" "$(debian_mirror)" "$NODE_SUITE" >"$ROOT$q/sources.list"
  o="-o Dir::Etc::SourceList=$q/sources.list -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists=$q/lists"
  o="$o -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache="
  in_chroot "$ROOT" sh -c "apt-get $o update -qq && apt-cache $o madison nodejs" 2>&1 | tr -s ' ' | paste -sd';' -
}

arm64_node() {  # Node for the JS runtime on arm64: Debian's nodejs from $NODE_SUITE in its own userland
  node18_check
  note "arm64 nodejs in the Debian mirror (backports, $NODE_SUITE)" "$(newer_node_in_mirror)"
  NODE_ROOT=$CACHE/arm64-$NODE_SUITE-node
  timed "arm64: debootstrap $NODE_SUITE + nodejs (cached after the first run)" \
    rootfs "$NODE_ROOT" "$NODE_SUITE" nodejs,ca-certificates || { note "arm64 Node" "no $NODE_SUITE userland"; return 1; }
  mount_proc "$NODE_ROOT"
  stage_into "$NODE_ROOT"
  ARM64_NODE=/usr/bin/node
}

# ------------------------------------------------------------------ main
haswell_part() {
  timed "haswell: verify the emulated CPU" haswell_verify
  timed "haswell: checks (selftests, dev-set logits; numpy and fp32 on $NUMPY_LIMIT rows)" host_checks haswell all "$NUMPY_LIMIT"
}

arm64_part() {
  ensure_binfmt
  timed "arm64: debootstrap $SUITE + python3 (cached after the first run)" rootfs "$ROOT" "$SUITE" "$ROOT_PKGS"
  mount_proc "$ROOT"
  timed "arm64: pip install in the chroot (cached after the first run)" arm64_venv
  timed "arm64: stage the runtime and bundles" stage_into "$ROOT"
  if ((QUICK)); then timed "arm64: checks (Python selftests)" host_checks arm64 selftest
  else
    arm64_pitfalls
    timed "arm64: Node (Debian nodejs)" arm64_node || true
    timed "arm64: checks (selftests, dev-set logits; numpy and fp32 on $NUMPY_LIMIT rows)" host_checks arm64 all "$NUMPY_LIMIT"
  fi
  collect_from "$ROOT"
  [ -z "$NODE_ROOT" ] || collect_from "$NODE_ROOT"
}

main() {
  local t0=$SECONDS
  parse_args "$@"
  check_tools
  rm -rf "${WORK:?}/dumps" "$WORK/timings.tsv" "$WORK/notes.tsv" "$WORK"/dump-*.log && mkdir -p "$WORK"
  echo "scripts/cross-host.sh $*" >"$WORK/command.txt"
  default_bundles
  timed "stage bundles (re-exports included)" stage_bundles
  log "bundles: ${NAMES[*]}"
  timed "native: checks (selftests, full dev sets, every backend)" host_checks native all
  timed "native-oblas-haswell: numpy backend on $NUMPY_LIMIT rows" oblas_haswell_numpy
  local hp rc=0
  haswell_part & hp=$!        # the two emulated hosts at once (one core each)
  arm64_part
  wait "$hp" || rc=$?
  [ $rc = 0 ] || note haswell "the haswell part failed (exit $rc): see the log"
  printf 'total\t%s\n' "$((SECONDS - t0))" >>"$WORK/timings.tsv"
  "$PY" scripts/cross_host/compare.py "$WORK" "$RESULTS"
  log "total wall time: $((SECONDS - t0)) s; results in $RESULTS"
}

main "$@"; exit   # one line: bash has read all of it before main runs (safe to edit meanwhile)
