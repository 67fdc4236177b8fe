// Node runtime against the fixture bundles: load checks, selftest, predict order/fields, and the same ids and
// logits as the Python runtime (edgekd_runtime.Bundle.predict), batched and one by one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadBundle, selftest, InvalidBundleError, InputError, records, tolerance } from '../src/node.js';
import { FIXTURES, PAIRS, TEXTS, fixture, realBundles, runPython, tamperedCopy, shiftOutputBias, JS_ROOT } from './helpers.js';

/** @param {object} req */
const reference = (req) => JSON.parse(runPython(readFileSync(path.join(JS_ROOT, 'tools', 'py_reference.py'), 'utf8'), [], JSON.stringify(req)));

/**
 * @param {string} name
 * @param {number[][]} got
 * @param {number[][]} want
 * @param {string} precision
 */
function assertLogitsClose(name, got, want, precision) {
  assert.equal(got.length, want.length);
  got.forEach((row, i) => {
    const tol = precision === 'fp32' ? 1e-6 : tolerance('int8', want[i]);
    row.forEach((v, j) => assert.ok(Math.abs(v - want[i][j]) <= tol, `${name} row ${i}: ${row} vs ${want[i]} (tol ${tol})`));
  });
}

for (const name of FIXTURES) {
  test(`${name}: selftest passes on every model`, async () => {
    const b = await loadBundle(fixture(name));
    const r = await selftest(b);
    assert.equal(r.ok, true, r.summary);
    assert.equal(r.firstFailure, null);
    assert.deepEqual(r.models, b.manifest.models.map((m) => m.file));
    assert.equal(r.checked.single, r.inputs * r.models.length);
    assert.equal(r.checked.batched, r.inputs * r.models.length);
    for (const m of r.models) assert.equal(r.maxAbsDiffSingle[m], 0, `${m}: batch-1 logits should equal the golden ones exactly`);
    assert.match(r.summary, /^selftest passed: \d+ golden inputs, ids exact; \d model\(s\) at batch 1 and batched on onnxruntime-node: model\.int8\.onnx max \|Δlogit\| \d\.\d\de[-+]\d\d/);
  });

  test(`${name}: predict matches the Python runtime (ids, logits, labels, truncated; every model; batched and alone)`, async () => {
    const base = await loadBundle(fixture(name));
    const items = base.pair ? PAIRS : TEXTS;
    for (const spec of base.manifest.models) {
      const b = await base.withModel(spec.file);
      for (const opts of [{ batch_size: 64, max_tokens: 512 }, { batch_size: 3, max_tokens: 40 }, { batch_size: 1, max_tokens: null }]) {
        const ref = reference({ bundle: fixture(name), items, model: spec.file, ...opts });
        const r = await b.predict(items, { batchSize: opts.batch_size, maxTokens: opts.max_tokens });
        assert.deepEqual(items.map((x) => b.pieces(b.pair ? x[0] : x).length), ref.pieces, 'word-piece counts');
        assert.deepEqual(r.truncated, ref.truncated);
        assert.deepEqual(r.labels.length, items.length);
        // Same batches as Python: fp32 equal to float32 rounding, int8 within the golden rule (and labels equal).
        assertLogitsClose(`${spec.file} ${JSON.stringify(opts)}`, r.logits, ref.logits, spec.precision);
        if (spec.precision === 'fp32') assert.deepEqual(r.labels, ref.labels);
      }
    }
  });

  test(`${name}: predict keeps input order and returns every field`, async () => {
    const b = await loadBundle(fixture(name));
    const items = b.pair ? PAIRS : TEXTS;
    const all = await b.predict(items, { batchSize: 2, maxTokens: 16 });
    const alone = [];
    for (const x of items) alone.push(await b.predict([x]));
    assert.equal(all.labels.length, items.length);
    items.forEach((_, i) => {
      assert.equal(all.truncated[i], alone[i].truncated[0]);
      const tol = b.spec.precision === 'fp32' ? 1e-6 : tolerance('int8', alone[i].logits[0]);
      all.logits[i].forEach((v, j) => assert.ok(Math.abs(v - alone[i].logits[0][j]) <= tol));
      assert.equal(all.probabilities[i].length, b.labels.length);
      assert.ok(Math.abs(all.probabilities[i].reduce((a, c) => a + c, 0) - 1) < 1e-6);
      assert.equal(all.labels[i], b.labels[all.labelIds[i]]);
    });
    assert.deepEqual(all.metadata.truncatedRows, all.truncated.flatMap((t, i) => (t ? [i] : [])));
    assert.equal(all.metadata.model, b.manifest.default_model);
    assert.ok(all.metadata.emptyRows.includes(2));
    const recs = records(all, { probs: true, labelNames: b.labels });
    assert.deepEqual(Object.keys(recs[0]), ['label', 'score', 'probs']);
    assert.ok(recs.some((r) => r.truncated === true));
    assert.deepEqual((await b.predict([])).labels, []);
    if (!b.pair) assert.equal((await b.predict('one string')).labels.length, 1);
  });
}

