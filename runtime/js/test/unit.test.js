// Unit tests of the shared core: encoding, batching, errors, manifest, numerics, text input parsing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EdgekdError, InputError, InvalidBundleError, SORT_WINDOW, argsortStable, batches, fitsOneBatch, windowedBatches, padBatch, rowIds, parseManifest,
  selectModel, pyRound, pyFloat, pyDumps, softmax32, argmax, tolerance, margin, iterItems, splitLines, chunks,
} from '../src/core/index.js';

test('padBatch: truncation, empty rule, right padding, int64', () => {
  const e = padBatch([[5, 6, 7, 8], [], [9]], 3, 0, 100);
  assert.equal(e.width, 3);
  assert.deepEqual(Array.from(e.ids, Number), [5, 6, 7, 100, 0, 0, 9, 0, 0]);
  assert.deepEqual(Array.from(e.lengths, Number), [3, 1, 1]);
  assert.deepEqual(e.truncated, [true, false, false]);
  assert.ok(e.ids instanceof BigInt64Array && e.lengths instanceof BigInt64Array);
  const p = padBatch([[1], [2, 3]], 8, 7, 100);
  assert.deepEqual(Array.from(p.ids, Number), [1, 7, 2, 3]);
  assert.equal(padBatch([], 4).width, 1);
  assert.deepEqual(rowIds([], 4, 100), [100]);
  assert.deepEqual(rowIds([1, 2, 3, 4, 5], 4, 100), [1, 2, 3, 4]);
});

test('argsortStable keeps ties in input order', () => {
  assert.deepEqual(argsortStable([3, 1, 2, 1, 0, 3]), [4, 1, 3, 2, 0, 5]);
});

test('batches: the _batches rule of bundle.py (rows cap, token cap, a long row alone)', () => {
  const key = [2, 2, 2, 4, 4, 10, 600];
  const order = argsortStable(key);
  assert.deepEqual(batches(order, key, 64, null), [[0, 1, 2, 3, 4, 5, 6]]);
  assert.deepEqual(batches(order, key, 3, null), [[0, 1, 2], [3, 4, 5], [6]]);
  // rows * width <= 8: [2,2,2] -> 6 ok, adding 4 -> 4*4=16 no; [4,4] -> 8; [10] alone; [600] alone
  assert.deepEqual(batches(order, key, 64, 8), [[0, 1, 2], [3, 4], [5], [6]]);
  // key 0 (empty rows) counts as width 1
  assert.deepEqual(batches([0, 1, 2], [0, 0, 0], 64, 2), [[0, 1], [2]]);
  assert.equal(fitsOneBatch([2, 2], 64, 512), true);
  assert.equal(fitsOneBatch([300, 300], 64, 512), false);
  assert.equal(fitsOneBatch([300, 300], 64, null), true);
  assert.equal(fitsOneBatch(new Array(65).fill(1), 64, null), false);
});

test('windowedBatches: windows of SORT_WINDOW rows, each sorted and cut alone (schedule.py)', () => {
  const key = Array.from({ length: SORT_WINDOW + 3 }, (_, i) => (i * 7) % 5 + 1);
  const got = windowedBatches(key, 64, 512);
  const first = key.slice(0, SORT_WINDOW);
  assert.deepEqual(got.slice(0, -1), batches(argsortStable(first), first, 64, 512));
  assert.deepEqual(got.at(-1), [SORT_WINDOW, SORT_WINDOW + 1, SORT_WINDOW + 2]);   // the last window fits one batch
  assert.deepEqual(windowedBatches([3, 1, 2], 2, null), [[1, 2], [0]]);
});

test('errors: two families under EdgekdError, kinds', () => {
  const a = new InvalidBundleError('x', { kind: 'checksum' });
  const b = new InputError('y', { kind: 'arity' });
  assert.ok(a instanceof EdgekdError && a instanceof Error && !(a instanceof InputError));
  assert.ok(b instanceof EdgekdError && !(b instanceof InvalidBundleError));
  assert.equal(a.name, 'InvalidBundleError');
  assert.equal(b.kind, 'arity');
  assert.equal(new InputError('z').kind, 'input');
});

const MAN = {
  schema_version: 1, task: 'sst2', labels: ['negative', 'positive'], pair: false, max_length: 8,
  tokenizer: { file: 'tokenizer.json', vocab_size: 10, pad_id: 0, unk_id: 1, empty_id: 1 },
  models: [{ file: 'model.int8.onnx', precision: 'int8', opset: 17, ir_version: 8, inputs: ['input_ids', 'lengths'] },
    { file: 'model.fp32.onnx', precision: 'fp32', opset: 17, ir_version: 8, inputs: ['input_ids', 'lengths'] }],
  default_model: 'model.int8.onnx', files: [],
};

test('manifest: schema, required fields, model choice, golden optional', () => {
  const m = parseManifest(MAN);
  assert.equal(m.golden, null);
  assert.equal(m.tokenizer.empty_id, 1);
  assert.deepEqual(m.models[0].outputs, ['logits']);
  assert.equal(selectModel(m).file, 'model.int8.onnx');
  assert.equal(selectModel(m, 'fp32').file, 'model.fp32.onnx');
  assert.equal(selectModel(m, 'model.fp32.onnx').precision, 'fp32');
  assert.throws(() => selectModel(m, 'fp16'), /manifest lists no model 'fp16'; it has \['model.int8.onnx', 'model.fp32.onnx'\]/);
  assert.equal(parseManifest({ ...MAN, golden: 'golden.json' }).golden, 'golden.json');
  assert.throws(() => parseManifest({ ...MAN, schema_version: 2 }), (e) => e instanceof InvalidBundleError && e.kind === 'schema' &&
    /bundle schema version 2 is not supported by this runtime \(supported: \[1\]\)/.test(e.message));
  assert.throws(() => parseManifest({ ...MAN, schema_version: undefined }), /schema version None/);
  const { task, ...noTask } = MAN;
  assert.ok(task);
  assert.throws(() => parseManifest(noTask), /manifest.json lacks the field 'task'/);
  assert.throws(() => parseManifest({ ...MAN, labels: ['only'] }), /at least two labels/);
  assert.throws(() => parseManifest({ ...MAN, default_model: 'x.onnx' }), /manifest lists no model 'x.onnx'/);
  assert.throws(() => parseManifest([]), /must hold a JSON object/);
  assert.throws(() => parseManifest({ ...MAN, files: [{ path: 'a' }] }), /malformed entry/);
  assert.throws(() => parseManifest({ ...MAN, tokenizer: { bogus: 1 } }), /unexpected keyword argument 'bogus'/);
});

