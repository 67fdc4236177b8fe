// Logits of a dev set through the JavaScript runtime, in Node (onnxruntime-node) or in the browser build
// (onnxruntime-web, wasm, one thread, in headless Debian chromium driven by playwright-core), batched and batch 1.
//
//   node scripts/cross_host/js_logits.mjs --engine node|wasm --bundle DIR --data DEV.tsv|INPUTS.json --out OUTDIR
//        [--model FILE_OR_PRECISION]... [--limit N] [--no-b1] [--no-batched] [--chromium PATH]
//
// Writes, for every model (default: every model of the manifest), in the format of dump_logits.py/.mjs
// (scripts/cross-host.sh's dumps: OUTDIR is dumps/<host>/<bundle>):
//   OUTDIR/<model file>.<engine>.json      predict(rows) with the runtime's default batching (64 rows, 512 tokens)
//   OUTDIR/<model file>.<engine>-b1.json   predict([row]) for every row alone
// each {"bundle", "model", "precision", "backend", "engine", "batching", "inputs", "inputs_sha256", "rows", "host",
// "logits": [[...]], "label_ids": [...], "wall_s"} (wall_s: how long the pass took; not a result).
//
// DEV.tsv: a GLUE dev file (SST-2 "sentence" -> strings; MRPC "#1 String"/"#2 String" -> pairs), parsed as
// inputs.py parses it (tab-separated, no quoting, BOM dropped); INPUTS.json: inputs.py's output ({"rows": [...]}).
// The wasm engine serves runtime/js through demo/serve.js (the browser test's server, bundle mounted at
// /bundles/b/) and runs the runtime's src/browser.js in a page with the demo's import map.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const JS_ROOT = path.join(REPO, 'runtime', 'js');
const PAIR_COLUMNS = ['#1 String', '#2 String'];
const SINGLE_COLUMN = 'sentence';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function usage(msg) {
  if (msg) process.stderr.write(`js_logits.mjs: error: ${msg}\n`);
  process.stderr.write('usage: node js_logits.mjs --engine node|wasm --bundle DIR --data DEV.tsv|INPUTS.json --out OUTDIR ' +
    '[--model M]... [--limit N] [--no-b1] [--no-batched] [--chromium PATH]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { models: [], limit: 0, b1: true, batched: true, chromium: process.env.EDGEKD_CHROMIUM || '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    if (a === '--engine') o.engine = val();
    else if (a === '--bundle') o.bundle = path.resolve(val());
    else if (a === '--data') o.data = path.resolve(val());
    else if (a === '--out') o.out = path.resolve(val());
    else if (a === '--model') o.models.push(val());
    else if (a === '--limit') o.limit = Number(val());
    else if (a === '--no-b1') o.b1 = false;
    else if (a === '--no-batched') o.batched = false;
    else if (a === '--chromium') o.chromium = val();
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  if (!['node', 'wasm'].includes(o.engine)) usage('--engine must be node or wasm');
  for (const k of ['bundle', 'data', 'out']) if (!o[k]) usage(`--${k} is required`);
  if (!existsSync(path.join(o.bundle, 'manifest.json'))) usage(`${o.bundle}: no manifest.json`);
  return o;
}

/** A GLUE dev TSV as inputs.py reads it, or inputs.py's JSON. */
export function readRows(file) {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) return JSON.parse(text).rows;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const header = lines[0].split('\t');
  const rows = lines.slice(1).filter((l) => l !== '').map((l) => l.split('\t'));
  if (PAIR_COLUMNS.every((c) => header.includes(c))) {
    const [a, b] = PAIR_COLUMNS.map((c) => header.indexOf(c));
    return rows.map((r) => [r[a], r[b]]);
  }
  const col = header.indexOf(SINGLE_COLUMN);
  if (col < 0) throw new Error(`${file}: neither a "${SINGLE_COLUMN}" column nor "${PAIR_COLUMNS.join('", "')}" columns`);
  return rows.map((r) => r[col]);
}

/** sha256 of the rows as compact JSON (compare_js.py computes the same over Python's rows). */
const rowsSha = (rows) => createHash('sha256').update(JSON.stringify(rows)).digest('hex');

function modelsOf(bundle, wanted) {
  const manifest = JSON.parse(readFileSync(path.join(bundle, 'manifest.json'), 'utf8'));
  const all = manifest.models;
  if (!wanted.length) return all;
  return wanted.map((w) => {
    const m = all.find((x) => x.file === w) ?? all.find((x) => x.precision === w);
    if (!m) throw new Error(`${bundle}: no model ${w} (has ${all.map((x) => x.file).join(', ')})`);
    return m;
  });
}

// ------------------------------------------------------------------ engines
// Each engine: { host, run(modelFile, rows, batch1) -> {logits, labelIds, backend, onnxruntime}, close() }

async function nodeEngine(bundleDir) {
  const { loadBundle, versions } = await import(path.join(JS_ROOT, 'src', 'node.js'));
  const host = { machine: os.machine ? os.machine() : process.arch, node: process.version, onnxruntime: versions.onnxruntime,
    backend: versions.backend, threads: 1 };
  return {
    host,
    async run(model, rows, batch1) {
      const b = await loadBundle(bundleDir, { model, threads: 1 });
      const logits = [], labelIds = [];
      if (batch1) {
        for (const r of rows) { const p = await b.predict([r]); logits.push(p.logits[0]); labelIds.push(p.labelIds[0]); }
      } else {
        const p = await b.predict(rows);
        logits.push(...p.logits); labelIds.push(...p.labelIds);
      }
      return { logits, labelIds, backend: b.io.backend, model: b.spec.file };
    },
    async close() {},
  };
}

