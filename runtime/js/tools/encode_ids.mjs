#!/usr/bin/env node
/**
 * Word-piece ids of texts through the runtime's tokenizer (src/core/tokenizer.js WordPieces), for the Python
 * parity tests (tests/runtime/test_js_tokenizer_parity.py).
 *
 * stdin: {"tokenizers": [tokenizer.json text, ...], "texts": [...], "max_length": 64, "empty_id": 100}
 * stdout: {"ids": [[ids per text] per tokenizer], "fed": [[ids fed to the model: truncated, empty rule] ...]}
 */
import { readFileSync } from 'node:fs';
import { rowIds } from '../src/core/encoding.js';
import { WordPieces } from '../src/core/tokenizer.js';

const req = JSON.parse(readFileSync(0, 'utf8'));
const out = { ids: /** @type {number[][][]} */ ([]), fed: /** @type {number[][][]} */ ([]) };
for (const [k, text] of req.tokenizers.entries()) {
  const wp = new WordPieces(JSON.parse(text), `tokenizer ${k}`);
  const ids = req.texts.map((/** @type {string} */ t) => wp.encodeIds(t));
  out.ids.push(ids);
  out.fed.push(ids.map((/** @type {number[]} */ x) => rowIds(x, req.max_length, req.empty_id)));
}
process.stdout.write(JSON.stringify(out));
