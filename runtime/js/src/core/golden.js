/**
 * Golden vectors (golden.json, format "edgekd-golden" version 1; see edgekd_runtime/golden.py): parse them
 * and run the selftest that proves this host encodes text and runs every model of the bundle as edgekd does.
 *
 * Rules: ids (after truncation and the empty rule) must match exactly, and the truncated flag too. fp32 logits
 * agree within `tolerance.fp32` absolute; int8 logits within `tolerance.int8 * max(1, max |expected logit|)`;
 * the label must equal the expected one wherever the expected top-two margin exceeds twice the tolerance.
 * Every model runs each input alone (batch 1, as the expectations were made), then all inputs batched.
 * @module
 */
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_TOKENS, GOLDEN_FILE, GOLDEN_FORMAT, GOLDEN_VERSION, TOLERANCE } from './contract.js';
import { InvalidBundleError, pyList, pyRepr } from './errors.js';
import { argmax } from './numeric.js';
import { rowIds } from './encoding.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Largest |logit difference| allowed against the expected row.
 * @param {string} precision
 * @param {readonly number[]} expected
 * @param {Readonly<Record<string, number>>} [table]
 */
export function tolerance(precision, expected, table = TOLERANCE) {
  if (precision === 'fp32') return Number(table.fp32);
  let mx = 0;
  for (const x of expected) mx = Math.max(mx, Math.abs(x));
  return Number(table.int8) * Math.max(1, mx);
}

/**
 * Top-1 minus top-2 logit (Infinity with a single logit).
 * @param {readonly number[]} logits
 */
export function margin(logits) {
  const top = [...logits].sort((a, b) => b - a);
  return top.length > 1 ? top[0] - top[1] : Infinity;
}

/**
 * @param {unknown} x
 * @returns {number}
 */
function num(x) {
  if (typeof x === 'number') return x;
  if (typeof x === 'string') {
    const t = x.trim().toLowerCase();
    if (t === 'nan') return NaN;
    if (t === 'inf' || t === 'infinity') return Infinity;
    if (t === '-inf' || t === '-infinity') return -Infinity;
    if (t !== '' && !Number.isNaN(Number(t))) return Number(t);
  }
  throw new TypeError(`not a number: ${JSON.stringify(x)}`);
}

/**
 * @param {unknown} x
 * @returns {number}
 */
function integer(x) {
  const v = num(x);
  if (!Number.isFinite(v)) throw new TypeError(`not an integer: ${JSON.stringify(x)}`);
  return Math.trunc(v);
}

/**
 * @param {unknown} x
 * @param {string} what
 * @returns {any[]}
 */
function arr(x, what) {
  if (!Array.isArray(x)) throw new TypeError(`${what} must be a list`);
  return x;
}

/**
 * Validate golden.json against the manifest (golden.parse_golden); names the first problem.
 * @param {unknown} raw
 * @param {import('../../index.js').Manifest} manifest
 * @param {string} [where]
 * @returns {import('../../index.js').Golden}
 */
