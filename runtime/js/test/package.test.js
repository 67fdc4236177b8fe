// The npm package: publishable (not private, LICENSE packed), engines as optional peers, a clear error when the
// Node entry's engine is missing, and Bundle.dispose().
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { JS_ROOT, fixture, tempDir } from './helpers.js';

const pkg = JSON.parse(readFileSync(path.join(JS_ROOT, 'package.json'), 'utf8'));

test('package.json: publishable, one hard dependency, each engine an optional peer (pinned for the tests)', () => {
  assert.equal(pkg.private, undefined);
  assert.deepEqual(Object.keys(pkg.dependencies), ['@huggingface/tokenizers']);
  for (const engine of ['onnxruntime-node', 'onnxruntime-web']) {
    assert.ok(pkg.peerDependencies[engine], engine);
    assert.deepEqual(pkg.peerDependenciesMeta[engine], { optional: true });
    assert.match(pkg.devDependencies[engine], /^\d+\.\d+\.\d+$/, `${engine} devDependency is pinned`);
  }
});

test('npm pack: LICENSE, README, types, entries and CLI; no screenshots, tests or tools', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: JS_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = JSON.parse(r.stdout)[0].files.map((/** @type {{path: string}} */ f) => f.path);
  for (const f of ['LICENSE', 'README.md', 'index.d.ts', 'package.json', 'src/node.js', 'src/browser.js', 'src/core/index.js', 'bin/edgekd-run-js.js']) {
    assert.ok(files.includes(f), `${f} not packed: ${files.join(' ')}`);
  }
  assert.deepEqual(files.filter((/** @type {string} */ f) => /^(test|tools|node_modules)\/|\.png$/.test(f)), []);
});

test('the Node entry without onnxruntime-node fails at import with one line naming the package to install', () => {
  const app = tempDir('edgekd-js-noengine-');
  const mod = path.join(app, 'node_modules', 'edgekd-runtime');
  mkdirSync(mod, { recursive: true });
  for (const f of ['package.json', 'src', 'bin', 'index.d.ts']) cpSync(path.join(JS_ROOT, f), path.join(mod, f), { recursive: true });
  mkdirSync(path.join(app, 'node_modules', '@huggingface'));
  symlinkSync(path.join(JS_ROOT, 'node_modules', '@huggingface', 'tokenizers'), path.join(app, 'node_modules', '@huggingface', 'tokenizers'));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('edgekd-runtime')"], { cwd: app, encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /Error: edgekd-runtime: the Node entry runs models with onnxruntime-node, which is not installed; run `npm install onnxruntime-node@1\.30\.0`/);
  const cli = spawnSync(process.execPath, [path.join(mod, 'bin', 'edgekd-run-js.js'), 'info', fixture('single')], { cwd: app, encoding: 'utf8' });
  assert.equal(cli.status, 3, cli.stderr);
  assert.equal(cli.stderr, 'edgekd-run-js: error: the Node entry runs models with onnxruntime-node, which is not installed; ' +
    'run `npm install onnxruntime-node@1.30.0` in your app (browsers use onnxruntime-web instead)\n');
});

test('Bundle.dispose() releases the session: predict then fails with kind "disposed"; twice is fine', async () => {
  const { loadBundle, EdgekdError } = await import('../src/node.js');
  const b = await loadBundle(fixture('single'));
  assert.equal((await b.predict('a good film')).labels.length, 1);
  const other = await b.withModel('fp32');
  await b.dispose();
  assert.equal(b.disposed, true);
  await b.dispose();
  await assert.rejects(b.predict('a good film'), (e) => e instanceof EdgekdError && e.kind === 'disposed' && /was disposed/.test(e.message));
  assert.equal((await other.predict('a good film')).labels.length, 1, 'withModel bundles keep their own session');
  await other.dispose();
});
