#!/usr/bin/env node
/**
 * The bench child (edgekd_runtime/rss.py's twin): imports the runtime, loads a bundle, predicts its bench texts at
 * batch 1 (300 calls) and then with the library defaults, and prints one JSON line of RSS readings (MB) after each
 * step, read from Linux's VmHWM (the high-water RSS of this process), else process.resourceUsage().maxRSS.
 *   node rss_child.js '{"bundle", "model", "threads", "texts", "limit"}'
 * @module
 */
import { readFileSync } from 'node:fs';

/** @returns {[number, string]} peak RSS in MB and how it was read */
function peakRssMb() {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return [Number(m[1]) / 1024, 'VmHWM'];
  } catch { /* no /proc */ }
  return [process.resourceUsage().maxRSS / 1024, 'maxRSS'];
}

const a = JSON.parse(process.argv[2]);
const { loadBundle } = await import('../../src/node.js');
const { benchItems } = await import('./bench.js');
const [imports] = peakRssMb();
const b = await loadBundle(a.bundle, { model: a.model ?? undefined, threads: a.threads });
const [loaded] = peakRssMb();
const [items] = await benchItems(b, a.texts ?? undefined, a.limit ?? undefined);
for (const x of items.slice(0, 300)) await b.predict([x]);
const [batch1] = peakRssMb();
await b.predict(items);                                 // the library defaults: batch 64, max 512 tokens
const [peak, how] = peakRssMb();
process.stdout.write(JSON.stringify({ import_rss_mb: imports, loaded_rss_mb: loaded, batch1_rss_mb: batch1,
  peak_rss_mb: peak, measured_by: how, torch_imported: false }) + '\n');