test('wrong arity and wrong types are InputError', async () => {
  const single = await loadBundle(fixture('single'));
  const pair = await loadBundle(fixture('pair'));
  await assert.rejects(pair.predict(['a', 'b']), (e) => e instanceof InputError && e.kind === 'arity' && /item 0: this is a pair model/.test(e.message));
  await assert.rejects(pair.predict([['a']]), (e) => e instanceof InputError && e.kind === 'arity');
  await assert.rejects(pair.predict([['a', 3]]), (e) => e instanceof InputError && /both parts/.test(e.message));
  await assert.rejects(single.predict([['a', 'b']]), (e) => e instanceof InputError && e.kind === 'arity' && /single-sentence model/.test(e.message));
  await assert.rejects(single.predict(['ok', 5]), (e) => e instanceof InputError && /item 1: expected a string, got int/.test(e.message));
  await assert.rejects(single.predict(/** @type {any} */ (42)), InputError);
});

test('model choice by precision or file; fp32 and int8 differ', async () => {
  const a = await loadBundle(fixture('single'), { model: 'fp32' });
  const b = await loadBundle(fixture('single'), { model: 'model.int8.onnx' });
  assert.equal(a.spec.file, 'model.fp32.onnx');
  assert.equal(b.spec.precision, 'int8');
  await assert.rejects(loadBundle(fixture('single'), { model: 'fp16' }), (e) => e instanceof InvalidBundleError && /no model 'fp16'/.test(e.message));
});

test('an old bundle without golden vectors loads and predicts; selftest says it has none', async () => {
  const dir = tamperedCopy(fixture('single'), 'manifest.json', (buf) => {
    const man = JSON.parse(buf.toString('utf8'));
    man.golden = null;
    man.files = man.files.filter((/** @type {any} */ f) => f.role !== 'golden');
    return Buffer.from(JSON.stringify(man));
  }, { keepChecksums: true });
  const b = await loadBundle(dir);
  assert.equal((await b.predict(['a good film'])).labels.length, 1);
  await assert.rejects(selftest(b), (e) => e instanceof InvalidBundleError && e.kind === 'golden' && /carries no golden vectors/.test(e.message));
  const legacy = tamperedCopy(fixture('single'), 'manifest.json', (buf) => {
    const man = JSON.parse(buf.toString('utf8'));
    delete man.golden;
    return Buffer.from(JSON.stringify(man));
  }, { keepChecksums: true });
  assert.equal((await loadBundle(legacy)).manifest.golden, null);
});