test('numerics: Python round/repr, float32 softmax, argmax, golden tolerance', () => {
  assert.equal(pyRound(0.0078125, 6), 0.007812);            // half to even on the exact value
  assert.equal(pyRound(0.1234565, 6), 0.123456);            // stored slightly below the tie (Python agrees)
  assert.equal(pyRound(0.2525716722011566, 6), 0.252572);
  assert.equal(pyFloat(1), '1.0');
  assert.equal(pyFloat(1e-6), '1e-06');
  assert.equal(pyFloat(0.0001), '0.0001');
  assert.equal(pyFloat(0.729133), '0.729133');
  assert.equal(pyDumps({ label: 'a"b', score: 1, probs: { x: 0.5 }, truncated: true }),
    '{"label": "a\\"b", "score": 1.0, "probs": {"x": 0.5}, "truncated": true}');
  const p = softmax32([0.5615195035934448, -0.42870885133743286]);
  assert.equal(pyRound(p[0], 6), 0.729133);
  assert.equal(p[0], Math.fround(p[0]));
  assert.equal(argmax([1, 3, 3]), 1);
  assert.equal(tolerance('fp32', [100, 3]), 1e-5);
  assert.equal(tolerance('int8', [0.2, -0.5]), 0.05);
  assert.equal(tolerance('int8', [4, -1]), 0.2);
  assert.equal(margin([1, 3, 2]), 1);
  assert.equal(margin([1]), Infinity);
});

/** @param {AsyncIterable<any>} it */
async function all(it) {
  const out = [];
  for await (const x of it) out.push(x);
  return out;
}

test('text input: auto mode, blank lines, CRLF, pairs, JSONL errors', async () => {
  assert.deepEqual(await all(iterItems(['\n', 'a\n', '\n', 'b\r\n'], false)), ['', 'a', '', 'b']);
  assert.deepEqual(await all(iterItems(['\n', '{"text": "x"}\n', '\n', '{"text": "y"}'], false)), ['x', 'y']);
  assert.deepEqual(await all(iterItems(['a\tb\n'], true)), [['a', 'b']]);
  assert.deepEqual(await all(iterItems(['  \n', ' \n'], false)), ['  ', ' ']);
  await assert.rejects(all(iterItems(['{"text": 1}'], false)), (e) => e instanceof InputError && /line 1: a JSONL record needs a string field "text"/.test(e.message));
  await assert.rejects(all(iterItems(['{"text": "a"}', '{oops'], false)), /line 2: not valid JSON/);
  await assert.rejects(all(iterItems(['a b'], true)), (e) => e instanceof InputError && e.kind === 'arity');
  await assert.rejects(all(iterItems(['{"text": "a", "text_pair": "b"}'], false)), /single-sentence model/);
  const enc = new TextEncoder();
  async function* bytes() { yield enc.encode('\ufeffa\r'); yield enc.encode('b\nc'); yield Uint8Array.of(0xe6, 0x97); yield Uint8Array.of(0xa5, 0x0a); }
  assert.deepEqual(await all(splitLines(bytes())), ['\ufeffa\rb\n', 'c日\n']);
  async function* badBytes() { yield Uint8Array.of(0x61, 0xff, 0x0a); }
  await assert.rejects(all(splitLines(badBytes())), /not valid UTF-8/);
  assert.deepEqual(await all(chunks([1, 2, 3, 4, 5], 2)), [[1, 2], [3, 4], [5]]);
});

test('layering: the core imports neither Node built-ins nor onnxruntime; entries import only their own stack', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const src = new URL('../src/', import.meta.url);
  /** @param {string} f */
  const code = (/** @type {string} */ f) => readFileSync(new URL(f, src), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  /** @param {string} f */
  const imports = (f) => [...code(f).matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(['"]([^'"]+)['"]\)/gm)].map((m) => m[1] ?? m[2]);
  for (const f of readdirSync(new URL('core/', src))) {
    for (const spec of imports(`core/${f}`)) {
      assert.ok(spec.startsWith('./') || spec === '@huggingface/tokenizers', `core/${f} imports ${spec}`);
    }
    assert.ok(!/\b(process|require|fetch|window|document|crypto\.subtle)\b/.test(code(`core/${f}`)), `core/${f} uses a platform API`);
  }
  assert.ok(!imports('browser.js').some((s) => s.startsWith('node:') || s === 'onnxruntime-node'));
  assert.ok(!imports('node.js').some((s) => s.startsWith('onnxruntime-web')));
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  assert.equal(pkg.exports['.'].node, './src/node.js');
  assert.equal(pkg.exports['.'].browser, './src/browser.js');
  assert.equal(pkg.exports['.'].default, './src/browser.js');
  for (const deps of [pkg.dependencies, pkg.devDependencies]) for (const v of Object.values(deps)) assert.match(String(v), /^\d+\.\d+\.\d+$/, 'exact versions');
});
