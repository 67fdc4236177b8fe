// The runtime's tokenizer (src/core/tokenizer.js) gives the Rust `tokenizers` ids on adversarial mixed-script
// texts (issue 23): texts from tools/mixed_script.js (seeded), ids from Python (tests/runtime/mixed_script.py:
// BERT pipelines whose vocabulary holds every character, so [UNK] hides nothing, per BertNormalizer setting, and the
// teacher's vocabulary extended when installed), compared in full and as fed to the model (truncated, empty rule).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rowIds } from '../src/core/encoding.js';
import { WordPieces } from '../src/core/tokenizer.js';
import { mixedScriptTexts, rng } from '../tools/mixed_script.js';
import { runPython } from './helpers.js';

const SEED = 23, N = 2000, MAX_LENGTH = 64, EMPTY_ID = 1;

/**
 * Rust ids of `texts` per reference tokenizer: [{name, tokenizer (JSON text), ids, fed}], `fed` by the Python
 * encoding rule (edgekd_runtime.encoding.pad_batch at MAX_LENGTH).
 * @param {string[]} texts
 * @returns {{name: string, tokenizer: string, ids: number[][], fed: number[][]}[]}
 */
function reference(texts) {
  const code = `
import json, sys
from tests.runtime.mixed_script import reference
print(json.dumps(reference(json.load(sys.stdin)["texts"], max_length=${MAX_LENGTH}, empty_id=${EMPTY_ID})))`;
  return JSON.parse(runPython(code, [], JSON.stringify({ texts })));
}

/**
 * @param {string} name
 * @param {string[]} texts
 * @param {number[][]} want
 * @param {number[][]} got
 */
function report(name, texts, want, got) {
  const bad = want.flatMap((w, i) => (JSON.stringify(w) === JSON.stringify(got[i]) ? [] : [i]));
  const lines = bad.slice(0, 5).map((i) => {
    let k = 0;
    while (k < Math.min(want[i].length, got[i].length) && want[i][k] === got[i][k]) k++;
    const [rust, js] = [want[i].slice(k, k + 4), got[i].slice(k, k + 4)];
    return `  text ${i} ${JSON.stringify(texts[i])}: piece ${k}: rust ${rust} js ${js}`;
  });
  return [`${name}: ${bad.length} of ${texts.length} texts get other ids`, ...lines].join('\n');
}

test('mixed-script generator: seeded, and it draws the adversarial characters', () => {
  assert.deepEqual(mixedScriptTexts(SEED, 200), mixedScriptTexts(SEED, 200));
  assert.notDeepEqual(mixedScriptTexts(SEED, 200), mixedScriptTexts(SEED + 1, 200));
  const r = rng(1);
  assert.ok(Array.from({ length: 1000 }, r).every((x) => x >= 0 && x < 1));
  const all = mixedScriptTexts(SEED, 300).join('');
  for (const c of ['\u061d', '\ufb01', '\u200d', '\u0130', '\u{20000}']) {
    assert.ok(all.includes(c), `U+${c.codePointAt(0)?.toString(16)} never drawn`);
  }
  const long = mixedScriptTexts(SEED, 300).some((t) => t.split(' ').some((w) => [...w].length > 100));
  assert.ok(long, 'no word over 100 characters');
});

test(`word pieces equal Rust's on ${N} mixed-script texts (each BertNormalizer setting; fed at ${MAX_LENGTH})`, () => {
  const texts = mixedScriptTexts(SEED, N);
  const refs = reference(texts);
  assert.ok(refs.length >= 3);
  /** @type {string[]} */
  const failures = [];
  for (const ref of refs) {
    const wp = new WordPieces(JSON.parse(ref.tokenizer), ref.name);
    const got = texts.map((t) => wp.encodeIds(t));
    if (JSON.stringify(got) !== JSON.stringify(ref.ids)) failures.push(report(ref.name, texts, ref.ids, got));
    const fed = got.map((x) => rowIds(x, MAX_LENGTH, EMPTY_ID));
    if (JSON.stringify(fed) !== JSON.stringify(ref.fed)) {
      failures.push(report(`${ref.name} (fed)`, texts, ref.fed, fed));
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(refs[0].ids.some((x) => x.length > MAX_LENGTH), 'no text was truncated');
});
