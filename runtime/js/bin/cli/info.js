/**
 * `edgekd-run-js info` and `selftest`: the text and JSON of `edgekd-run info` / `selftest`, field for field.
 * @module
 */
import path from 'node:path';
import { InvalidBundleError, loadBundle, pyFloat, selftest } from '../../src/node.js';
import { pyRepr } from '../../src/core/errors.js';
import { HELP, PROG, onlyBundle, parse, write } from './args.js';

/**
 * A path as Python's pathlib prints it ("./a/b/" -> "a/b").
 * @param {string} p
 */
export function pyPath(p) {
  const n = path.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/**
 * Python's str() of a JSON value (str as is; lists, dicts, bools and None as repr).
 * @param {unknown} v
 * @returns {string}
 */
function pyStr(v) {
  if (typeof v === 'string') return v;
  return pyValue(v);
}

/**
 * Python's repr() of a JSON value.
 * @param {unknown} v
 * @returns {string}
 */
function pyValue(v) {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (Array.isArray(v)) return '[' + v.map(pyValue).join(', ') + ']';
  if (v && typeof v === 'object') return '{' + Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyValue(x)}`).join(', ') + '}';
  return pyRepr(v);
}

/**
 * Python's json.dumps(v, sort_keys=True).
 * @param {unknown} v
 * @returns {string}
 */
function dumpsSorted(v) {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (Array.isArray(v)) return '[' + v.map(dumpsSorted).join(', ') + ']';
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map((k) => `${JSON.stringify(k)}: ${dumpsSorted(/** @type {any} */ (v)[k])}`).join(', ') + '}';
  }
  return JSON.stringify(v ?? null);
}

/** @param {number} n */
const kb = (n) => {
  const f = (/** @type {number} */ x, /** @type {number} */ d) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  return n < 1 << 20 ? `${f(n / 1024, 1)} KiB` : `${f(n / (1 << 20), 2)} MiB`;
};

/** @param {Record<string, unknown>} obj */
const keyValues = (obj) => Object.keys(obj).sort().map((k) => `${k}=${pyStr(obj[k])}`);

/**
 * The text of `edgekd-run info` (cli.info).
 * @param {string} root
 * @param {import('../../index.js').Manifest} m
 * @param {number} vocab
 */
export function infoText(root, m, vocab) {
  const sizes = new Map(m.files.map((f) => [f.path, f.bytes]));
  const lines = [`bundle      ${root}  (all ${m.files.length} files verified by sha256)`,
    `task        ${m.task} (${m.pair ? 'sentence pairs' : 'single sentences'}), labels: ${m.labels.join(', ')}`,
    `max length  ${m.max_length} word pieces per sentence (longer input is truncated and reported)`,
    `tokenizer   ${m.tokenizer.file}: ${vocab} ids, empty text -> id ${m.tokenizer.empty_id}`, 'models'];
  for (const s of m.models) {
    lines.push(`  ${s.file.padEnd(22)} ${s.precision.padEnd(5)} ${kb(sizes.get(s.file) ?? 0).padStart(12)}  opset ${s.opset}, IR ` +
      `${s.ir_version}${s.file === m.default_model ? '  (default)' : ''}`);
  }
  lines.push(`total       ${kb([...sizes.values()].reduce((a, b) => a + b, 0))} in ${m.files.length} files`);
  const student = Object.fromEntries(Object.entries(m.student).filter(([k]) => k !== 'labels'));
  if (Object.keys(m.student).length) lines.push('student     ' + keyValues(student).join(', '));
  if (Object.keys(m.quantization).length) lines.push('quant       ' + keyValues(m.quantization).join(', '));
  if (Object.keys(m.metrics).length) {
    lines.push('metrics', ...Object.keys(m.metrics).sort().map((k) => `  ${k}: ${dumpsSorted(m.metrics[k])}`));
  }
  const created = m.provenance.created_at;
  lines.push(`made by     edgekd ${m.edgekd_version}, schema ${m.schema_version}${created !== undefined ? `, ${pyStr(created)}` : ''}`);
  return lines.join('\n') + '\n';
}

/** @param {string[]} argv */
export async function infoCmd(argv) {
  const { opts, pos } = parse(argv, { json: { flag: true }, help: { flag: true, short: 'h' } });
  if (opts.help) { await write(HELP); return 0; }
  const b = await loadBundle(onlyBundle(pos));            // every check, the session included
  const root = pyPath(b.root);
  await write(opts.json ? JSON.stringify({ path: root, verified: true, manifest: b.manifest }, null, 2) + '\n'
    : infoText(root, b.manifest, b.tokenizer.vocabSize));
  await b.dispose();
  return 0;
}

/**
 * `edgekd-run selftest --json`: {ok, bundle, backend, inputs, models, max_abs_diff, failure}.
 * @param {import('../../index.js').SelftestReport} r
 */
export function selftestJson(r) {
  const failure = r.ok ? null : r.summary.replace(/^selftest FAILED: /, '');
  return { ok: r.ok, bundle: pyPath(r.bundle), backend: r.backend, inputs: r.inputs, models: r.models,
    max_abs_diff: Object.fromEntries(r.models.filter((m) => m in r.maxAbsDiff).map((m) => [m, r.maxAbsDiff[m]])), failure };
}

/** @param {string[]} argv */
export async function selftestCmd(argv) {
  const { opts, pos } = parse(argv, {
    backend: { choices: ['onnxruntime'] }, model: { multi: true }, threads: { int: true, min: 1 }, json: { flag: true },
    help: { flag: true, short: 'h' },
  });
  if (opts.help) { await write(HELP); return 0; }
  const b = await loadBundle(onlyBundle(pos), { threads: opts.threads ?? 1 });
  const files = b.manifest.models.map((s) => s.file);
  const models = (opts.model ?? []).map((/** @type {string} */ m) => {
    const spec = b.manifest.models.find((s) => s.file === m || s.precision === m);
    if (!spec) throw new InvalidBundleError(`manifest lists no model ${pyRepr(m)}; it has [${files.map(pyRepr).join(', ')}]`);
    return spec.file;
  });
  const report = await selftest(b, { models: models.length ? models : undefined });
  await b.dispose();
  if (opts.json) await write(JSON.stringify(selftestJson(report), null, 2) + '\n');
  if (!report.ok) {
    process.stderr.write(`${PROG}: error: ${report.summary}\n`);
    return 3;
  }
  if (!opts.json) await write(report.summary + '\n');
  return 0;
}
