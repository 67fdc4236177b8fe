#!/usr/bin/env bash
# The npm package of runtime/js as a user gets it (issue 24): `npm pack` it, install the tarball into a fresh Node
# app (first without its engine: the import must name the package to install; then with onnxruntime-node, install
# scripts on and only its postinstall's CUDA download skipped by ONNXRUNTIME_NODE_INSTALL=skip) that classifies a
# sentence, runs the golden vectors and the CLI; then a fresh Vite app that imports the package, is built by
# `vite build`, served by `vite preview` and passes the golden vectors in headless chromium. Prints the installed
# size of the Node app and the bytes the web app ships (JS and wasm). Needs scripts/setup.sh and
# scripts/setup-test.sh (.venv, runtime/js/node_modules, chromium) and the npm registry. Fails loudly.
# About 20 s with a warm npm cache, a few minutes with a cold one (2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
JS=$REPO/runtime/js
WORK=${EDGEKD_NPM_CHECK_DIR:-/tmp/edgekd-npm-check}
VITE_VERSION=7.3.8
NPM_FLAGS=(--no-audit --no-fund --loglevel=error)
die() { echo "check-npm: FAILED: $*" >&2; exit 1; }
step() { echo "== check-npm: $*"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
sum_bytes() { local n=0 f; for f in "$@"; do [ -f "$f" ] && n=$((n + $(stat -c %s "$f"))); done; echo "$n"; }
gz_bytes() { local n=0 f; for f in "$@"; do [ -f "$f" ] && n=$((n + $(gzip -9c "$f" | wc -c))); done; echo "$n"; }

[ -x .venv/bin/python ] || die ".venv is missing: run scripts/setup.sh"
[ -d "$JS/node_modules/playwright-core" ] || die "runtime/js/node_modules is missing: run scripts/setup-test.sh"
ORT=$(node -p "require('$JS/package.json').devDependencies['onnxruntime-node']")
ORT_WEB=$(node -p "require('$JS/package.json').devDependencies['onnxruntime-web']")
rm -rf "$WORK" && mkdir -p "$WORK"
t_start=$SECONDS

step "fixture bundle"
.venv/bin/python -m tests.runtime.make_fixtures "$WORK/bundles" >/dev/null
BUNDLE=$WORK/bundles/single

step "npm pack"
(cd "$JS" && npm pack --ignore-scripts --pack-destination "$WORK" "${NPM_FLAGS[@]}" >/dev/null)
TGZ=$(ls "$WORK"/edgekd-runtime-*.tgz)
tar tzf "$TGZ" | grep -x package/LICENSE >/dev/null || die "LICENSE is not in $TGZ"
echo "tarball: $(basename "$TGZ"), $(stat -c %s "$TGZ") bytes, $(tar tzf "$TGZ" | wc -l) files"

step "fresh Node app: the package alone (no engine)"
APP=$WORK/node-app
mkdir -p "$APP" && cd "$APP"
printf '{ "name": "node-app", "private": true, "type": "module" }\n' > package.json
npm install "${NPM_FLAGS[@]}" "$TGZ"
if node -e "await import('edgekd-runtime')" 2> err.txt; then die "the Node entry imported without onnxruntime-node"; fi
grep -q 'run `npm install onnxruntime-node@' err.txt || die "no clear message without onnxruntime-node: $(cat err.txt)"
echo "without onnxruntime-node: $(grep -m1 -o 'Error: edgekd-runtime: the Node entry.*' err.txt)"

step "fresh Node app: + onnxruntime-node@$ORT (install scripts on; its CUDA download skipped)"
ONNXRUNTIME_NODE_INSTALL=skip npm install "${NPM_FLAGS[@]}" "onnxruntime-node@$ORT"
[ -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1 ] || [ "$(uname -sm)" != "Linux x86_64" ] \
  || die "onnxruntime-node's CPU library is missing"
[ ! -e node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so ] || die "CUDA files were downloaded"
cat > classify.js <<'JS'
import { loadBundle, selftest, versions } from 'edgekd-runtime';

const bundle = await loadBundle('runs/quick-sst2/export/bundle');
const r = await bundle.predict(['a fine film', 'a dull , tedious mess']);
console.log(r.labels, r.probabilities.map((p) => p.map((x) => x.toFixed(3))));
const report = await selftest(bundle);
console.log(report.summary, `(${versions.backend} ${versions.onnxruntime})`);
await bundle.dispose();
if (!report.ok) process.exit(1);
JS
mkdir -p runs/quick-sst2/export && cp -r "$BUNDLE" runs/quick-sst2/export/bundle   # where docs/javascript.md expects it
node classify.js
npx --no-install edgekd-run-js predict "$BUNDLE" "a fine film"
npx --no-install edgekd-run-js selftest "$BUNDLE" --json > selftest.json || die "edgekd-run-js selftest failed"
node -e "const r = JSON.parse(require('fs').readFileSync('selftest.json', 'utf8')); if (!r.ok) process.exit(1)"
node_app_bytes=$(du -sb node_modules | cut -f1)

step "fresh Vite app: vite@$VITE_VERSION, onnxruntime-web@$ORT_WEB"
WEB=$WORK/web-app
mkdir -p "$WEB/public" && cd "$WEB"
printf '{ "name": "web-app", "private": true, "type": "module" }\n' > package.json
npm install "${NPM_FLAGS[@]}" "$TGZ" "onnxruntime-web@$ORT_WEB" "vite@$VITE_VERSION"
cp -r "$BUNDLE" public/bundle                          # served as ./bundle/ (not counted as shipped code)
cat > index.html <<'HTML'
<!doctype html>
<html><head><meta charset="utf-8"><title>edgekd in Vite</title><link rel="icon" href="data:,"></head>
<body><pre id="out">loading…</pre><script type="module" src="/main.js"></script></body></html>
HTML
cat > main.js <<'JS'
import { loadBundle, selftest, versions } from 'edgekd-runtime';

async function main() {
  const t0 = performance.now();
  const bundle = await loadBundle('./bundle/');              // fetch + WebCrypto sha256, wasm from Vite's assets
  const loadMs = performance.now() - t0;
  const r = await bundle.predict('a fine film');
  const report = await selftest(bundle);                     // the golden vectors, here in the browser
  await bundle.dispose();
  return { ok: report.ok, summary: report.summary, label: r.labels[0], loadMs, engine: versions.onnxruntime };
}

main().catch((e) => ({ ok: false, error: String(e) })).then((res) => {
  window.edgekdResult = res;
  document.querySelector('#out').textContent = JSON.stringify(res, null, 2);
});
JS
npx --no-install vite build --logLevel warn
mapfile -t js_files < <(find dist/assets -name '*.js' -o -name '*.mjs')
mapfile -t wasm_files < <(find dist/assets -name '*.wasm')
[ "${#wasm_files[@]}" -ge 1 ] || die "vite build emitted no .wasm under dist/assets"
js_bytes=$(sum_bytes "${js_files[@]}"); wasm_bytes=$(sum_bytes "${wasm_files[@]}")
js_gz=$(gz_bytes "${js_files[@]}"); wasm_gz=$(gz_bytes "${wasm_files[@]}")
web_dev_bytes=$(du -sb node_modules | cut -f1)

step "vite preview + headless chromium: golden vectors"
PORT=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
./node_modules/.bin/vite preview --host 127.0.0.1 --port "$PORT" --strictPort > preview.log 2>&1 &   # not npx: its child would outlive a kill
preview=$!
trap 'kill $preview 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/" >/dev/null || die "vite preview did not start: $(cat preview.log)"
node "$JS/tools/page_golden.mjs" "http://127.0.0.1:$PORT/" 90000 || die "the Vite app did not pass the golden vectors in chromium"
kill $preview 2>/dev/null || true

step "sizes"
echo "Node app node_modules (edgekd-runtime + @huggingface/tokenizers + onnxruntime-node): $node_app_bytes bytes ($(mib "$node_app_bytes"))"
for d in edgekd-runtime @huggingface/tokenizers onnxruntime-node onnxruntime-common; do
  echo "  $d: $(du -sb "$APP/node_modules/$d" | cut -f1) bytes"
done
echo "web app shipped (vite build, dist/assets): JS $js_bytes bytes ($(mib "$js_bytes"), gzip -9 $js_gz), wasm $wasm_bytes bytes ($(mib "$wasm_bytes"), gzip -9 $wasm_gz)"
for f in "${js_files[@]}" "${wasm_files[@]}"; do echo "  $f: $(stat -c %s "$f") bytes"; done
echo "web app node_modules at build time (not shipped; vite included): $web_dev_bytes bytes ($(mib "$web_dev_bytes"))"
echo "check-npm: OK in $((SECONDS - t_start)) s"
