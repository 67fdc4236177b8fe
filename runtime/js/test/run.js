#!/usr/bin/env node
/**
 * `npm test`: build the fixture bundles once (unless EDGEKD_TEST_BUNDLES names them), then run every test file
 * with `node --test`, one file at a time. Fails loudly when Python, the bundles, node_modules or chromium are
 * missing; nothing is skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { JS_ROOT, bundlesDir } from './helpers.js';

if (!existsSync(path.join(JS_ROOT, 'node_modules', 'onnxruntime-node'))) {
  console.error('edgekd-runtime tests: node_modules is missing; run `npm ci --ignore-scripts` in runtime/js first');
  process.exit(1);
}
let dir;
try {
  dir = bundlesDir();
} catch (e) {
  console.error(`edgekd-runtime tests: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
const only = process.argv.slice(2);
const files = only.length ? only : readdirSync(path.join(JS_ROOT, 'test')).filter((f) => f.endsWith('.test.js')).sort()
  .map((f) => path.join('test', f));
console.error(`edgekd-runtime tests: bundles in ${dir}; ${files.length} test files`);
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  cwd: JS_ROOT, stdio: 'inherit', env: { ...process.env, EDGEKD_TEST_BUNDLES: dir },
});
process.exit(r.status ?? 1);
