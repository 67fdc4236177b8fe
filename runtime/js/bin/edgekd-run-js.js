#!/usr/bin/env node
/**
 * edgekd-run-js: predict with an edgekd bundle or selftest it, from the shell (Node twin of `edgekd-run`).
 *
 *   edgekd-run-js predict BUNDLE [TEXT...] [-i FILE] [--input-format auto|text|jsonl] [--probs] [--echo]
 *                 [--model M] [--threads N] [--batch-size N] [--max-tokens N] [--chunk-size N] [--no-verify]
 *   edgekd-run-js selftest BUNDLE [--model M]... [--threads N] [--json]
 *
 * Exit codes: 0 ok; 2 usage or input error; 3 invalid bundle or failed selftest. Errors are one line,
 * "edgekd-run-js: error: ...", never a stack trace.
 */
import { closeSync, createReadStream, fstatSync, openSync, readFileSync } from 'node:fs';
import { loadBundle, records, selftest, InputError, InvalidBundleError, EdgekdError, iterItems, splitLines, chunks, pyDumps } from '../src/node.js';

const PROG = 'edgekd-run-js';
const EXIT_INPUT = 2, EXIT_BUNDLE = 3;

class UsageError extends Error {}

const HELP = `Usage: ${PROG} COMMAND BUNDLE [ARGS]...

Run an edgekd bundle with onnxruntime-node: predict, selftest.

Commands:
  predict BUNDLE [TEXT]...   Classify TEXT arguments (pairs: consecutive arguments A1 B1 A2 B2 ...), or
                             stdin/FILE line by line ("text<TAB>text_pair" for pairs, or JSONL
                             {"text"[, "text_pair"]}). Writes one JSON object per input, in input order:
                             {"label", "score", "probs"?, "truncated"?}.
      -i, --input FILE       read texts from FILE ('-' = stdin, the default when no TEXT is given)
      --input-format F       auto | text | jsonl  [auto]
      --probs                add every label's probability
      --echo                 repeat the input text in each record
      --model M              model file or precision (fp32/int8); default: the manifest's
      --threads N            onnxruntime intra-op threads [1]
      --batch-size N         rows per batch at most [64]
      --max-tokens N         padded word pieces per batch at most [512]
      --chunk-size N         inputs read, predicted and written at a time [1024]
      --no-verify            skip the sha256 checks (sizes are still checked)
  selftest BUNDLE            Check the bundle's golden vectors: exact ids, and every model's logits within the
                             golden tolerance one input at a time and batched. Exit 0 on pass, 3 on failure.
      --model M              check only this model file or precision (repeatable)
      --threads N            onnxruntime intra-op threads [1]
      --json                 print the report as JSON

Exit codes: 0 ok, 2 usage or input error, 3 invalid bundle or failed selftest.
`;

/**
 * @param {string} msg
 * @param {number} code
 * @returns {never}
 */
function fail(msg, code) {
  process.stderr.write(`${PROG}: error: ${msg}\n`);
  process.exit(code);
}

/**
 * Parse argv for a command: options anywhere (click style), "--" ends options, "--opt=value" accepted.
 * @param {string[]} argv
 * @param {Record<string, {flag?: boolean, multi?: boolean, int?: boolean, min?: number, choices?: string[], short?: string}>} spec
 */
function parse(argv, spec) {
  /** @type {Record<string, any>} */
  const opts = {};
  /** @type {string[]} */
  const pos = [];
  /** @type {Record<string, string>} */
  const shorts = {};
  for (const [k, v] of Object.entries(spec)) if (v.short) shorts[v.short] = k;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { pos.push(...argv.slice(i + 1)); break; }
    let name = null, value = null;
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) value = a.slice(eq + 1);
    } else if (a.startsWith('-') && a.length === 2 && a !== '-') {
      name = shorts[a.slice(1)];
      if (!name) throw new UsageError(`no such option: ${a}`);
    } else {
      pos.push(a);
      continue;
    }
    const o = spec[name];
    if (!o) throw new UsageError(`no such option: --${name}`);
    if (o.flag) {
      if (value !== null) throw new UsageError(`option --${name} does not take a value`);
      opts[name] = true;
      continue;
    }
    if (value === null) {
      if (i + 1 >= argv.length) throw new UsageError(`option --${name} requires an argument`);
      value = argv[++i];
    }
    /** @type {any} */
    let v = value;
    if (o.int) {
      if (!/^[+-]?\d+$/.test(value)) throw new UsageError(`invalid value for --${name}: '${value}' is not a valid integer`);
      v = Number(value);
      if (o.min !== undefined && v < o.min) throw new UsageError(`invalid value for --${name}: ${v} is not in the range x>=${o.min}`);
    }
    if (o.choices && !o.choices.includes(v)) {
      throw new UsageError(`invalid value for --${name}: '${v}' is not one of ${o.choices.map((c) => `'${c}'`).join(', ')}`);
    }
    if (o.multi) (opts[name] ??= []).push(v);
    else opts[name] = v;
  }
  return { opts, pos };
}

/**
 * stdout writes that respect backpressure; a closed pipe (e.g. `| head`) ends the process quietly.
 * @param {string} s
 */
async function write(s) {
  if (!process.stdout.write(s)) await new Promise((resolve) => process.stdout.once('drain', resolve));
}

