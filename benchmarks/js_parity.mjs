#!/usr/bin/env node
/**
 * Parity of the Node runtime with the Python runtime on real data: SST-2 dev (872 sentences) and MRPC dev
 * (408 pairs). For every model of each bundle, the same `predict` call (default batching: 64 rows, 512 padded
 * word pieces) in Python (`edgekd_runtime.Bundle.load(path, model=...).predict(...)`, ids from
 * edgekd_runtime.encoding) and in Node (runtime/js), then:
 *  - ids identical on every row (after truncation and the empty rule), word-piece counts and truncated flags too;
 *  - fp32: max |logit difference| (aim <= 1e-5) and label agreement;
 *  - int8: label agreement (aim >= 99.5%) and rows outside the PARITY_TOLERANCE int8 rule
 *    (|diff| <= 0.05 * max(1, max |logit|));
 *  - CLI records: rows whose printed score (6 decimals) differs.
 * Prints one JSON summary (and writes it with --json FILE).
 *
 *   node benchmarks/js_parity.mjs [--sst2 BUNDLE] [--mrpc BUNDLE] [--glue DIR] [--json OUT]
 * Default bundles: runs/js/{sst2,mrpc}-bundle, else runs/quick-{sst2,mrpc}/export/bundle. Python: EDGEKD_PYTHON.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const JS = path.join(REPO, 'runtime', 'js');
const { loadBundle, records, rowIds } = await import(path.join(JS, 'src', 'node.js'));

const a = process.argv.slice(2);
const opt = { sst2: '', mrpc: '', glue: process.env.EDGEKD_GLUE_DIR || '/work/shared/data/glue', json: '' };
for (let i = 0; i < a.length; i++) {
  const k = a[i].replace(/^--/, '');
  if (!(k in opt)) throw new Error(`unknown option ${a[i]}`);
  opt[k] = a[++i];
}
const find = (task) => [`runs/js/${task}-bundle`, `runs/quick-${task}/export/bundle`].map((p) => path.join(REPO, p))
  .find((p) => existsSync(path.join(p, 'manifest.json')));
opt.sst2 ||= find('sst2') ?? '';
opt.mrpc ||= find('mrpc') ?? '';
const py = process.env.EDGEKD_PYTHON || path.join(REPO, '.venv', 'bin', 'python');

function readTsv(file, cols) {
  const lines = readFileSync(file, 'utf8').replace(/^\ufeff/, '').split('\n');
  const header = lines[0].replace(/\r$/, '').split('\t');
  const idx = cols.map((c) => header.indexOf(c));
  if (idx.some((i) => i < 0)) throw new Error(`${file}: columns ${cols} not in ${header}`);
  return lines.slice(1).filter((l) => l.length).map((l) => l.replace(/\r$/, '').split('\t')).map((p) => (cols.length > 1 ? idx.map((i) => p[i]) : p[idx[0]]));
}

function reference(req) {
  const r = spawnSync(py, [path.join(JS, 'tools', 'py_reference.py')], { cwd: REPO, input: JSON.stringify(req), encoding: 'utf8',
    maxBuffer: 1 << 28, env: { ...process.env, OMP_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false' } });
  if (r.status !== 0) throw new Error(`python reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const eq = (x, y) => x.length === y.length && x.every((v, i) => v === y[i]);

async function parity(task, dir, items) {
  const base = await loadBundle(dir);
  const out = { task, bundle: dir, rows: items.length, pair: base.pair, models: {} };
  let idsChecked = false;
  for (const spec of base.manifest.models) {
    const b = await base.withModel(spec.file);
    const ref = reference({ bundle: dir, items, model: spec.file, ids: !idsChecked });
    const t0 = performance.now();
    const r = await b.predict(items);
    const nodeMs = performance.now() - t0;
    if (!idsChecked) {
      const sides = b.pair ? [['ids', 'pieces', 0], ['ids_b', 'pieces_b', 1]] : [['ids', 'pieces', null]];
      const mism = [];
      for (const [key, pkey, s] of sides) {
        items.forEach((x, i) => {
          const text = s === null ? x : x[s];
          const pieces = b.pieces(text);
          const ids = rowIds(pieces, b.maxLength, b.manifest.tokenizer.empty_id);
          if (!eq(ids, ref[key][i]) || pieces.length !== ref[pkey][i]) mism.push({ row: i, side: key, text, python: ref[key][i], node: ids });
        });
      }
      out.ids = { rows_checked: items.length, sides: sides.length, mismatching_rows: mism.length, identical_on_every_row: mism.length === 0, first: mism.slice(0, 3) };
      out.truncated_rows = { node: r.truncated.filter(Boolean).length, python: ref.truncated.filter(Boolean).length, identical: eq(r.truncated, ref.truncated) };
      idsChecked = true;
    }
    let maxAbs = 0, over = 0, agree = 0, maxRel = 0;
    r.logits.forEach((row, i) => {
      const want = ref.logits[i];
      const d = Math.max(...row.map((v, j) => Math.abs(v - want[j])));
      const tol = 0.05 * Math.max(1, ...want.map(Math.abs));
      maxAbs = Math.max(maxAbs, d);
      maxRel = Math.max(maxRel, d / tol);
      if (d > tol) over += 1;
      if (r.labels[i] === ref.labels[i]) agree += 1;
    });
    const jsRec = records(r, { probs: true, labelNames: b.labels });
    const pyRec = records({ ...r, labels: ref.labels, labelIds: ref.label_ids, probabilities: ref.probabilities, truncated: ref.truncated }, { probs: true, labelNames: b.labels });
    const scoreDiff = jsRec.filter((x, i) => JSON.stringify(x) !== JSON.stringify(pyRec[i])).length;
    const m = { precision: spec.precision, max_abs_logit_diff: maxAbs, label_agreement: agree / items.length, label_disagreements: items.length - agree,
      node_predict_ms: +nodeMs.toFixed(1), cli_records_differing: scoreDiff };
    if (spec.precision === 'fp32') {
      m.aim = 'max |diff| <= 1e-5';
      m.meets_aim = maxAbs <= 1e-5;
    } else {
      m.rows_outside_int8_parity_rule = over;
      m.max_diff_over_int8_tolerance = +maxRel.toFixed(4);
      m.aim = 'label agreement >= 99.5%';
      m.meets_aim = agree / items.length >= 0.995;
    }
    out.models[spec.file] = m;
  }
  return out;
}

const results = [];
if (opt.sst2) results.push(await parity('sst2', opt.sst2, readTsv(path.join(opt.glue, 'SST-2', 'dev.tsv'), ['sentence'])));
if (opt.mrpc) results.push(await parity('mrpc', opt.mrpc, readTsv(path.join(opt.glue, 'MRPC', 'dev.tsv'), ['#1 String', '#2 String'])));
if (!results.length) throw new Error('no bundles: give --sst2 DIR and/or --mrpc DIR');
const summary = { python: py, results, ok: results.every((r) => r.ids.identical_on_every_row && Object.values(r.models).every((m) => m.meets_aim)) };
console.log(JSON.stringify(summary, null, 2));
if (opt.json) writeFileSync(opt.json, JSON.stringify(summary, null, 2) + '\n');
process.exitCode = summary.ok ? 0 : 1;
