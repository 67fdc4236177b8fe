// Logits of every input row through the JavaScript runtime (onnxruntime-node): the twin of dump_logits.py.
//
//   node dump_logits.mjs info
//   node dump_logits.mjs dump BUNDLE INPUTS.json OUTDIR [--limit N] [--model FILE_OR_PRECISION]
//
// `dump` writes OUTDIR/<model file>.node.json for every model of the bundle, one onnxruntime thread, the
// runtime's default batching (as the Python runtime's). No wall times: under emulation they mean nothing.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBundle, versions } from '../../runtime/js/src/node.js';

function hostInfo() {
  return { machine: os.machine ? os.machine() : process.arch, node: process.version, onnxruntime: versions.onnxruntime };
}

async function dump(bundleDir, inputs, outDir, limit, only) {
  let rows = JSON.parse(readFileSync(inputs, 'utf8')).rows;
  if (limit) rows = rows.slice(0, limit);
  const manifest = JSON.parse(readFileSync(path.join(bundleDir, 'manifest.json'), 'utf8'));
  mkdirSync(outDir, { recursive: true });
  for (const { file, precision } of manifest.models) {
    if (only && only !== file && only !== precision) continue;
    const b = await loadBundle(bundleDir, { model: file, threads: 1 });
    const pred = await b.predict(rows);
    const rec = { bundle: bundleDir, model: file, precision, backend: 'node', inputs, rows: rows.length,
      host: hostInfo(), logits: pred.logits };
    const out = path.join(outDir, `${file}.node.json`);
    writeFileSync(out, JSON.stringify(rec));
    console.log(`${out}: ${rows.length} rows`);
  }
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'info') {
  console.log(JSON.stringify(hostInfo()));
} else if (cmd === 'dump' && args.length >= 3) {
  const i = args.indexOf('--limit'), m = args.indexOf('--model');
  await dump(args[0], args[1], args[2], i >= 0 ? Number(args[i + 1]) : 0, m >= 0 ? args[m + 1] : null);
} else {
  console.error('usage: node dump_logits.mjs info | dump BUNDLE INPUTS.json OUTDIR [--limit N]');
  process.exit(2);
}
