// TypeScript: the hand-written declarations (index.d.ts) against a typed usage file, and the JSDoc of the
// JavaScript sources (checkJs), both with `tsc --noEmit`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { JS_ROOT } from './helpers.js';

const TSC = path.join(JS_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

for (const [what, project] of [['index.d.ts via test/types/usage.ts', 'test/types'], ['JSDoc of src/, bin/, demo/ (checkJs)', 'jsconfig.json']]) {
  test(`tsc --noEmit: ${what}`, () => {
    assert.ok(existsSync(TSC), 'typescript is not installed: run `npm ci --ignore-scripts` in runtime/js');
    const r = spawnSync(process.execPath, [TSC, '--noEmit', '-p', project], { cwd: JS_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
}
