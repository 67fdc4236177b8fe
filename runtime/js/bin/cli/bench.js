/**
 * `edgekd-run-js bench`: the measurements and the JSON of `edgekd-run bench` (edgekd_runtime/bench.py), on
 * onnxruntime-node: batch-1 latency p50/p95/p99 over real text (tokenization included), throughput at --batch
 * and with the library defaults, and peak RSS of a fresh node process (rss_child.js).
 * @module
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_TOKENS, InputError, iterItems, loadBundle, selectModel } from '../../src/node.js';
import { HELP, UsageError, onlyBundle, parse, write } from './args.js';
import { pyPath } from './info.js';

/** bench.BUILTIN: the texts timed when neither --texts nor a bundle sample exists. */
export const BUILTIN = [
  'a quietly moving film about grief , memory and the people who stay .',
  'the plot is thin , the jokes are stale and the ending drags on forever .',
  'an absolute delight from start to finish .', 'i wanted to like it , but i could not .',
  'the performances are strong enough to carry a script that often stumbles .', 'dull .',
  'it looks gorgeous , yet nothing on screen ever feels alive .',
  'one of the smartest comedies of the year , with a warm heart under its sharp wit .',
  'a tedious , overlong exercise in style over substance .', 'funny , touching and surprisingly wise .',
  'the director never quite decides what kind of movie this is supposed to be .',
  'an unexpected pleasure .', 'by the third act i had stopped caring about any of these characters .',
  'the cast is terrific and the music is even better .', 'a mess , but an ambitious and fascinating one .',
  "it 's the kind of thriller that forgets to thrill .",
];

const TSV_COLUMNS = [['sentence1', 'sentence2'], ['#1 String', '#2 String'], ['question1', 'question2'],
  ['premise', 'hypothesis'], ['text', 'text_pair'], ['sentence'], ['text']];

/**
 * Texts (or pairs) of a file, as textio.read_items: GLUE-style TSV with a header, JSONL or plain lines.
 * @param {string} file
 * @param {boolean} pair
 * @param {number | undefined} limit
 */
export async function readItems(file, pair, limit) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file)).replace(/^\ufeff/, '');
  } catch (e) {
    throw new InputError(`${file}: ${e instanceof TypeError ? 'input is not valid UTF-8' : /** @type {Error} */ (e).message}`);
  }
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.at(-1) === '') lines.pop();
  const header = (lines[0] ?? '').split('\t');
  const max = limit ?? Infinity;
  if (path.extname(file).toLowerCase() === '.tsv' && header.length > 1) {
    const want = TSV_COLUMNS.find((c) => c.length === (pair ? 2 : 1) && c.every((x) => header.includes(x)));
    if (!want) throw new InputError(`${file}: no ${pair ? 'pair' : 'text'} columns in the TSV header [${header.map((h) => `'${h}'`).join(', ')}]`);
    const cols = want.map((c) => header.indexOf(c));
    return lines.slice(1, 1 + Math.min(max, lines.length)).map((line, i) => {
      const parts = line.split('\t');
      if (parts.length <= Math.max(...cols)) throw new InputError(`${file}:${i + 2}: ${parts.length} columns, the header has ${header.length}`);
      return pair ? cols.map((c) => parts[c]) : parts[cols[0]];
    });
  }
  const out = [];
  for await (const x of iterItems(lines, pair)) {
    if (out.length >= max) break;
    out.push(x);
  }
  return out;
}

/**
 * (items, source): the texts to time and where they came from (bench.bench_items).
 * @param {import('../../index.js').Bundle} b
 * @param {string | undefined} texts
 * @param {number | undefined} limit
 * @returns {Promise<[any[], string]>}
 */
export async function benchItems(b, texts, limit) {
  /** @type {[any[], string]} */
  let got;
  const sample = b.manifest.files.find((f) => f.role === 'sample');
  if (texts !== undefined) got = [await readItems(texts, b.pair, limit), texts];
  else if (sample) got = [await readItems(path.join(b.root, sample.path), b.pair, limit), `bundle sample ${sample.path}`];
  else {
    const items = b.pair ? BUILTIN.map((t, i) => [t, BUILTIN[(i + 1) % BUILTIN.length]]) : [...BUILTIN];
    got = [items, 'built-in sentences (pass --texts for real data)'];
  }
  if (!got[0].length) throw new InputError(`no texts in ${got[1]}`);
  return got;
}