/** @param {string[]} argv */
async function predictCmd(argv) {
  const { opts, pos } = parse(argv, {
    input: { short: 'i' }, 'input-format': { choices: ['auto', 'text', 'jsonl'] }, probs: { flag: true },
    echo: { flag: true }, model: {}, threads: { int: true, min: 1 }, 'batch-size': { int: true, min: 1 },
    'max-tokens': { int: true, min: 1 }, 'chunk-size': { int: true, min: 1 }, 'no-verify': { flag: true },
    help: { flag: true, short: 'h' },
  });
  if (opts.help) { process.stdout.write(HELP); return 0; }
  if (!pos.length) throw new UsageError("missing argument 'BUNDLE'");
  const [bundlePath, ...texts] = pos;
  const b = await loadBundle(bundlePath, { model: opts.model, threads: opts.threads ?? 1, verify: !opts['no-verify'] });
  const inputPath = opts.input;
  if (texts.length && inputPath !== undefined) throw new InputError('give TEXT arguments or --input, not both');
  /** @type {AsyncIterable<any> | Iterable<any>} */
  let items;
  if (texts.length) {
    if (b.pair && texts.length % 2) throw new InputError(`this is a pair model: give TEXT arguments in pairs (got ${texts.length})`);
    items = b.pair ? texts.filter((_, i) => i % 2 === 0).map((t, i) => [t, texts[2 * i + 1]]) : texts;
  } else {
    /** @type {AsyncIterable<Uint8Array>} */
    let stream;
    if (inputPath === undefined || inputPath === '-') {
      if (process.stdin.isTTY) process.stderr.write(`${PROG}: reading texts from stdin, one per line (Ctrl-D ends)\n`);
      stream = process.stdin;
    } else {
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
      stream = createReadStream('', { fd });
    }
    items = iterItems(splitLines(stream), b.pair, opts['input-format'] ?? 'auto');
  }
  let total = 0, truncated = 0;
  for await (const chunk of chunks(items, opts['chunk-size'] ?? 1024)) {
    const r = await b.predict(chunk, { batchSize: opts['batch-size'] ?? 64, maxTokens: opts['max-tokens'] ?? 512 });
    let out = '';
    records(r, { probs: Boolean(opts.probs), labelNames: b.labels }).forEach((rec, i) => {
      /** @type {Record<string, unknown>} */
      let full = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (rec));
      if (opts.echo) {
        const x = chunk[i];
        full = { ...(b.pair ? { text: x[0], text_pair: x[1] } : { text: x }), ...rec };
      }
      out += pyDumps(full) + '\n';
    });
    await write(out);
    total += chunk.length;
    truncated += r.metadata.numTruncated;
  }
  if (truncated) {
    process.stderr.write(`${PROG}: ${truncated} of ${total} inputs were longer than ${b.maxLength} word pieces and ` +
      'were truncated (marked "truncated")\n');
  }
  return 0;
}

/** @param {string[]} argv */
async function selftestCmd(argv) {
  const { opts, pos } = parse(argv, {
    model: { multi: true }, threads: { int: true, min: 1 }, json: { flag: true }, help: { flag: true, short: 'h' },
  });
  if (opts.help) { process.stdout.write(HELP); return 0; }
  if (!pos.length) throw new UsageError("missing argument 'BUNDLE'");
  if (pos.length > 1) throw new UsageError(`got unexpected extra argument (${pos[1]})`);
  const b = await loadBundle(pos[0], { threads: opts.threads ?? 1 });
  const report = await selftest(b, { models: opts.model ? opts.model.map((/** @type {string} */ m) => b.manifest.models.find((s) => s.file === m || s.precision === m)?.file ?? (() => { throw new InvalidBundleError(`manifest lists no model '${m}'; it has [${b.manifest.models.map((s) => `'${s.file}'`).join(', ')}]`); })()) : undefined });
  if (opts.json) await write(JSON.stringify(report, null, 2) + '\n');
  if (!report.ok) fail(report.summary, EXIT_BUNDLE);
  if (!opts.json) await write(report.summary + '\n');
  return 0;
}

async function main() {
  const argv = process.argv.slice(2);
  process.stdout.on('error', (e) => {
    if (/** @type {NodeJS.ErrnoException} */ (e).code === 'EPIPE') process.exit(0);
    fail(String(e.message), 1);
  });
  const cmd = argv[0];
  if (!cmd) {
    process.stderr.write(HELP);
    return EXIT_INPUT;
  }
  if (cmd === '-h' || cmd === '--help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (cmd === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${PROG}, version ${pkg.version}\n`);
    return 0;
  }
  if (cmd === 'predict') return predictCmd(argv.slice(1));
  if (cmd === 'selftest') return selftestCmd(argv.slice(1));
  throw new UsageError(`no such command '${cmd}' (commands: predict, selftest)`);
}

try {
  const code = await main();
  process.exitCode = code;
} catch (e) {
  if (e instanceof UsageError) fail(`${e.message} (see ${PROG} --help)`, EXIT_INPUT);
  if (e instanceof InputError) fail(e.message, EXIT_INPUT);
  if (e instanceof InvalidBundleError || e instanceof EdgekdError) fail(e.message, EXIT_BUNDLE);
  fail(e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e), 1);
}
