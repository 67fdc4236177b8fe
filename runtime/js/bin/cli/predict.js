/**
 * `edgekd-run-js predict`: the JSONL (or table) of `edgekd-run predict`, from TEXT arguments, a file or stdin.
 * @module
 */
import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import { InputError, chunks, iterItems, loadBundle, pyDumps, records, splitLines } from '../../src/node.js';
import { HELP, PROG, UsageError, parse, write } from './args.js';

const SPEC = {
  input: { short: 'i' }, 'input-format': { choices: ['auto', 'text', 'jsonl'] },
  format: { short: 'f', choices: ['jsonl', 'table'] }, probs: { flag: true }, echo: { flag: true },
  backend: { choices: ['onnxruntime'] }, model: {}, threads: { int: true, min: 1 }, 'batch-size': { int: true, min: 1 },
  'max-tokens': { int: true, min: 1 }, 'chunk-size': { int: true, min: 1 }, 'no-verify': { flag: true },
  help: { flag: true, short: 'h' },
};

/**
 * A readable stream of the input file ('-' or none: stdin); a missing or unreadable file is an InputError.
 * @param {string | undefined} inputPath
 * @returns {AsyncIterable<Uint8Array>}
 */
export function openInput(inputPath) {
  if (inputPath === undefined || inputPath === '-') {
    if (process.stdin.isTTY) process.stderr.write(`${PROG}: reading texts from stdin, one per line (Ctrl-D ends)\n`);
    return process.stdin;
  }
  /** @type {number} */
  let fd;
  try {
    fd = openSync(inputPath, 'r');
  } catch (e) {
    const err = /** @type {NodeJS.ErrnoException} */ (e);
    const why = { ENOENT: 'No such file or directory', EACCES: 'Permission denied', ENOTDIR: 'Not a directory' }[err.code ?? ''] ?? err.message;
    throw new InputError(`${inputPath}: ${why}`);
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new InputError(`${inputPath}: Is a directory`);
  }
  return createReadStream('', { fd });
}

/**
 * The items to classify: TEXT arguments (pairs from consecutive ones), else lines of FILE/stdin.
 * @param {import('../../index.js').Bundle} b
 * @param {string[]} texts
 * @param {Record<string, any>} opts
 * @returns {AsyncIterable<any> | Iterable<any>}
 */
function inputItems(b, texts, opts) {
  if (texts.length && opts.input !== undefined) throw new InputError('give TEXT arguments or --input, not both');
  if (!texts.length) return iterItems(splitLines(openInput(opts.input)), b.pair, opts['input-format'] ?? 'auto');
  if (b.pair && texts.length % 2) throw new InputError(`this is a pair model: give TEXT arguments in pairs (got ${texts.length})`);
  return b.pair ? texts.filter((_, i) => i % 2 === 0).map((t, i) => [t, texts[2 * i + 1]]) : texts;
}

/** Python's str.split() whitespace. */
const PY_WS = /[\s\x1c-\x1f\x85]+/u;

/**
 * Rows of `edgekd-run predict --format table` (cli._table): label, score, p(label)..., text cut to 70 characters.
 * @param {import('../../index.js').Bundle} b
 * @param {any[]} chunk
 * @param {import('../../index.js').Prediction} r
 * @param {boolean} probs
 * @param {boolean} header
 */
export function table(b, chunk, r, probs, header) {
  const cols = ['label', 'score', ...(probs ? b.labels.map((n) => `p(${n})`) : []), 'text'];
  const pad = (/** @type {string} */ s) => s + ' '.repeat(Math.max(0, 10 - [...s].length));
  const lines = header ? [cols.map((c) => (c === 'text' ? c : pad(c))).join('  ')] : [];
  chunk.forEach((x, i) => {
    let text = (b.pair ? `${x[0]} ||| ${x[1]}` : String(x)).split(PY_WS).filter(Boolean).join(' ');
    const chars = [...text];
    text = (chars.length > 70 ? chars.slice(0, 69).join('') + '…' : text) + (r.truncated[i] ? '  [truncated]' : '');
    const p = r.probabilities[i];
    const vals = [r.labels[i], p[r.labelIds[i]].toFixed(4), ...(probs ? p.map((v) => v.toFixed(4)) : [])];
    lines.push(vals.map(pad).join('  ') + '  ' + text);
  });
  return lines.join('\n') + '\n';
}

/**
 * The JSONL records of one predicted chunk.
 * @param {import('../../index.js').Bundle} b
 * @param {any[]} chunk
 * @param {import('../../index.js').Prediction} r
 * @param {Record<string, any>} opts
 */
function jsonl(b, chunk, r, opts) {
  return records(r, { probs: Boolean(opts.probs), labelNames: b.labels }).map((rec, i) => {
    const x = chunk[i];
    const full = opts.echo ? { ...(b.pair ? { text: x[0], text_pair: x[1] } : { text: x }), ...rec } : rec;
    return pyDumps(full) + '\n';
  }).join('');
}

/** @param {string[]} argv */
export async function predictCmd(argv) {
  const { opts, pos } = parse(argv, SPEC);
  if (opts.help) { await write(HELP); return 0; }
  if (!pos.length) throw new UsageError("missing argument 'BUNDLE'");
  const [bundlePath, ...texts] = pos;
  const b = await loadBundle(bundlePath, { model: opts.model, threads: opts.threads ?? 1, verify: !opts['no-verify'] });
  const items = inputItems(b, texts, opts);
  let total = 0, truncated = 0;
  for await (const chunk of chunks(items, opts['chunk-size'] ?? 1024)) {
    const r = await b.predict(chunk, { batchSize: opts['batch-size'] ?? 64, maxTokens: opts['max-tokens'] ?? 512 });
    await write(opts.format === 'table' ? table(b, chunk, r, Boolean(opts.probs), total === 0) : jsonl(b, chunk, r, opts));
    total += chunk.length;
    truncated += r.metadata.numTruncated;
  }
  if (truncated) {
    process.stderr.write(`${PROG}: ${truncated} of ${total} inputs were longer than ${b.maxLength} word pieces and ` +
      'were truncated (marked "truncated")\n');
  }
  await b.dispose();
  return 0;
}
