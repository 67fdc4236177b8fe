#!/usr/bin/env node
/**
 * Open a page in Debian's chromium (playwright-core, headless, never a downloaded browser) and wait for the
 * result the page publishes as `window.edgekdResult` ({ok, summary, label, ...}); print it as JSON; exit 0 only
 * when ok. Used by scripts/check-npm.sh on the Vite app it builds.
 *   node tools/page_golden.mjs URL [TIMEOUT_MS]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { HOW_TO, findChromium } from './chromium.mjs';

const [url, timeout = '60000'] = process.argv.slice(2);
const exe = findChromium();
if (!url || !exe) {
  console.error(!url ? 'usage: page_golden.mjs URL [TIMEOUT_MS]' : HOW_TO);
  process.exit(2);
}
const profile = mkdtempSync(path.join(tmpdir(), 'edgekd-chromium-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: exe, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
const errors = [];
let code = 1;
try {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  await page.waitForFunction(() => /** @type {any} */ (window).edgekdResult !== undefined, null, { timeout: Number(timeout) });
  const result = await page.evaluate(() => /** @type {any} */ (window).edgekdResult);
  console.log(JSON.stringify({ ...result, pageErrors: errors }));
  code = result.ok && !errors.length ? 0 : 1;
} catch (e) {
  console.error(`page_golden: ${e instanceof Error ? e.message.split('\n')[0] : e}; page errors: ${JSON.stringify(errors)}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(code);
