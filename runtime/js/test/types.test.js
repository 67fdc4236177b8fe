// TypeScript: the hand-written declarations (index.d.ts) against a typed usage file, and the JSDoc of the
// JavaScript sources (checkJs), both with `tsc --noEmit`; and index.d.ts against the real exports of both entries.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { JS_ROOT } from './helpers.js';

const TSC = path.join(JS_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const ts = createRequire(import.meta.url)('typescript');

for (const [what, project] of [['index.d.ts via test/types/usage.ts', 'test/types'], ['JSDoc of src/, bin/, demo/ (checkJs)', 'jsconfig.json']]) {
  test(`tsc --noEmit: ${what}`, () => {
    assert.ok(existsSync(TSC), 'typescript is not installed: run `npm ci --ignore-scripts` in runtime/js');
    const r = spawnSync(process.execPath, [TSC, '--noEmit', '-p', project], { cwd: JS_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
}

/**
 * Value exports declared in index.d.ts (`export declare` const/function/class), with their doc comment.
 * @returns {Map<string, string>}
 */
function declaredValues() {
  const file = path.join(JS_ROOT, 'index.d.ts');
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  /** @type {Map<string, string>} */
  const out = new Map();
  for (const s of sf.statements) {
    if (!s.modifiers?.some((/** @type {any} */ m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const doc = s.getFullText(sf).slice(0, s.getStart(sf) - s.getFullStart());
    if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) out.set(d.name.text, doc);
    else if (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) out.set(s.name.text, doc);
  }
  return out;
}

test('index.d.ts declares exactly the run-time exports of the Node and browser entries', async () => {
  const node = Object.keys(await import('../src/node.js'));
  const browser = Object.keys(await import('../src/browser.js'));
  const declared = declaredValues();
  const all = new Set([...node, ...browser]);
  assert.deepEqual([...all].filter((n) => !declared.has(n)).sort(), [], 'exported at run time but not declared');
  assert.deepEqual([...declared.keys()].filter((n) => !all.has(n)).sort(), [], 'declared but exported by neither entry');
  // What only one entry has is marked so in its declaration's comment.
  for (const [name, only, other] of [...node.filter((n) => !browser.includes(n)).map((n) => [n, 'Node only', 'browser']),
    ...browser.filter((n) => !node.includes(n)).map((n) => [n, 'Browser only', 'Node'])]) {
    assert.match(/** @type {string} */ (declared.get(name)), new RegExp(only), `${name} is missing from the ${other} entry; say "${only}" in index.d.ts`);
  }
});

test('Bundle methods and getters declared in index.d.ts exist at run time (dispose included)', async () => {
  const { Bundle } = await import('../src/node.js');
  const file = path.join(JS_ROOT, 'index.d.ts');
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const cls = sf.statements.find((/** @type {any} */ s) => ts.isClassDeclaration(s) && s.name.text === 'Bundle');
  const members = cls.members.filter((/** @type {any} */ m) => m.name && !m.modifiers?.some((/** @type {any} */ x) => x.kind === ts.SyntaxKind.StaticKeyword))
    .filter((/** @type {any} */ m) => ts.isMethodDeclaration(m)).map((/** @type {any} */ m) => m.name.text);
  assert.ok(members.includes('dispose'));
  for (const m of members) assert.equal(typeof Bundle.prototype[m], 'function', `Bundle.prototype.${m}`);
  assert.equal(typeof Bundle.open, 'function');
});