export function parseGolden(raw, manifest, where = GOLDEN_FILE) {
  /** @param {string} msg */
  const bad = (msg) => new InvalidBundleError(`${where}: ${msg}`, { kind: 'golden' });
  const r = /** @type {Record<string, any>} */ (raw);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || r.format !== GOLDEN_FORMAT) {
    throw bad(`not an edgekd golden file (format must be '${GOLDEN_FORMAT}')`);
  }
  if (r.version !== GOLDEN_VERSION) {
    throw bad(`golden version ${JSON.stringify(r.version ?? null)} is not supported (supported: ${GOLDEN_VERSION})`);
  }
  let labels, pair, maxLength, tol, inputs;
  try {
    for (const k of ['labels', 'pair', 'max_length', 'inputs']) if (!(k in r)) throw new TypeError(`lacks the field '${k}'`);
    labels = arr(r.labels, 'labels').map(String);
    pair = Boolean(r.pair);
    maxLength = integer(r.max_length);
    /** @type {Record<string, number>} */
    const t = { ...TOLERANCE };
    if (r.tolerance !== undefined && r.tolerance !== null) {
      if (typeof r.tolerance !== 'object' || Array.isArray(r.tolerance)) throw new TypeError('tolerance must be an object');
      for (const [k, v] of Object.entries(r.tolerance)) t[k] = num(v);
    }
    tol = t;
    const isPair = pair;
    inputs = arr(r.inputs, 'inputs').map((x, i) => parseInput(i, x, isPair));
  } catch (e) {
    throw bad(`malformed (${e instanceof Error ? e.message : String(e)})`);
  }
  if (pyList(labels) !== pyList(manifest.labels) || pair !== manifest.pair || maxLength !== manifest.max_length) {
    throw bad('labels, pair or max_length differ from manifest.json');
  }
  const models = new Set(manifest.models.map((m) => m.file));
  for (const g of inputs) {
    const extra = Object.keys(g.expected).filter((k) => !models.has(k)).sort();
    if (extra.length) throw bad(`input '${g.name}' has expectations for models not in the manifest: ${pyList(extra)}`);
  }
  if (!inputs.length) throw bad('holds no inputs');
  const bt = (r.batched && typeof r.batched === 'object') ? /** @type {any} */ (r.batched) : {};
  const batching = { batchSize: bt.batch_size === undefined ? DEFAULT_BATCH_SIZE : integer(bt.batch_size),
    maxTokens: bt.max_tokens === undefined ? DEFAULT_MAX_TOKENS : integer(bt.max_tokens) };
  return { labels, pair, maxLength, tolerance: tol, inputs, batching, raw: r };
}

/**
 * @param {number} i
 * @param {any} x
 * @param {boolean} pair
 * @returns {import('../../index.js').GoldenInput}
 */
function parseInput(i, x, pair) {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new TypeError(`input ${i} must be an object`);
  if (pair && typeof x.text_pair !== 'string') throw new TypeError(`input ${i} of a pair bundle lacks text_pair`);
  for (const k of ['text', 'ids', 'truncated', 'expected', ...(pair ? ['ids_b'] : [])]) {
    if (!(k in x)) throw new TypeError(`input ${i} lacks the field '${k}'`);
  }
  if (typeof x.expected !== 'object' || x.expected === null || Array.isArray(x.expected)) throw new TypeError(`input ${i}: expected must be an object`);
  /** @type {Record<string, {logits: number[], label: string, batchedLogits: number[]}>} */
  const expected = {};
  for (const [k, e] of Object.entries(x.expected)) {
    if (typeof e !== 'object' || e === null || !('logits' in e) || !('label' in e)) {
      throw new TypeError(`input ${i}: expected['${k}'] needs logits and label`);
    }
    const logits = arr(/** @type {any} */ (e).logits, 'logits').map(num);
    const batched = /** @type {any} */ (e).batched_logits;       // absent in golden files older than edgekd 0.2's
    expected[k] = { logits, label: String(/** @type {any} */ (e).label),
      batchedLogits: batched === undefined ? logits : arr(batched, 'batched_logits').map(num) };
  }
  return {
    name: String(x.name ?? i),
    text: String(x.text),
    textPair: pair ? String(x.text_pair) : null,
    ids: arr(x.ids, 'ids').map(integer),
    idsB: pair ? arr(x.ids_b, 'ids_b').map(integer) : null,
    pieces: x.pieces === undefined ? null : integer(x.pieces),
    piecesB: pair && x.pieces_b !== undefined ? integer(x.pieces_b) : null,
    truncated: Boolean(x.truncated),
    expected,
  };
}

/**
 * The bundle's golden vectors (the file was already size- and sha256-checked when the bundle loaded).
 * @param {import('./bundle.js').Bundle} bundle
 * @returns {import('../../index.js').Golden}
 */