test('invalid bundles: every check raises InvalidBundleError naming the file', async () => {
  const src = fixture('single');
  /** @param {string} dir @param {string} kind @param {RegExp} re */
  const bad = (dir, kind, re) => assert.rejects(loadBundle(dir), (e) => e instanceof InvalidBundleError && e.kind === kind && re.test(e.message));
  await bad('/nonexistent/bundle', 'missing', /no such bundle directory/);
  await bad(path.dirname(src), 'manifest', /no manifest.json; is this an edgekd bundle\?/);
  await bad(tamperedCopy(src, 'model.int8.onnx', (b) => { const c = Buffer.from(b); c[c.length >> 1] ^= 0xff; return c; }, { keepChecksums: true }),
    'checksum', /model\.int8\.onnx: sha256 [0-9a-f]{16}\.\.\. does not match manifest.json/);
  await bad(tamperedCopy(src, 'tokenizer.json', (b) => Buffer.concat([b, Buffer.from(' ')]), { keepChecksums: true }),
    'checksum', /tokenizer.json: \d+ bytes on disk but manifest.json says \d+/);
  await bad(tamperedCopy(src, 'manifest.json', (b) => Buffer.from(b.toString().replace('"schema_version": 1', '"schema_version": 9'))), 'schema', /schema version 9/);
  const editManifest = (/** @type {(m: any) => void} */ f) => tamperedCopy(src, 'manifest.json', (b) => { const m = JSON.parse(b.toString()); f(m); return Buffer.from(JSON.stringify(m)); });
  await bad(editManifest((m) => { m.tokenizer.vocab_size = 7; }), 'vocab', /vocabulary sizes disagree: tokenizer tokenizer.json has 343, manifest.json tokenizer.vocab_size says 7/);
  await bad(editManifest((m) => { m.tokenizer.empty_id = 5000; m.tokenizer.vocab_size = 343; }), 'vocab', /lie outside the vocabulary/);
  await bad(editManifest((m) => { m.files = m.files.filter((/** @type {any} */ f) => f.path !== 'golden.json'); }), 'manifest', /does not list 'golden.json' under files/);
  await bad(tamperedCopy(src, 'manifest.json', (b) => Buffer.from(b.toString().replace('"path": "README.md"', '"path": "../README.md"'))), 'manifest', /not a plain path/);
  await bad(tamperedCopy(src, 'tokenizer.json', () => Buffer.from('{"model": 1}')), 'tokenizer', /tokenizer.json: tokenizers cannot load it/);
  await bad(tamperedCopy(src, 'model.int8.onnx', () => Buffer.from('not a model at all')), 'model', /model.int8.onnx: not a readable ONNX model/);
  const pairModel = readFileSync(path.join(fixture('pair'), 'model.int8.onnx'));
  await bad(tamperedCopy(src, 'model.int8.onnx', () => pairModel), 'model', /graph inputs are \['input_ids', 'lengths', 'input_ids_b', 'lengths_b'\], expected \['input_ids', 'lengths'\]/);
  const gone = tamperedCopy(src, 'README.md', (b) => b, { keepChecksums: true });
  (await import('node:fs')).rmSync(path.join(gone, 'README.md'));
  await bad(gone, 'missing', /README.md: listed in manifest.json but missing from the bundle/);
  // a manifest.json path works like its folder
  assert.equal((await loadBundle(path.join(src, 'manifest.json'))).root, src);
});

test('selftest fails on a tampered model (checksums updated) and names the input', async () => {
  const dir = tamperedCopy(fixture('single'), 'model.fp32.onnx', (b) => shiftOutputBias(b));
  const r = await selftest(dir);
  assert.equal(r.ok, false);
  assert.equal(r.firstFailure?.model, 'model.fp32.onnx');
  assert.equal(r.firstFailure?.what, 'logits (batch 1)');
  assert.equal(r.summary, "selftest FAILED: input 'empty' (\"\"): model.fp32.onnx (batch 1) logits expected [0.28762, -0.350356] " +
    'got [1.78762, -0.350356] (max |Δ| 1.5 > tolerance 1e-05)');
});

for (const dir of realBundles()) {
  test(`real bundle ${dir}: selftest passes`, async () => {
    const r = await selftest(dir);
    assert.equal(r.ok, true, r.summary);
  });
}

test('batching: the same batches as schedule.py in Python on random length keys (one window and several)', async () => {
  const { argsortStable, batches, windowedBatches } = await import('../src/core/index.js');
  let seed = 7;
  const rand = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  const cases = [];
  for (const [n, maxKey] of [[1, 5], [7, 3], [100, 64], [300, 128], [65, 1], [2100, 40]]) {
    const key = Array.from({ length: n }, () => Math.floor(rand() * (maxKey + 1)));
    for (const [batch, maxTokens] of [[64, 512], [8, 64], [1, null], [64, null], [5, 7]]) cases.push({ key, batch, max_tokens: maxTokens });
  }
  const code = `
import json, sys
import numpy as np
from edgekd_runtime.schedule import SORT_WINDOW, batches, window_batches
out = []
for c in json.load(sys.stdin):
    key = np.asarray(c["key"], dtype=np.int64)
    flat = [[int(i) for i in b] for b in batches(np.argsort(key, kind="stable"), key, c["batch"], c["max_tokens"])]
    win = [[int(i) + a for i in b] for a in range(0, len(key), SORT_WINDOW)
           for b in window_batches(key[a:a + SORT_WINDOW], c["batch"], c["max_tokens"])]
    out.append([flat, win])
print(json.dumps(out))`;
  const want = JSON.parse(runPython(code, [], JSON.stringify(cases)));
  cases.forEach((c, i) => {
    assert.deepEqual(batches(argsortStable(c.key), c.key, c.batch, c.max_tokens), want[i][0], JSON.stringify(c));
    assert.deepEqual(windowedBatches(c.key, c.batch, c.max_tokens), want[i][1], JSON.stringify(c));
  });
});