/** demo/serve.js on a free port with the bundle at /bundles/b/; resolves to [child, base URL]. */
function serve(bundleDir) {
  const server = spawn(process.execPath, [path.join(JS_ROOT, 'demo', 'serve.js'), '--port', '0', `b=${bundleDir}`],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '', err = '';
    const t = setTimeout(() => reject(new Error(`serve.js did not start: ${err}`)), 15000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = /serving (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) { clearTimeout(t); resolve([server, m[1]]); }
    });
    server.stderr.on('data', (d) => { err += d; });
    server.on('exit', (code) => reject(new Error(`serve.js exited (${code}): ${err}`)));
  });
}

/** A page at /demo/ with the demo's own import map (so "edgekd-runtime" is src/browser.js, as in the demo). */
function harnessHtml() {
  const demo = readFileSync(path.join(JS_ROOT, 'demo', 'index.html'), 'utf8');
  const m = /<script type="importmap">[\s\S]*?<\/script>/.exec(demo);
  if (!m) throw new Error('demo/index.html has no import map');
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${m[0]}
<script type="module">
import * as rt from 'edgekd-runtime';
import * as ort from 'onnxruntime-web';
rt.configureWasm({ wasmPaths: new URL('../node_modules/onnxruntime-web/dist/', location.href).href, numThreads: 1 });
window.edgekdRt = rt;
window.edgekdOrt = ort;
</script></head><body>edgekd js_logits harness</body></html>`;
}

async function wasmEngine(bundleDir, chromiumPath) {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} not found: apt-get install -y chromium (or --chromium PATH)`);
  const { chromium } = await import(path.join(JS_ROOT, 'node_modules', 'playwright-core', 'index.mjs'));
  const [server, base] = await serve(bundleDir);
  const profile = mkdtempSync(path.join(os.tmpdir(), 'edgekd-js-logits-'));
  const errors = [];
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
    const url = `${base}/demo/edgekd-js-logits.html`;
    await page.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: harnessHtml() }));
    await page.goto(url);
    await page.waitForFunction(() => /** @type {any} */ (window).edgekdRt !== undefined, null, { timeout: 30000 });
    const info = await page.evaluate(() => {
      const rt = /** @type {any} */ (window).edgekdRt;
      const ort = /** @type {any} */ (window).edgekdOrt;
      return { userAgent: navigator.userAgent, crossOriginIsolated: globalThis.crossOriginIsolated,
        onnxruntime: rt.versions.onnxruntime, backend: rt.versions.backend, numThreads: ort.env.wasm.numThreads,
        simd: ort.env.wasm.simd ?? null };
    });
    const host = { machine: os.machine ? os.machine() : process.arch, browser: context.browser()?.version() ?? info.userAgent,
      userAgent: info.userAgent, onnxruntime: info.onnxruntime, backend: info.backend, wasm_threads: info.numThreads,
      cross_origin_isolated: info.crossOriginIsolated };
    return {
      host,
      async run(model, rows, batch1) {
        if (errors.length) throw new Error(`page errors: ${errors.join(' | ')}`);
        const r = await page.evaluate(async ({ model, rows, batch1 }) => {
          const rt = /** @type {any} */ (window).edgekdRt;
          const b = await rt.loadBundle('/bundles/b/', { model });
          const logits = [], labelIds = [];
          if (batch1) {
            for (const row of rows) { const p = await b.predict([row]); logits.push(p.logits[0]); labelIds.push(p.labelIds[0]); }
          } else {
            const p = await b.predict(rows);
            logits.push(...p.logits); labelIds.push(...p.labelIds);
          }
          return { logits, labelIds, backend: b.io.backend, model: b.spec.file };
        }, { model, rows, batch1 });
        if (errors.length) throw new Error(`page errors: ${errors.join(' | ')}`);
        return r;
      },
      async close() {
        await context?.close();
        server.kill('SIGTERM');
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await context?.close().catch(() => {});
    server.kill('SIGTERM');
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}

// ------------------------------------------------------------------ main
async function main() {
  const o = parseArgs(process.argv.slice(2));
  let rows = readRows(o.data);
  if (o.limit) rows = rows.slice(0, o.limit);
  const sha = rowsSha(rows);
  const models = modelsOf(o.bundle, o.models);
  mkdirSync(o.out, { recursive: true });
  const engine = o.engine === 'node' ? await nodeEngine(o.bundle) : await wasmEngine(o.bundle, o.chromium);
  try {
    for (const { file, precision } of models) {
      for (const batch1 of [false, true]) {
        if (batch1 ? !o.b1 : !o.batched) continue;
        const t0 = performance.now();
        const r = await engine.run(file, rows, batch1);
        const wall = (performance.now() - t0) / 1000;
        if (r.model !== file) throw new Error(`asked for ${file}, the runtime loaded ${r.model}`);
        if (r.logits.length !== rows.length) throw new Error(`${file}: ${r.logits.length} logit rows for ${rows.length} inputs`);
        const runtime = `${o.engine}${batch1 ? '-b1' : ''}`;
        const rec = { bundle: o.bundle, model: file, precision, backend: r.backend, engine: o.engine,
          batching: batch1 ? { batch_size: 1, per_row: true } : { batch_size: 64, max_tokens: 512, default: true },
          inputs: o.data, inputs_sha256: sha, rows: rows.length, host: engine.host,
          logits: r.logits, label_ids: r.labelIds, wall_s: Math.round(wall * 100) / 100 };
        const out = path.join(o.out, `${file}.${runtime}.json`);
        writeFileSync(out, JSON.stringify(rec));
        console.log(`${out}: ${rows.length} rows, ${wall.toFixed(1)} s`);
      }
    }
  } finally {
    await engine.close();
  }
}

main().catch((e) => { process.stderr.write(`js_logits.mjs: ${e?.stack ?? e}\n`); process.exit(1); });