export function readGolden(bundle) {
  const name = bundle.manifest.golden;
  if (!name) {
    throw new InvalidBundleError(`${bundle.root}: this bundle carries no golden vectors (exported before edgekd 0.2); ` +
      're-export it with `edgekd export` to add them', { kind: 'golden' });
  }
  const where = bundle.io.label(name);
  const bytes = bundle.fileBytes(name);
  if (!bytes) throw new InvalidBundleError(`${where}: named by manifest.json but missing`, { kind: 'golden' });
  let raw;
  try {
    raw = JSON.parse(UTF8.decode(bytes));
  } catch (e) {
    throw new InvalidBundleError(`${where}: not valid JSON (${e instanceof Error ? e.message : String(e)})`, { kind: 'golden' });
  }
  return parseGolden(raw, bundle.manifest, where);
}

/**
 * "input 'name' ("text")" as GoldenInput.describe writes it, text cut to `width` characters.
 * @param {import('../../index.js').GoldenInput} g
 * @param {number} [width]
 */
export function describeInput(g, width = 60) {
  let t = g.textPair === null ? g.text : `${g.text} ||| ${g.textPair}`;
  const chars = [...t];
  if (chars.length > width) t = chars.slice(0, width - 1).join('') + '…';
  return `input ${pyRepr(g.name)} (${JSON.stringify(t)})`;
}

/**
 * Python's format(x, '.{p}g').
 * @param {number} x
 * @param {number} p
 */
