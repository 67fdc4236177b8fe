// The browser demo in Debian's chromium (playwright-core, never a downloaded browser): serve.js on 127.0.0.1,
// golden vectors inside the page for a single-sentence and a pair bundle (and real bundles when given), a typed
// sentence's label equal to the Node runtime's, and a screenshot. A missing chromium fails; nothing is skipped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadBundle } from '../src/node.js';
import { HOW_TO, findChromium } from '../tools/chromium.mjs';
import { JS_ROOT, fixture, realBundles } from './helpers.js';

const CHROMIUM = findChromium();
const SCREENSHOT = path.resolve(process.env.EDGEKD_SCREENSHOT || path.join(JS_ROOT, 'demo', 'screenshot.png'));
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** @type {import('node:child_process').ChildProcess} */
let server;
let base = '';
/** @type {import('playwright-core').BrowserContext} */
let context;
/** @type {string} */
let profile;
/** @type {string[]} */
const pageErrors = [];

before(async () => {
  if (!CHROMIUM) throw new Error(HOW_TO);
  const { chromium } = await import('playwright-core');
  const mounts = [fixture('single'), `pair=${fixture('pair')}`, ...realBundles().map((d, i) => `real${i}=${d}`)];
  server = spawn(process.execPath, [path.join(JS_ROOT, 'demo', 'serve.js'), '--port', '0', ...mounts], { stdio: ['ignore', 'pipe', 'pipe'] });
  base = await new Promise((resolve, reject) => {
    let out = '', err = '';
    const t = setTimeout(() => reject(new Error(`serve.js did not start: ${err}`)), 15000);
    server.stdout?.on('data', (d) => {
      out += d;
      const m = /serving (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    server.stderr?.on('data', (d) => { err += d; });
    server.on('exit', (code) => reject(new Error(`serve.js exited (${code}): ${err}`)));
  });
  profile = mkdtempSync(path.join(tmpdir(), 'edgekd-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1100, height: 900 } });
});

after(async () => {
  await context?.close();
  server?.kill('SIGTERM');
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/**
 * Open the demo on a bundle URL and wait until it is ready.
 * @param {string} query
 */
async function openDemo(query) {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  await page.goto(`${base}/demo/${query}`);
  await page.waitForFunction(() => /** @type {any} */ (window).edgekdDemo !== undefined, null, { timeout: 30000 });
  await page.evaluate(() => /** @type {any} */ (window).edgekdDemo.ready);
  assert.equal(await page.getAttribute('#status', 'data-state'), 'ready', await page.textContent('#status') ?? '');
  return page;
}

/** @param {import('playwright-core').Page} page */
async function clickGolden(page) {
  await page.click('#run-golden');
  await page.waitForFunction(() => document.getElementById('golden-result')?.dataset.ok !== '', null, { timeout: 120000 });
  return { ok: await page.getAttribute('#golden-result', 'data-ok'), text: await page.textContent('#golden-result') };
}

test('single-sentence bundle: golden vectors pass in the page; a typed sentence gets the Node label', async () => {
  const page = await openDemo('');                                   // default ./bundle/
  const g = await clickGolden(page);
  assert.equal(g.ok, 'true', g.text ?? '');
  const count = JSON.parse(readFileSync(path.join(fixture('single'), 'golden.json'), 'utf8')).inputs.length;
  assert.match(g.text ?? '', new RegExp(`^PASS — selftest passed: ${count} golden inputs, ids exact; 2 model\\(s\\) at batch 1 and batched on onnxruntime-web: `));
  const node = await loadBundle(fixture('single'));
  for (const sentence of ['the worst movie ever made', 'charming , funny and beautiful', 'ΟΔΟΣ 日本語 👍🏽']) {
    await page.fill('#text', sentence);
    await page.click('#classify');
    await page.waitForFunction((s) => /** @type {any} */ (window).edgekdDemo && document.getElementById('latency')?.textContent !== '' &&
      /** @type {HTMLTextAreaElement} */ (document.getElementById('text')).value === s, sentence);
    const want = (await node.predict([sentence])).labels[0];
    await page.waitForFunction((w) => document.getElementById('label')?.textContent === w, want, { timeout: 10000 });
    assert.equal(await page.textContent('#label'), want);
    assert.match(await page.textContent('#latency') ?? '', /^latency \d+(\.\d+)? ms/);
    assert.equal(await page.locator('.bar').count(), node.labels.length);
  }
  await page.close();
});

test('pair bundle: golden vectors pass in the page; two boxes, label equals Node', async () => {
  const page = await openDemo('?bundle=/bundles/pair/');
  assert.equal(await page.isVisible('#text-pair'), true);
  const g = await clickGolden(page);
  assert.equal(g.ok, 'true', g.text ?? '');
  const node = await loadBundle(fixture('pair'));
  await page.fill('#text', 'a good film');
  await page.fill('#text-pair', 'not bad at all');
  await page.click('#classify');
  const want = (await node.predict([['a good film', 'not bad at all']])).labels[0];
  await page.waitForFunction((w) => document.getElementById('label')?.textContent === w, want, { timeout: 10000 });
  // the fp32 model as well, through the model menu
  await page.selectOption('#model', 'model.fp32.onnx');
  const want32 = (await (await node.withModel('fp32')).predict([['a good film', 'not bad at all']])).labels[0];
  await page.waitForFunction((w) => document.getElementById('label')?.textContent === w, want32, { timeout: 10000 });
  mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.ok(existsSync(SCREENSHOT));
  await page.close();
});

realBundles().forEach((dir, i) => {
  test(`real bundle ${dir}: golden vectors pass in the page; typed text gets the Node label`, async () => {
    const page = await openDemo(`?bundle=/bundles/real${i}/`);
    const g = await clickGolden(page);
    assert.equal(g.ok, 'true', g.text ?? '');
    const node = await loadBundle(dir);
    /** @type {any} */
    const item = node.pair ? ['The company said profits rose 5% in the quarter.', 'Quarterly profits were up five percent, the company said.']
      : 'a gorgeous, witty, seductive movie.';
    await page.fill('#text', node.pair ? item[0] : item);
    if (node.pair) await page.fill('#text-pair', item[1]);
    await page.click('#classify');
    const want = (await node.predict([item])).labels[0];
    await page.waitForFunction((w) => document.getElementById('label')?.textContent === w, want, { timeout: 10000 });
    if (i === realBundles().length - 1) await page.screenshot({ path: SCREENSHOT, fullPage: true });   // a real bundle, if any
    await page.close();
  });
});

test('no page errors', () => {
  assert.deepEqual(pageErrors, []);
});
