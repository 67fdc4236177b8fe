// The Node CLI's parity with `edgekd-run`: info, bench, predict --format table, selftest --json (same fields as
// Python, run on the same bundles), and the exit-code policy per verb (0 ok, 2 usage or input, 3 invalid bundle
// or failed check, 130 interrupted), errors one line on stderr.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CLI, REPO_ROOT, fixture, python, runCli, tamperGoldenLogit, tamperedCopy, tempDir } from './helpers.js';

/** @param {string[]} args */
function pyCli(args) {
  const r = spawnSync(python(), ['-m', 'edgekd_runtime.cli', ...args], { cwd: REPO_ROOT, encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The key paths of a JSON value ("rows[].latency.p50_ms"), sorted; the values of `opaque` keys are not entered.
 * @param {unknown} v
 * @param {string[]} [opaque]
 * @param {string} [at]
 * @returns {string[]}
 */
function keyPaths(v, opaque = [], at = '') {
  if (Array.isArray(v)) return [...new Set(v.flatMap((x) => keyPaths(x, opaque, `${at}[]`)))].sort();
  if (v === null || typeof v !== 'object') return [at];
  return Object.entries(v).flatMap(([k, x]) => [`${at}.${k}`, ...(opaque.includes(k) ? [] : keyPaths(x, opaque, `${at}.${k}`))]).sort();
}

/** Integral floats print as integers in JS (1.0 -> 1): the one difference left in `info`'s text. */
const unfloat = (/** @type {string} */ s) => s.replace(/\b(\d+)\.0\b/g, '$1');

test('info: same text as edgekd-run info (up to 1.0 vs 1) and the same JSON fields, on every fixture', () => {
  for (const name of ['single', 'pair', 'all8']) {
    const js = runCli(['info', fixture(name)]), py = pyCli(['info', fixture(name)]);
    assert.equal(js.status, 0, js.stderr);
    assert.equal(py.status, 0, py.stderr);
    assert.equal(unfloat(js.stdout), unfloat(py.stdout));
    const jj = runCli(['info', fixture(name), '--json']), pj = pyCli(['info', fixture(name), '--json']);
    assert.equal(jj.status, 0, jj.stderr);
    const a = JSON.parse(jj.stdout), b = JSON.parse(pj.stdout);
    assert.deepEqual(keyPaths(a, ['metrics', 'student', 'quantization', 'provenance']), keyPaths(b, ['metrics', 'student', 'quantization', 'provenance']));
    assert.deepEqual(a, b, 'same values too');
  }
});

test('selftest --json: the fields of edgekd-run selftest --json, passing and failing', () => {
  const ok = runCli(['selftest', fixture('pair'), '--json']), pok = pyCli(['selftest', fixture('pair'), '--json']);
  assert.equal(ok.status, 0, ok.stderr);
  const a = JSON.parse(ok.stdout), b = JSON.parse(pok.stdout);
  assert.deepEqual(Object.keys(a), ['ok', 'bundle', 'backend', 'inputs', 'models', 'max_abs_diff', 'failure']);
  assert.deepEqual(Object.keys(a), Object.keys(b));
  assert.deepEqual({ ...a, backend: null }, { ...b, backend: null });
  assert.equal(a.backend, 'onnxruntime-node');
  const dir = tamperedCopy(fixture('single'), 'golden.json', tamperGoldenLogit);
  const bad = runCli(['selftest', dir, '--json']), pbad = pyCli(['selftest', dir, '--json']);
  assert.equal(bad.status, 3);
  assert.equal(pbad.status, 3);
  const x = JSON.parse(bad.stdout), y = JSON.parse(pbad.stdout);
  assert.equal(x.ok, false);
  assert.equal(x.failure, y.failure);
  assert.equal(bad.stderr, `edgekd-run-js: error: selftest FAILED: ${x.failure}\n`);
});

test('predict --format table: the table of edgekd-run predict -f table (header once, --probs, pairs)', () => {
  const dir = tempDir('edgekd-js-table-');
  const file = path.join(dir, 'in.txt');
  writeFileSync(file, ['a good film', 'the   worst\tmovie', 'long '.repeat(80), ''].join('\n') + '\n');
  for (const args of [['predict', fixture('single'), '-i', file, '-f', 'table', '--chunk-size', '2'],
    ['predict', fixture('single'), '-i', file, '--format=table', '--probs'],
    ['predict', fixture('pair'), 'a', 'b', 'c d', 'e f', '-f', 'table', '--probs']]) {
    const js = runCli(args), py = pyCli(args);
    assert.equal(js.status, 0, js.stderr);
    assert.equal(js.stdout, py.stdout);
  }
});

test('bench --json: the fields of edgekd-run bench --json (rows, latency, throughput, memory)', () => {
  const args = ['bench', fixture('single'), '--iters', '20', '--threads', '1', '--limit', '8', '--json'];
  const js = runCli(args), py = pyCli(args);
  assert.equal(js.status, 0, js.stderr);
  assert.equal(py.status, 0, py.stderr);
  const a = JSON.parse(js.stdout), b = JSON.parse(py.stdout);
  assert.deepEqual(keyPaths(a), keyPaths(b));
  for (const k of ['bundle', 'task', 'model', 'precision', 'texts', 'num_texts', 'max_length', 'cpu_count']) assert.deepEqual(a[k], b[k], k);
  assert.equal(a.rows[0].latency.iters, 20);
  assert.ok(a.rows[0].latency.p50_ms > 0 && a.rows[0].throughput.sentences_per_s > 0 && a.rows[0].memory.peak_rss_mb > 10);
  const t = runCli(['bench', fixture('pair'), '--iters', '10', '--threads', '1', '--no-rss', '--model', 'fp32']);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /model=model\.fp32\.onnx \(fp32\)  backend=onnxruntime-node\n/);
  assert.match(t.stdout, /\n {10}1 +[0-9.]+ .* {11}-  {11}-\n/);
});

test('bench --texts: GLUE TSV columns, JSONL and lines, as textio.read_items', () => {
  const dir = tempDir('edgekd-js-benchtexts-');
  const tsv = path.join(dir, 'dev.tsv');
  writeFileSync(tsv, 'sentence\tlabel\na fine film\t1\na dull film\t0\n');
  const r = runCli(['bench', fixture('single'), '--texts', tsv, '--iters', '10', '--threads', '1', '--no-rss', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).num_texts, 2);
  const pairTsv = path.join(dir, 'pairs.tsv');
  writeFileSync(pairTsv, 'Quality\t#1 String\t#2 String\n1\ta\tb\n0\tc\td\n1\te\tf\n');
  const p = runCli(['bench', fixture('pair'), '--texts', pairTsv, '--iters', '10', '--threads', '1', '--no-rss', '--json']);
  assert.equal(p.status, 0, p.stderr);
  assert.equal(JSON.parse(p.stdout).num_texts, 3);
});

/** Per verb: [args, stdin, expected status, stderr pattern]. */
function exitCases() {
  const flipped = tamperedCopy(fixture('single'), 'model.int8.onnx', (b) => { const c = Buffer.from(b); c[c.length >> 1] ^= 1; return c; }, { keepChecksums: true });
  const golden = tamperedCopy(fixture('single'), 'golden.json', tamperGoldenLogit);
  const dir = tempDir('edgekd-js-exit-');
  const empty = path.join(dir, 'empty.txt');
  writeFileSync(empty, '');
  mkdirSync(path.join(dir, 'adir'));
  const single = fixture('single');
  /** @type {[string[], string, number, RegExp][]} */
  return [
    [['predict', single, 'a good film'], '', 0, /^$/],
    [['predict', single, '--format', 'csv', 'x'], '', 2, /invalid value for --format: 'csv' is not one of 'jsonl', 'table'/],
    [['predict', single, '--input', path.join(dir, 'missing.txt')], '', 2, /missing\.txt: No such file or directory/],
    [['predict', single], '{"text": 1}\n', 2, /line 1/],
    [['predict', '/nonexistent/bundle', 'x'], '', 3, /\/nonexistent\/bundle: no such bundle directory/],
    [['predict', flipped, 'x'], '', 3, /sha256 .* does not match manifest\.json/],
    [['info', single], '', 0, /^$/],
    [['info', single, 'extra'], '', 2, /got unexpected extra argument \(extra\)/],
    [['info'], '', 2, /missing argument 'BUNDLE'/],
    [['info', single, '--probs'], '', 2, /no such option: --probs/],
    [['info', '/nonexistent/bundle'], '', 3, /no such bundle directory/],
    [['info', flipped], '', 3, /sha256 .* does not match manifest\.json/],
    [['selftest', single], '', 0, /^$/],
    [['selftest', single, '--threads', '0'], '', 2, /invalid value for --threads: 0 is not in the range x>=1/],
    [['selftest', single, '--backend', 'numpy'], '', 2, /invalid value for --backend: 'numpy' is not one of 'onnxruntime'/],
    [['selftest', single, '--model', 'int4'], '', 3, /manifest lists no model 'int4'; it has \['model\.int8\.onnx', 'model\.fp32\.onnx'\]/],
    [['selftest', golden], '', 3, /selftest FAILED: input 'empty'/],
    [['selftest', flipped], '', 3, /sha256/],
    [['bench', single, '--iters', '10', '--threads', '1', '--no-rss'], '', 0, /^$/],
    [['bench', single, '--iters', '5'], '', 2, /invalid value for --iters: 5 is not in the range x>=10/],
    [['bench', single, '--texts', path.join(dir, 'missing.txt')], '', 2, /invalid value for --texts: file '.*missing\.txt' does not exist/],
    [['bench', single, '--texts', path.join(dir, 'adir')], '', 2, /is a directory/],
    [['bench', single, '--texts', empty, '--iters', '10', '--no-rss'], '', 2, /no texts in .*empty\.txt/],
    [['bench', '/nonexistent/bundle', '--iters', '10'], '', 3, /no such bundle directory/],
    [['bench', flipped, '--iters', '10'], '', 3, /sha256/],
    [[], '', 2, /^Usage: edgekd-run-js COMMAND/],
    [['frobnicate'], '', 2, /no such command 'frobnicate' \(commands: predict, info, selftest, bench\)/],
    [['--help'], '', 0, /^$/],
  ];
}

test('exit codes per verb: 0 ok, 2 usage or input, 3 invalid bundle or failed check; one-line errors', () => {
  for (const [args, input, code, re] of exitCases()) {
    const r = runCli(args, { input });
    const what = `edgekd-run-js ${args.join(' ')}: ${r.stderr}`;
    assert.equal(r.status, code, what);
    assert.match(r.stderr, re, what);
    if (code === 2 || code === 3) {
      if (args.length) assert.equal(r.stderr.split('\n').length, 2, `one line: ${what}`);
      if (args.length) assert.match(r.stderr, /^edgekd-run-js: error: /, what);
    }
  }
});

test('SIGINT: exit 130 (predict waiting on stdin, bench mid-run), nothing on stderr', async () => {
  for (const args of [['predict', fixture('single'), '--chunk-size', '1'], ['bench', fixture('single'), '--iters', '100000', '--threads', '1', '--no-rss']]) {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const done = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    if (args[0] === 'predict') {
      child.stdin.write('a good film\n');                          // answered once the bundle is loaded
      for (let i = 0; i < 200 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(out, /^\{"label": /);
    } else {
      await new Promise((r) => setTimeout(r, 1500));               // loaded and timing
    }
    child.kill('SIGINT');
    const { code, signal } = /** @type {{code: number, signal: string}} */ (await done);
    assert.equal(code, 130, `${args[0]}: exit ${code} signal ${signal} ${err}`);
    assert.equal(err, '');
  }
});
