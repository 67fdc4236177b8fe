#!/usr/bin/env node
/**
 * Node runtime vs Python runtime, side by side in one run, on the same real sentences (SST-2 dev by default):
 *  - batch-1 latency: predict one text at a time, tokenization included, 1 intra-op thread, after warm-up;
 *    Node and Python rounds interleaved (Python in a persistent worker process) so both see the same host load;
 *    p50/p95 per side and the Node/Python ratio of the p50s;
 *  - bundle load time (verify sha256 + tokenizer + graph checks + session) in each, median of repeats;
 *  - installed size of runtime/js/node_modules by package.
 *
 *  - with --browser: the same batch-1 loop inside Debian's chromium (onnxruntime-web wasm, 1 thread), served by
 *    runtime/js/demo/serve.js on 127.0.0.1 (playwright-core, /usr/bin/chromium or EDGEKD_CHROMIUM).
 *
 *   node benchmarks/js_bench.mjs --bundle runs/js/sst2-bundle [--model int8] [--rounds 5] [--limit N]
 *        [--texts /work/shared/data/glue/SST-2/dev.tsv] [--browser] [--json OUT.json]
 * Python: EDGEKD_PYTHON (default .venv/bin/python). Prints a table and a JSON summary.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const JS = path.join(REPO, 'runtime', 'js');
const { loadBundle } = await import(path.join(JS, 'src', 'node.js'));

function args() {
  const a = process.argv.slice(2);
  const o = { bundle: '', model: null, rounds: 5, limit: 0, warmup: 100, texts: '', json: '', browser: false };
  for (let i = 0; i < a.length; i++) {
    const k = a[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`unknown option ${a[i]}`);
    if (k === 'browser') { o.browser = true; continue; }
    o[k] = typeof o[k] === 'number' ? Number(a[++i]) : a[++i];
  }
  if (!o.bundle) {
    o.bundle = ['runs/js/sst2-bundle', 'runs/quick-sst2/export/bundle'].map((p) => path.join(REPO, p)).find((p) => existsSync(path.join(p, 'manifest.json'))) ?? '';
    if (!o.bundle) throw new Error('give --bundle DIR (no runs/js/sst2-bundle or runs/quick-sst2/export/bundle here)');
  }
  return o;
}

/** GLUE TSV columns (edgekd_runtime.textio._read_tsv), or plain lines. */
function readItems(file, pair, limit) {
  const lines = readFileSync(file, 'utf8').replace(/^\ufeff/, '').split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
  const header = lines[0].replace(/\r$/, '').split('\t');
  const want = (pair ? [['sentence1', 'sentence2'], ['#1 String', '#2 String'], ['question1', 'question2']] : [['sentence'], ['text']])
    .find((c) => c.every((x) => header.includes(x)));
  if (!want) throw new Error(`${file}: no ${pair ? 'pair' : 'text'} columns in ${header}`);
  const cols = want.map((c) => header.indexOf(c));
  const out = lines.slice(1).map((l) => l.replace(/\r$/, '').split('\t')).map((p) => (pair ? cols.map((c) => p[c]) : p[cols[0]]));
  return limit ? out.slice(0, limit) : out;
}

const pct = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))]; };
const median = (xs) => pct(xs, 0.5);

function du(p) {
  let n = 0;
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  for (const e of readdirSync(p)) n += du(path.join(p, e));
  return n;
}

