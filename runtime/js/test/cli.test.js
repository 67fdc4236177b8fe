// The Node CLI: same JSONL as `edgekd-run predict`, selftest exit codes, tampered bundles, usage and input errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PAIRS, TEXTS, fixture, python, runCli, tamperedCopy, shiftOutputBias, tamperGoldenLogit, tempDir, REPO_ROOT } from './helpers.js';

/** @param {string[]} args @param {string} [input] */
function pyCli(args, input = '') {
  const r = spawnSync(python(), ['-m', 'edgekd_runtime.cli', ...args], { cwd: REPO_ROOT, encoding: 'utf8', input,
    env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Same records as Python: same keys in the same order, labels and flags equal, numbers within 1e-6 (numpy's SIMD
 * float32 exp can differ from a correctly rounded one by one ulp, which may move the 6th decimal).
 * @param {string} js @param {string} py
 */
function sameJsonl(js, py) {
  const a = js.trimEnd().split('\n'), b = py.trimEnd().split('\n');
  assert.equal(a.length, b.length, `${a.length} JS lines vs ${b.length} Python lines`);
  a.forEach((line, i) => {
    const x = JSON.parse(line), y = JSON.parse(b[i]);
    assert.deepEqual(Object.keys(x), Object.keys(y), `line ${i + 1} keys: ${line} vs ${b[i]}`);
    assert.equal(x.label, y.label, `line ${i + 1}`);
    assert.equal(x.truncated, y.truncated);
    assert.ok(Math.abs(x.score - y.score) <= 1.01e-6, `line ${i + 1}: ${line} vs ${b[i]}`);
    if (y.probs) for (const k of Object.keys(y.probs)) assert.ok(Math.abs(x.probs[k] - y.probs[k]) <= 1.01e-6);
    if (x.text !== undefined) assert.equal(x.text, y.text);
    // number formatting follows Python (e.g. 1e-06, 1.0), so equal values print equally
    if (x.score === y.score) assert.ok(line.includes(`"score": ${b[i].match(/"score": ([^,}]+)/)?.[1]}`), `${line} vs ${b[i]}`);
  });
}

test('predict TEXT args: same JSONL as edgekd-run (single, with --probs, truncated flags)', () => {
  const args = ['predict', fixture('single'), ...TEXTS.filter((t) => !t.includes('\0')), '--probs'];  // argv cannot hold NUL
  const js = runCli(args), py = pyCli(args);
  assert.equal(js.status, 0, js.stderr);
  assert.equal(py.status, 0, py.stderr);
  sameJsonl(js.stdout, py.stdout);
  assert.match(js.stdout.split('\n')[9], /"truncated": true}$/);
  assert.match(js.stderr, /edgekd-run-js: 1 of 13 inputs were longer than 32 word pieces and were truncated/);
});

test('predict pairs: TEXT args, TAB lines on stdin, JSONL file, --echo', () => {
  const pair = fixture('pair');
  const flat = PAIRS.filter(([x, y]) => !(x + y).includes('\0')).flat();
  const a = runCli(['predict', pair, ...flat]), pa = pyCli(['predict', pair, ...flat]);
  assert.equal(a.status, 0, a.stderr);
  sameJsonl(a.stdout, pa.stdout);
  const tsv = PAIRS.filter(([x, y]) => !/[\t\n\r]/.test(x + y)).map(([x, y]) => `${x}\t${y}`).join('\n') + '\n';
  const b = runCli(['predict', pair, '--probs'], { input: tsv }), pb = pyCli(['predict', pair, '--probs'], tsv);
  assert.equal(b.status, 0, b.stderr);
  sameJsonl(b.stdout, pb.stdout);
  const dir = tempDir('edgekd-js-cli-');
  const file = path.join(dir, 'in.jsonl');
  writeFileSync(file, PAIRS.map(([text, text_pair]) => JSON.stringify({ text, text_pair })).join('\n\n') + '\n');
  const c = runCli(['predict', pair, '--input', file, '--echo']), pc = pyCli(['predict', pair, '--input', file, '--echo']);
  assert.equal(c.status, 0, c.stderr);
  sameJsonl(c.stdout, pc.stdout);
  assert.deepEqual(Object.keys(JSON.parse(c.stdout.split('\n')[0])), ['text', 'text_pair', 'label', 'score']);
});

test('predict from stdin: plain lines with blanks and CRLF, in input order, --model fp32', () => {
  const input = 'a good film\r\n\n   \nthe worst movie ever made\nΟΔΟΣ ΣΟΦΟΣ\n\ufeffbom\n';
  for (const model of ['int8', 'fp32']) {
    const js = runCli(['predict', fixture('single'), '--model', model], { input });
    const py = pyCli(['predict', fixture('single'), '--model', model], input);
    assert.equal(js.status, 0, js.stderr);
    sameJsonl(js.stdout, py.stdout);
    assert.equal(js.stdout.trimEnd().split('\n').length, 6);
  }
});

test('selftest: exit 0 with a one-line summary on every fixture', () => {
  for (const name of ['single', 'pair', 'all8']) {
    const r = runCli(['selftest', fixture(name)]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^selftest passed: \d+ golden inputs, ids exact; \d model\(s\) at batch 1 and batched on onnxruntime-node: .*\n$/);
  }
  const j = runCli(['selftest', fixture('pair'), '--json', '--model', 'fp32']);
  assert.equal(j.status, 0, j.stderr);
  const rep = JSON.parse(j.stdout);
  assert.deepEqual(rep.models, ['model.fp32.onnx']);
  assert.equal(rep.ok, true);
});

test('selftest: a tampered golden file (checksums updated) exits 3 naming the input, expected and got', () => {
  const dir = tamperedCopy(fixture('single'), 'golden.json', tamperGoldenLogit);
  const r = runCli(['selftest', dir]);
  assert.equal(r.status, 3, r.stdout + r.stderr);
  // word for word what `edgekd-run selftest` prints for the same bundle
  assert.equal(r.stderr, "edgekd-run-js: error: selftest FAILED: input 'empty' (\"\"): model.fp32.onnx (batch 1) logits " +
    'expected [0.78762, -0.350356] got [0.28762, -0.350356] (max |Δ| 0.5 > tolerance 1e-05)\n');
  const py = spawnSync(python(), ['-m', 'edgekd_runtime.cli', 'selftest', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(py.status, 3);
  assert.equal(py.stderr.replace('edgekd-run:', 'edgekd-run-js:'), r.stderr);
});

test('selftest: a tampered model (classifier bias, checksums updated) exits 3', () => {
  for (const [name, file] of [['single', 'model.int8.onnx'], ['pair', 'model.fp32.onnx'], ['all8', 'model.int8.onnx']]) {
    const dir = tamperedCopy(fixture(name), file, (b) => shiftOutputBias(b));
    const r = runCli(['selftest', dir]);
    assert.equal(r.status, 3, `${name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^edgekd-run-js: error: selftest FAILED: input '[^']+' \\(.*\\): ${file.replace(/\./g, '\\.')} \\(batch 1\\) logits expected \\[.*\\] got \\[.*\\] \\(max \\|Δ\\| [0-9.]+ > tolerance [0-9.e-]+\\)`));
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});

test('a flipped byte without updated checksums: exit 3, invalid bundle (predict and selftest)', () => {
  for (const file of ['model.int8.onnx', 'golden.json', 'tokenizer.json']) {
    const dir = tamperedCopy(fixture('single'), file, (b) => { const c = Buffer.from(b); c[c.length >> 1] ^= 0x01; return c; }, { keepChecksums: true });
    for (const args of [['selftest', dir], ['predict', dir, 'a good film']]) {
      const r = runCli(args);
      assert.equal(r.status, 3, r.stderr);
      assert.match(r.stderr, new RegExp(`^edgekd-run-js: error: .*${file.replace(/\./g, '\\.')}: sha256 [0-9a-f]{16}\\.\\.\\. does not match manifest\\.json .*\\n$`));
      assert.equal(r.stdout, '');
    }
  }
});

test('wrong arity, bad input and usage errors exit 2 with one line', () => {
  /** @type {[string[], string, RegExp][]} */
  const cases = [
    [['predict', fixture('pair'), 'a', 'b', 'c'], '', /this is a pair model: give TEXT arguments in pairs \(got 3\)/],
    [['predict', fixture('pair')], 'just one text\n', /line 1: a pair model needs "text<TAB>text_pair" per line/],
    [['predict', fixture('single')], '{"text": "a", "text_pair": "b"}\n', /line 1: "text_pair" given, but this bundle is a single-sentence model/],
    [['predict', fixture('single')], '{"text": "a"}\n{broken\n', /line 2: not valid JSON/],
    [['predict', fixture('single'), 'x', '--input', 'in.txt'], '', /give TEXT arguments or --input, not both/],
    [['predict', fixture('single'), '--input', '/nonexistent/in.txt'], '', /\/nonexistent\/in\.txt: No such file or directory/],
    [['predict', fixture('single'), '--batch-size', '0', 'x'], '', /invalid value for --batch-size/],
    [['predict', fixture('single'), '--bogus'], '', /no such option: --bogus/],
    [['predict'], '', /missing argument 'BUNDLE'/],
    [['frobnicate', fixture('single')], '', /no such command 'frobnicate'/],
  ];
  for (const [args, input, re] of cases) {
    const r = runCli(args, { input });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^edgekd-run-js: error: /);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const bad = spawnSync(process.execPath, [path.resolve('bin/edgekd-run-js.js'), 'predict', fixture('single')], { input: Buffer.from([0x61, 0xff, 0x0a]), encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /input is not valid UTF-8/);
});

test('invalid bundles exit 3: missing directory, schema', () => {
  const r = runCli(['predict', '/nonexistent/bundle', 'x']);
  assert.equal(r.status, 3);
  assert.equal(r.stderr, 'edgekd-run-js: error: /nonexistent/bundle: no such bundle directory\n');
  const dir = tamperedCopy(fixture('single'), 'manifest.json', (b) => Buffer.from(b.toString().replace('"schema_version": 1', '"schema_version": 2')));
  const s = runCli(['selftest', dir]);
  assert.equal(s.status, 3);
  assert.match(s.stderr, /bundle schema version 2 is not supported/);
});