/**
 * numpy.percentile (linear interpolation) of sorted values.
 * @param {number[]} sorted
 * @param {number} q
 */
export function percentile(sorted, q) {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** @param {number[]} ms */
function pct(ms) {
  const s = [...ms].sort((a, b) => a - b);
  return { p50_ms: percentile(s, 50), p95_ms: percentile(s, 95), p99_ms: percentile(s, 99), mean_ms: ms.reduce((a, b) => a + b, 0) / ms.length };
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Batch-1 end-to-end latency (tokenize + infer + softmax) over `items`, cycled (bench.latency).
 * @param {import('../../index.js').Bundle} b
 * @param {any[]} items
 * @param {number} iters
 * @param {number} [warmup]
 */
export async function latency(b, items, iters, warmup = 100) {
  for (let i = 0; i < warmup; i++) await b.predict([items[i % items.length]]);
  const ms = [];
  for (let i = 0; i < iters; i++) {
    const x = [items[i % items.length]];
    const t0 = nowMs();
    await b.predict(x);
    ms.push(nowMs() - t0);
  }
  const tok = [];
  for (let i = 0; i < Math.min(iters, 500); i++) {
    const x = items[i % items.length];
    const t0 = nowMs();
    for (const s of b.pair ? x : [x]) b.pieces(s);
    tok.push(nowMs() - t0);
  }
  return { ...pct(ms), iters, tokenize_p50_ms: percentile(tok.sort((a, c) => a - c), 50) };
}

/**
 * Sentences per second of predict(items, batch, maxTokens), median over passes (bench.throughput).
 * @param {import('../../index.js').Bundle} b
 * @param {any[]} items
 * @param {number} batch
 * @param {number | null} maxTokens
 */
export async function throughput(b, items, batch, maxTokens = null, minSeconds = 1, minPasses = 3) {
  const work = Array.from({ length: Math.max(1, Math.ceil(batch / items.length)) }, () => items).flat();
  await b.predict(work.slice(0, batch), { batchSize: batch, maxTokens });
  const rates = [], cpuRates = [], start = nowMs();
  while (rates.length < minPasses || nowMs() - start < minSeconds * 1e3) {
    const t0 = nowMs(), c0 = process.cpuUsage();
    await b.predict(work, { batchSize: batch, maxTokens });
    const wall = (nowMs() - t0) / 1e3, cpu = process.cpuUsage(c0);
    rates.push(work.length / wall);
    cpuRates.push(work.length / Math.max((cpu.user + cpu.system) / 1e6, 1e-9));
  }
  const median = (/** @type {number[]} */ xs) => percentile([...xs].sort((a, c) => a - c), 50);
  return { batch, max_tokens: maxTokens, sentences_per_s: median(rates), sentences_per_cpu_s: median(cpuRates),
    passes: rates.length, rows_per_pass: work.length };
}

/**
 * Peak RSS (MB) of a fresh node that imports the runtime, loads the bundle and predicts (rss_child.js).
 * @param {Record<string, unknown>} args
 */
export function peakRss(args) {
  const child = fileURLToPath(new URL('./rss_child.js', import.meta.url));
  const r = spawnSync(process.execPath, [child, JSON.stringify(args)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) {
    throw new Error(`peak-RSS subprocess failed: ${(r.stderr || String(r.error ?? r.signal)).trim().split('\n').pop()}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
}

/** 1-minute load average, as bench._loadavg (null where the OS has none). */
function loadavg() {
  const l = os.loadavg()[0];
  return process.platform === 'win32' ? null : Math.round(l * 100) / 100;
}

/**
 * Every measurement for each thread count: the JSON of `edgekd-run bench --json` (bench.run_bench).
 * @param {string} bundlePath
 * @param {{model?: string, threads: number[], batch: number, texts?: string, limit?: number, iters: number, rss: boolean}} o
 */
export async function runBench(bundlePath, o) {
  const rows = [];
  let items = [], source = '', b;
  for (const t of o.threads) {
    b = await loadBundle(bundlePath, { model: o.model, threads: t });
    [items, source] = await benchItems(b, o.texts, o.limit);
    /** @type {Record<string, unknown>} */
    const row = { threads: t, latency: await latency(b, items, o.iters), throughput: await throughput(b, items, o.batch),
      throughput_default: await throughput(b, items, DEFAULT_BATCH_SIZE, DEFAULT_MAX_TOKENS) };
    await b.dispose();
    if (o.rss) row.memory = peakRss({ bundle: bundlePath, model: o.model ?? null, threads: t, texts: o.texts ?? null, limit: o.limit ?? null });
    rows.push(row);
  }
  const man = /** @type {import('../../index.js').Bundle} */ (b).manifest;
  const spec = selectModel(man, o.model ?? null);
  return { bundle: pyPath(/** @type {import('../../index.js').Bundle} */ (b).root), task: man.task, loadavg_1min: loadavg(),
    model: spec.file, precision: spec.precision, backend: 'onnxruntime-node', texts: source, num_texts: items.length,
    max_length: man.max_length, cpu_count: os.cpus().length, rows };
}

/** @param {number} x */
const grouped = (x) => Math.round(x).toLocaleString('en-US');

/**
 * The table of `edgekd-run bench` (bench.format_table).
 * @param {any} r
 */
export function formatTable(r) {
  const head = `${r.bundle}  task=${r.task}  model=${r.model} (${r.precision})  backend=${r.backend}\n` +
    `texts: ${r.texts} (${r.num_texts})  max_length=${r.max_length}  cpus=${r.cpu_count}  ` +
    `load avg (1 min) at the end: ${r.loadavg_1min ?? 'None'}\n`;
  const cols = ['threads', 'p50 ms', 'p95 ms', 'p99 ms', 'tok p50 ms', `sent/s @${r.rows[0].throughput.batch}`,
    'sent/s dflt', 'sent/cpu-s', 'RSS b1 MB', 'RSS peak MB'];
  const lines = [cols.map((c) => c.padStart(11)).join('  ')];
  for (const row of r.rows) {
    const { latency: lat, throughput: thr, memory: mem } = row;
    const vals = [String(row.threads), lat.p50_ms.toFixed(3), lat.p95_ms.toFixed(3), lat.p99_ms.toFixed(3),
      lat.tokenize_p50_ms.toFixed(3), grouped(thr.sentences_per_s), grouped(row.throughput_default.sentences_per_s),
      grouped(thr.sentences_per_cpu_s), mem ? mem.batch1_rss_mb.toFixed(1) : '-', mem ? mem.peak_rss_mb.toFixed(1) : '-'];
    lines.push(vals.map((v) => v.padStart(11)).join('  '));
  }
  const notes = 'latency: predict([text]) incl. tokenization; sent/s @N: batches of exactly N rows; sent/s dflt: ' +
    'predict(all) with the defaults (64 rows, <= 512 padded tokens per batch); threads: onnxruntime intra-op threads ' +
    'and batches in flight at once; sent/cpu-s: @N per CPU-second of the process (unaffected by other load); RSS: ' +
    'fresh process, after 300 batch-1 calls (b1) and after predicting all texts with the defaults (peak)';
  return head + lines.join('\n') + '\n' + notes + '\n';
}

/**
 * An option naming a file that must exist (click.Path(exists=True, dir_okay=False)).
 * @param {string} option
 * @param {string} file
 */
function checkFile(option, file) {
  let st = null;
  try { st = statSync(file); } catch { st = null; }
  if (!st) throw new UsageError(`invalid value for ${option}: file '${file}' does not exist`);
  if (st.isDirectory()) throw new UsageError(`invalid value for ${option}: file '${file}' is a directory`);
}

/** @param {string[]} argv */
export async function benchCmd(argv) {
  const { opts, pos } = parse(argv, {
    texts: {}, limit: { int: true, min: 1 }, threads: { int: true, min: 1, multi: true }, batch: { int: true, min: 1 },
    iters: { int: true, min: 10 }, backend: { choices: ['onnxruntime'] }, model: {}, rss: { flag: true, negatable: true },
    json: { flag: true }, help: { flag: true, short: 'h' },
  });
  if (opts.help) { await write(HELP); return 0; }
  const bundle = onlyBundle(pos);
  if (opts.texts !== undefined) checkFile('--texts', opts.texts);
  const result = await runBench(bundle, { model: opts.model, threads: opts.threads ?? [1, 2], batch: opts.batch ?? 256,
    texts: opts.texts, limit: opts.limit, iters: opts.iters ?? 2000, rss: opts.rss ?? true });
  await write(opts.json ? JSON.stringify(result, null, 2) + '\n' : formatTable(result));
  return 0;
}