class PyWorker {
  constructor(py) {
    this.proc = spawn(py, [path.join(JS, 'tools', 'py_bench_worker.py')], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false' } });
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }
  async call(req) {
    this.proc.stdin.write(JSON.stringify(req) + '\n');
    const { value, done } = await this.lines.next();
    if (done) throw new Error('python worker exited');
    const out = JSON.parse(value);
    if (out.error) throw new Error(out.error);
    return out;
  }
  close() { this.proc.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n'); }
}

const o = args();
const py = process.env.EDGEKD_PYTHON || path.join(REPO, '.venv', 'bin', 'python');
const probe = await loadBundle(o.bundle, { model: o.model });
const textsFile = o.texts || path.join(process.env.EDGEKD_GLUE_DIR || '/work/shared/data/glue', probe.pair ? 'MRPC/dev.tsv' : 'SST-2/dev.tsv');
const items = readItems(textsFile, probe.pair, o.limit);

// load times (in-process, after imports; the first Node load also initialises onnxruntime)
const nodeLoads = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  await loadBundle(o.bundle, { model: o.model, threads: 1 });
  nodeLoads.push(performance.now() - t0);
}
const worker = new PyWorker(py);
const pyLoad = await worker.call({ cmd: 'load', bundle: o.bundle, model: o.model, items, repeat: 5 });

const b = await loadBundle(o.bundle, { model: o.model, threads: 1 });
for (const x of items.slice(0, o.warmup)) await b.predict([x]);
const nodeNs = [], pyNs = [];
const perRound = [];
for (let r = 0; r < o.rounds; r++) {
  const order = r % 2 ? ['node', 'py'] : ['py', 'node'];
  const rec = {};
  for (const who of order) {
    if (who === 'py') {
      const { ns } = await worker.call({ cmd: 'round', warmup: r === 0 ? o.warmup : 0 });
      pyNs.push(...ns);
      rec.python_p50_ms = median(ns) / 1e6;
    } else {
      const ns = [];
      for (const x of items) {
        const t0 = process.hrtime.bigint();
        await b.predict([x]);
        ns.push(Number(process.hrtime.bigint() - t0));
      }
      nodeNs.push(...ns);
      rec.node_p50_ms = median(ns) / 1e6;
    }
  }
  perRound.push(rec);
}
worker.close();

const nm = path.join(JS, 'node_modules');
const pkgs = ['onnxruntime-node', 'onnxruntime-web', 'onnxruntime-common', '@huggingface/tokenizers', 'playwright-core', 'typescript'];
const sizes = Object.fromEntries(pkgs.map((p) => [p, du(path.join(nm, p))]));
const total = du(nm);
sizes.other = total - Object.values(sizes).reduce((a, c) => a + c, 0);
const ortNodeBin = path.join(nm, 'onnxruntime-node', 'bin', 'napi-v6', process.platform, process.arch);

async function browserBench() {
  const { chromium } = await import(path.join(JS, 'node_modules', 'playwright-core', 'index.mjs'));
  const { mkdtempSync, rmSync } = await import('node:fs');
  const server = spawn(process.execPath, [path.join(JS, 'demo', 'serve.js'), '--port', '0', o.bundle], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => { out += d; const m = /serving (http:\/\/[^/]+)\//.exec(out); if (m) resolve(m[1]); });
    server.on('exit', (c) => reject(new Error(`serve.js exited ${c}`)));
  });
  const profile = mkdtempSync(path.join(os.tmpdir(), 'edgekd-bench-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: process.env.EDGEKD_CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const page = await ctx.newPage();
    await page.goto(`${base}/demo/`);
    await page.waitForFunction(() => window.edgekdDemo !== undefined);
    await page.evaluate(() => window.edgekdDemo.ready);
    return await page.evaluate(async ({ items, model, warmup, rounds }) => {
      const { loadBundle } = await import('edgekd-runtime');
      const loads = [];
      let b;
      for (let i = 0; i < 3; i++) { const t0 = performance.now(); b = await loadBundle('./bundle/', { model }); loads.push(performance.now() - t0); }
      for (const x of items.slice(0, warmup)) await b.predict([x]);
      const t = [];
      for (let r = 0; r < rounds; r++) for (const x of items) { const t0 = performance.now(); await b.predict([x]); t.push(performance.now() - t0); }
      t.sort((p, q) => p - q);
      loads.sort((p, q) => p - q);
      return { p50_ms: t[Math.floor(0.5 * (t.length - 1) + 0.5)], p95_ms: t[Math.floor(0.95 * (t.length - 1) + 0.5)], calls: t.length,
        load_median_ms: loads[1], backend: 'onnxruntime-web wasm 1 thread (chromium, headless)', timer: 'performance.now() (coarsened by the browser)' };
    }, { items, model: o.model, warmup: o.warmup, rounds: Math.min(2, o.rounds) });
  } finally {
    await ctx.close();
    server.kill('SIGTERM');
    rmSync(profile, { recursive: true, force: true });
  }
}

const ms = (ns) => +(ns / 1e6).toFixed(4);
const summary = {
  bundle: o.bundle, model: b.spec.file, precision: b.spec.precision, texts: textsFile, n_texts: items.length, rounds: o.rounds,
  host: { cpus: os.cpus().length, loadavg_1m: +os.loadavg()[0].toFixed(2), node: process.version },
  batch1: {
    node: { p50_ms: ms(median(nodeNs)), p95_ms: ms(pct(nodeNs, 0.95)), calls: nodeNs.length, backend: 'onnxruntime-node 1 thread' },
    python: { p50_ms: ms(median(pyNs)), p95_ms: ms(pct(pyNs, 0.95)), calls: pyNs.length, backend: 'onnxruntime (Python) 1 thread' },
    ratio_node_over_python_p50: +(median(nodeNs) / median(pyNs)).toFixed(3),
    per_round: perRound.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, +v.toFixed(4)]))),
  },
  load_ms: { node_median: +median(nodeLoads).toFixed(1), node_first: +nodeLoads[0].toFixed(1), python_median: +median(pyLoad.load_ms).toFixed(1), python_first: +pyLoad.load_ms[0].toFixed(1) },
  node_modules_bytes: { ...sizes, total, 'onnxruntime-node (this platform binaries only)': du(ortNodeBin) },
};
if (o.browser) summary.browser = await browserBench();
const MB = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`;
console.log(`bundle ${o.bundle} (${b.spec.file}), ${items.length} texts from ${textsFile}, ${o.rounds} interleaved rounds, load avg ${summary.host.loadavg_1m}`);
console.log(`batch-1 p50/p95  Node ${summary.batch1.node.p50_ms}/${summary.batch1.node.p95_ms} ms   Python ${summary.batch1.python.p50_ms}/${summary.batch1.python.p95_ms} ms   ratio ${summary.batch1.ratio_node_over_python_p50}`);
console.log(`load (median)    Node ${summary.load_ms.node_median} ms (first ${summary.load_ms.node_first})   Python ${summary.load_ms.python_median} ms (first ${summary.load_ms.python_first})`);
if (summary.browser) console.log(`browser batch-1  p50/p95 ${summary.browser.p50_ms.toFixed(3)}/${summary.browser.p95_ms.toFixed(3)} ms, load ${summary.browser.load_median_ms.toFixed(1)} ms (chromium, wasm, 1 thread)`);
console.log(`node_modules     ${Object.entries(summary.node_modules_bytes).map(([k, v]) => `${k} ${MB(v)}`).join(', ')}`);
console.log(JSON.stringify(summary, null, 2));
if (o.json) writeFileSync(o.json, JSON.stringify(summary, null, 2) + '\n');
