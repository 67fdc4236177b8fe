/**
 * Command-line parsing of edgekd-run-js, click style: options anywhere, "--" ends options, "--opt=value",
 * "--flag/--no-flag" pairs. Every usage mistake is a UsageError (exit 2, one line).
 * @module
 */

export const PROG = 'edgekd-run-js';

/** A usage mistake: unknown command or option, missing argument, bad option value. */
export class UsageError extends Error {}

/**
 * @typedef {{flag?: boolean, negatable?: boolean, multi?: boolean, int?: boolean, min?: number, choices?: string[],
 *   short?: string}} OptSpec
 */

/**
 * The value of an option, checked against its spec.
 * @param {string} name
 * @param {OptSpec} o
 * @param {string} value
 * @returns {string | number}
 */
function convert(name, o, value) {
  /** @type {string | number} */
  let v = value;
  if (o.int) {
    if (!/^[+-]?\d+$/.test(value.trim())) throw new UsageError(`invalid value for --${name}: '${value}' is not a valid integer`);
    v = Number(value);
    if (o.min !== undefined && v < o.min) throw new UsageError(`invalid value for --${name}: ${v} is not in the range x>=${o.min}`);
  }
  if (o.choices && !o.choices.includes(String(v))) {
    throw new UsageError(`invalid value for --${name}: '${v}' is not one of ${o.choices.map((c) => `'${c}'`).join(', ')}`);
  }
  return v;
}

/**
 * Name and inline value of an option argument ("--name", "--name=value", "-x"), or null for a positional one.
 * @param {string} a
 * @param {Record<string, string>} shorts
 * @returns {{name: string, value: string | null} | null}
 */
function optionOf(a, shorts) {
  if (a.startsWith('--') && a.length > 2) {
    const eq = a.indexOf('=');
    return eq > 0 ? { name: a.slice(2, eq), value: a.slice(eq + 1) } : { name: a.slice(2), value: null };
  }
  if (a.startsWith('-') && a.length === 2 && a !== '-') {
    const name = shorts[a.slice(1)];
    if (!name) throw new UsageError(`no such option: ${a}`);
    return { name, value: null };
  }
  return null;
}

/**
 * Parse argv for a command.
 * @param {string[]} argv
 * @param {Record<string, OptSpec>} spec
 * @returns {{opts: Record<string, any>, pos: string[]}}
 */
export function parse(argv, spec) {
  /** @type {Record<string, any>} */
  const opts = {};
  /** @type {string[]} */
  const pos = [];
  /** @type {Record<string, string>} */
  const shorts = {};
  for (const [k, v] of Object.entries(spec)) if (v.short) shorts[v.short] = k;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') { pos.push(...argv.slice(i + 1)); break; }
    const opt = optionOf(argv[i], shorts);
    if (!opt) { pos.push(argv[i]); continue; }
    let { name, value } = opt;
    const negated = name.startsWith('no-') && spec[name.slice(3)]?.negatable;
    const o = negated ? spec[name.slice(3)] : spec[name];
    if (!o) throw new UsageError(`no such option: --${name}`);
    if (o.flag) {
      if (value !== null) throw new UsageError(`option --${name} does not take a value`);
      opts[negated ? name.slice(3) : name] = !negated;
      continue;
    }
    if (value === null) {
      if (i + 1 >= argv.length) throw new UsageError(`option --${name} requires an argument`);
      value = argv[++i];
    }
    const v = convert(name, o, value);
    if (o.multi) (opts[name] ??= []).push(v);
    else opts[name] = v;
  }
  return { opts, pos };
}

/**
 * The positional arguments of a command that takes exactly BUNDLE.
 * @param {string[]} pos
 */
export function onlyBundle(pos) {
  if (!pos.length) throw new UsageError("missing argument 'BUNDLE'");
  if (pos.length > 1) throw new UsageError(`got unexpected extra argument (${pos[1]})`);
  return pos[0];
}

/**
 * stdout writes that respect backpressure.
 * @param {string} s
 */
export async function write(s) {
  if (!process.stdout.write(s)) await new Promise((resolve) => process.stdout.once('drain', resolve));
}

export const HELP = `Usage: ${PROG} COMMAND BUNDLE [ARGS]...

Run an edgekd bundle with onnxruntime-node: predict, info, selftest, bench.

Commands:
  predict BUNDLE [TEXT]...   Classify TEXT arguments (pairs: consecutive arguments A1 B1 A2 B2 ...), or
                             stdin/FILE line by line ("text<TAB>text_pair" for pairs, or JSONL
                             {"text"[, "text_pair"]}). Writes one JSON object per input, in input order:
                             {"label", "score", "probs"?, "truncated"?}.
      -i, --input FILE       read texts from FILE ('-' = stdin, the default when no TEXT is given)
      --input-format F       auto | text | jsonl  [auto]
      -f, --format F         jsonl | table  [jsonl]
      --probs                add every label's probability
      --echo                 repeat the input text in each JSONL record
      --backend B            onnxruntime (the only one here)  [onnxruntime]
      --model M              model file or precision (fp32/int8); default: the manifest's
      --threads N            onnxruntime intra-op threads [1]
      --batch-size N         rows per batch at most [64]
      --max-tokens N         padded word pieces per batch at most [512]
      --chunk-size N         inputs read, predicted and written at a time [1024]
      --no-verify            skip the sha256 checks (sizes are still checked)
  info BUNDLE                Verify BUNDLE and show its manifest, files, sizes and the metrics measured at export.
      --json                 print {"path", "verified", "manifest"} as JSON
  selftest BUNDLE            Check the bundle's golden vectors: exact ids, and every model's logits within the
                             golden tolerance one input at a time and batched. Exit 0 on pass, 3 on failure.
      --backend B            onnxruntime  [onnxruntime]
      --model M              check only this model file or precision (repeatable)
      --threads N            onnxruntime intra-op threads [1]
      --json                 print the report as JSON (the fields of edgekd-run selftest --json)
  bench BUNDLE               Batch-1 latency p50/p95/p99 (tokenization included), throughput at --batch, and
                             peak RSS (the fields of edgekd-run bench --json).
      --texts FILE           real text to time: GLUE TSV, JSONL or lines (default: the bundle's sample)
      --limit N              use at most N texts
      --threads N            thread counts to measure (repeatable) [1 and 2]
      --batch N              throughput batch size [256]
      --iters N              batch-1 timings, at least 10 [2000]
      --backend B            onnxruntime  [onnxruntime]
      --model M              model file or precision (fp32/int8); default: the manifest's
      --rss / --no-rss       peak RSS in a fresh node process [--rss]
      --json                 print the results as JSON

Exit codes: 0 ok; 2 usage or input error; 3 invalid bundle, failed selftest, or the bundle cannot run here
(onnxruntime-node missing); 130 interrupted (Ctrl-C). Errors are one line on stderr, "${PROG}: error: ...".
`;
