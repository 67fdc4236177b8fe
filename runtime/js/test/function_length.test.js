// The 60-line rule (issue 25): no function, method, arrow function or accessor in src/ or bin/ may span more than
// 60 lines (from its first token to its closing brace, its JSDoc not counted). Parsed by typescript's compiler API.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { JS_ROOT } from './helpers.js';

const ts = createRequire(import.meta.url)('typescript');
export const MAX_LINES = 60;

/** @param {string} dir @returns {string[]} */
function jsFiles(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? jsFiles(p) : /\.(m?js)$/.test(f) ? [p] : [];
  });
}

/**
 * Every function-like node of a file with its line count.
 * @param {string} file
 * @returns {{name: string, line: number, lines: number}[]}
 */
export function functionSpans(file) {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  /** @type {{name: string, line: number, lines: number}[]} */
  const out = [];
  /** @param {any} node */
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name?.getText(sf) ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(sf) : '<anonymous>');
      out.push({ name, line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

test(`no function in src/ or bin/ is longer than ${MAX_LINES} lines`, () => {
  const files = [...jsFiles(path.join(JS_ROOT, 'src')), ...jsFiles(path.join(JS_ROOT, 'bin'))];
  assert.ok(files.length >= 10, `only ${files.length} files found`);
  const long = files.flatMap((f) => functionSpans(f).filter((s) => s.lines > MAX_LINES)
    .map((s) => `${path.relative(JS_ROOT, f)}:${s.line} ${s.name} (${s.lines} lines)`));
  assert.deepEqual(long, [], `functions over ${MAX_LINES} lines:\n${long.join('\n')}`);
});

test('the line counter sees a long function (self-check)', () => {
  const spans = functionSpans(path.join(JS_ROOT, 'src', 'core', 'golden.js'));
  assert.ok(spans.some((s) => s.name === 'runSelftest' && s.lines > 10), JSON.stringify(spans.slice(0, 5)));
  assert.ok(spans.every((s) => s.lines >= 1));
});