export function pyG(x, p) {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [m, e] = x.toExponential(Math.max(0, p - 1)).split('e');
  const exp = Number(e);
  const strip = (/** @type {string} */ t) => (t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t);
  if (exp < -4 || exp >= p) return `${strip(m)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return strip(x.toFixed(Math.max(0, p - 1 - exp)));
}

/**
 * Python's format(x, '.{d}e').
 * @param {number} x
 * @param {number} d
 */
export function pyE(x, d) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const [m, e] = x.toExponential(d).split('e');
  const exp = Number(e);
  return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** @param {readonly number[]} xs */
const fmtLogits = (xs) => '[' + xs.map((x) => pyG(x, 6)).join(', ') + ']';
/** @param {readonly number[]} xs */
const fmtIds = (xs) => '[' + xs.join(', ') + ']';
/** @param {boolean} b */
const pyBool = (b) => (b ? 'True' : 'False');

/**
 * Run the golden vectors against `bundle` and every model it lists (or `options.models`), as
 * edgekd_runtime.golden.selftest does: ids of every input, then per model each input alone (batch 1) and all
 * inputs batched. Every check runs; `firstFailure` and `summary` describe the first mismatch in that order.
 * Sessions opened for models other than the bundle's own are released before this returns.
 * @param {import('./bundle.js').Bundle} bundle
 * @param {import('../../index.js').SelftestOptions} [options]
 * @returns {Promise<import('../../index.js').SelftestReport>}
 */
export async function runSelftest(bundle, options = {}) {
  const golden = readGolden(bundle);
  const man = bundle.manifest;
  const models = (options.models && options.models.length)
    ? [...new Set(options.models.map((m) => man.models.find((s) => s.file === m || s.precision === m)?.file ?? m))]
    : man.models.map((m) => m.file);
  /** @type {import('../../index.js').SelftestReport} */
  const report = {
    ok: true, bundle: bundle.root, backend: bundle.io.backend, inputs: golden.inputs.length, models,
    checked: { ids: 0, truncated: 0, single: 0, batched: 0, labels: 0 }, failures: 0,
    maxAbsDiff: {}, maxAbsDiffSingle: {}, maxAbsDiffBatched: {}, firstFailure: null, summary: '',
  };
  const fail = failWith(report);
  for (const g of golden.inputs) checkEncoding(bundle, golden.pair, g, report, fail);
  for (const file of models) {
    const b = await bundle.withModel(file);
    try {
      await checkModel(b, golden, options, report, fail);
    } finally {
      if (b !== bundle) await b.dispose();
    }
  }
  report.summary = summarize(report);
  return report;
}

/**
 * @typedef {(g: import('../../index.js').GoldenInput | null,
 *   f: Omit<import('../../index.js').SelftestFailure, 'input' | 'text' | 'textPair' | 'description'>) => void} Fail
 */

/**
 * A function recording one failed check in `report` (the first one in detail).
 * @param {import('../../index.js').SelftestReport} report
 * @returns {Fail}
 */
function failWith(report) {
  return (g, f) => {
    report.ok = false;
    report.failures += 1;
    if (!report.firstFailure) {
      report.firstFailure = { input: g ? g.name : '', text: g ? g.text : '', textPair: g ? g.textPair : null,
        description: g ? describeInput(g) : '', ...f };
    }
  };
}

/**
 * Encoding: exact ids after truncation / the empty rule, and the truncated flag, of one golden input.
 * @param {import('./bundle.js').Bundle} bundle
 * @param {boolean} pair
 * @param {import('../../index.js').GoldenInput} g
 * @param {import('../../index.js').SelftestReport} report
 * @param {Fail} fail
 */
function checkEncoding(bundle, pair, g, report, fail) {
  const maxLen = bundle.manifest.max_length, emptyId = bundle.manifest.tokenizer.empty_id;
  /** @type {[string, number[], string][]} */
  const sides = [[g.text, g.ids, 'ids']];
  if (pair) sides.push([/** @type {string} */ (g.textPair), /** @type {number[]} */ (g.idsB), 'ids_b']);
  let trunc = false;
  for (const [text, want, what] of sides) {
    const raw = bundle.pieces(text);
    const got = rowIds(raw, maxLen, emptyId);
    trunc = trunc || raw.length > maxLen;
    report.checked.ids += 1;
    if (got.length !== want.length || got.some((v, k) => v !== want[k])) {
      fail(g, { model: null, what, expected: want, got, detail: `${what} expected ${fmtIds(want)} got ${fmtIds(got)}` });
    }
  }
  report.checked.truncated += 1;
  if (trunc !== g.truncated) {
    fail(g, { model: null, what: 'truncated', expected: g.truncated, got: trunc, detail: `truncated expected ${pyBool(g.truncated)} got ${pyBool(trunc)}` });
  }
}

/**
 * Logits of one model: each input alone (batch 1, the expectations' conditions), then all inputs batched, and
 * predict()'s truncated flags.
 * @param {import('./bundle.js').Bundle} b the bundle running that model
 * @param {import('../../index.js').Golden} golden
 * @param {import('../../index.js').SelftestOptions} options
 * @param {import('../../index.js').SelftestReport} report
 * @param {Fail} fail
 */
async function checkModel(b, golden, options, report, fail) {
  const file = b.spec.file;
  report.maxAbsDiff[file] = 0;
  report.maxAbsDiffSingle[file] = 0;
  report.maxAbsDiffBatched[file] = 0;
  const rows = golden.inputs.filter((g) => file in g.expected);
  if (!rows.length) {
    fail(null, { model: file, what: 'expected', expected: null, got: null, detail: `golden.json has no expected logits for ${file}` });
    return;
  }
  const ctx = { file, precision: b.spec.precision, golden, report, fail };
  const item = (/** @type {import('../../index.js').GoldenInput} */ g) => (golden.pair ? [g.text, /** @type {string} */ (g.textPair)] : g.text);
  for (const g of rows) compareLogits(ctx, g, (await b.predict([/** @type {any} */ (item(g))])).logits[0], 'batch 1');
  const all = await b.predict(/** @type {any} */ (rows.map(item)), {
    batchSize: options.batchSize ?? golden.batching.batchSize, maxTokens: options.maxTokens ?? golden.batching.maxTokens });
  rows.forEach((g, i) => compareLogits(ctx, g, all.logits[i], 'batched'));
  rows.forEach((g, i) => {
    if (all.truncated[i] !== g.truncated) {
      fail(g, { model: file, what: 'truncated (predict)', expected: g.truncated, got: all.truncated[i],
        detail: `predict() reported truncated=${pyBool(all.truncated[i])}, expected ${pyBool(g.truncated)}` });
    }
  });
}

/**
 * @typedef {{file: string, precision: string, golden: import('../../index.js').Golden,
 *   report: import('../../index.js').SelftestReport, fail: Fail}} ModelCheck
 */

/**
 * Largest |got - want| (NaN when either holds a NaN).
 * @param {readonly number[]} got
 * @param {readonly number[]} want
 */
function maxDiff(got, want) {
  let diff = 0;
  for (let j = 0; j < got.length; j++) {
    const d = Math.abs(got[j] - want[j]);
    diff = Number.isNaN(d) || Number.isNaN(diff) ? NaN : Math.max(diff, d);
  }
  return diff;
}

/**
 * One row's logits against its expectation, then its label where the expected margin makes it stable.
 * batch 1: the batch-1 logits; batched: the batched logits, or for int8 (which moves a little with its batch
 * mates) either of the two, as edgekd_runtime.golden._check_logits does.
 * @param {ModelCheck} ctx
 * @param {import('../../index.js').GoldenInput} g
 * @param {readonly number[]} got
 * @param {'batch 1' | 'batched'} how
 */
function compareLogits(ctx, g, got, how) {
  const { file, precision, golden, report, fail } = ctx;
  const exp = g.expected[file];
  const what = `logits (${how})`;
  let wants = how === 'batch 1' ? [exp.logits] : [exp.batchedLogits, exp.logits];
  if (precision === 'fp32') wants = wants.slice(0, 1);
  const want = wants[0];
  if (got.length !== want.length) {
    fail(g, { model: file, what, expected: want, got: [...got], detail: `${file} (${how}) gave ${got.length} logits, expected ${want.length}` });
    return;
  }
  report.checked[how === 'batch 1' ? 'single' : 'batched'] += 1;
  const fits = wants.map((w) => ({ w, diff: maxDiff(got, w), tol: tolerance(precision, w, golden.tolerance) }));
  const fit = fits.find((f) => f.diff <= f.tol);             // NaN never fits
  const mdiff = Number.isNaN((fit ?? fits[0]).diff) ? Infinity : (fit ?? fits[0]).diff;
  report.maxAbsDiff[file] = Math.max(report.maxAbsDiff[file], mdiff);
  const per = how === 'batch 1' ? report.maxAbsDiffSingle : report.maxAbsDiffBatched;
  per[file] = Math.max(per[file], mdiff);
  if (!fit) {
    const { diff, tol } = fits[0];
    fail(g, { model: file, what, expected: want, got: [...got], tolerance: tol, diff,
      detail: `${file} (${how}) logits expected ${fmtLogits(want)} got ${fmtLogits(got)} (max |Δ| ${pyG(diff, 3)} > tolerance ${pyG(tol, 3)})` });
    return;
  }
  const label = golden.labels[argmax(got)];
  const wantLabel = fit.w === exp.logits ? exp.label : golden.labels[argmax(fit.w)];
  if (margin(fit.w) > 2 * fit.tol) report.checked.labels += 1;
  if (label !== wantLabel && margin(fit.w) > 2 * fit.tol) {
    fail(g, { model: file, what: `label (${how})`, expected: wantLabel, got: label, tolerance: fit.tol, diff: fit.diff,
      detail: `${file} (${how}) label expected ${pyRepr(wantLabel)} got ${pyRepr(label)}` });
  }
}

/**
 * One line, in the Python runtime's words: what passed, or the first mismatch (input, text, expected vs got).
 * @param {import('../../index.js').SelftestReport} r
 */
export function summarize(r) {
  if (!r.ok) {
    const f = /** @type {import('../../index.js').SelftestFailure} */ (r.firstFailure);
    return `selftest FAILED: ${f.description ? `${f.description}: ` : ''}${f.detail}`;
  }
  const diffs = r.models.map((m) => `${m} max |Δlogit| ${pyE(r.maxAbsDiff[m] ?? 0, 2)}`).join(', ');
  return `selftest passed: ${r.inputs} golden inputs, ids exact; ${r.models.length} model(s) at batch 1 ` +
    `and batched on ${r.backend}: ${diffs}`;
}
