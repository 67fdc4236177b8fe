/**
 * Shared test helpers: where the fixture bundles are (built once through Python when EDGEKD_TEST_BUNDLES is
 * unset), the Python interpreter of the repository, running the CLI, and writing tampered bundle copies.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModel } from '../src/core/onnx.js';

export const JS_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(JS_ROOT, '..', '..');
export const CLI = path.join(JS_ROOT, 'bin', 'edgekd-run-js.js');
export const FIXTURES = ['single', 'pair', 'all8'];

/** Texts that exercise the encoding rules (tests/runtime/conftest.py TEXTS, plus a capital final sigma). */
export const TEXTS = ['a good film', 'the worst movie ever made', '', '   \t ', 'charming , funny and beautiful',
  'not bad at all 👍🏽', '日本語のテキスト', 'Ça déçoit, ﬁnalement… naïve', 'שלום עולם', '\x00\x07 odd\u200b',
  'it is a very very long story '.repeat(12), 'fun', 'ΟΔΟΣ ΣΟΦΟΣ', 'ab𠝂cd'];
export const PAIRS = TEXTS.map((t, i) => [t, TEXTS[TEXTS.length - 1 - i]]);

/** The repository's Python (EDGEKD_PYTHON, default ../../.venv/bin/python relative to runtime/js). */
export function python() {
  const py = process.env.EDGEKD_PYTHON || path.join(JS_ROOT, '..', '..', '.venv', 'bin', 'python');
  const resolved = path.isAbsolute(py) || !py.includes('/') ? py : path.resolve(JS_ROOT, py);
  const probe = spawnSync(resolved, ['-c', 'import edgekd_runtime, tokenizers, onnxruntime'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`EDGEKD_PYTHON=${resolved} cannot run (or lacks edgekd_runtime/tokenizers/onnxruntime): ` +
      `${probe.error?.message ?? probe.stderr.trim().split('\n').pop()}; set EDGEKD_PYTHON to the repository venv's python`);
  }
  return resolved;
}

/** Temporary folders made by this process, removed when it exits. */
const temps = [];
process.on('exit', () => { for (const d of temps) rmSync(d, { recursive: true, force: true }); });

/** @param {string} prefix */
export function tempDir(prefix) {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

/** @type {string | null} */
let built = null;

/** The fixture bundles folder: EDGEKD_TEST_BUNDLES, or built into a temp folder by tests.runtime.make_fixtures. */
export function bundlesDir() {
  const pre = process.env.EDGEKD_TEST_BUNDLES;
  if (pre) {
    const missing = FIXTURES.filter((n) => !existsSync(path.join(pre, n, 'manifest.json')));
    if (missing.length) {
      throw new Error(`EDGEKD_TEST_BUNDLES=${pre} lacks ${missing.join(', ')}; run \`python -m tests.runtime.make_fixtures ${pre}\` from the repository root`);
    }
    return pre;
  }
  if (built) return built;
  const out = tempDir('edgekd-js-bundles-');               // removed when this process exits
  const py = python();
  const r = spawnSync(py, ['-m', 'tests.runtime.make_fixtures', out], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`building the fixture bundles failed (${py} -m tests.runtime.make_fixtures ${out}, run from ${REPO_ROOT}):\n${r.stderr || r.error}`);
  }
  process.env.EDGEKD_TEST_BUNDLES = out;
  built = out;
  return out;
}

/** @param {string} name */
export const fixture = (name) => path.join(bundlesDir(), name);

/** Real bundles from EDGEKD_REAL_BUNDLES (colon-separated), possibly none. */
export function realBundles() {
  return (process.env.EDGEKD_REAL_BUNDLES ?? '').split(':').filter(Boolean);
}

/**
 * Run the CLI; returns {status, stdout, stderr}.
 * @param {string[]} args
 * @param {{input?: string}} [o]
 */
export function runCli(args, o = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input: o.input ?? '', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Run Python code with the repository's interpreter; JSON on stdout is parsed.
 * @param {string} code
 * @param {string[]} [args]
 * @param {string} [input]
 */
export function runPython(code, args = [], input = '') {
  const r = spawnSync(python(), ['-c', code, ...args], {
    cwd: REPO_ROOT, encoding: 'utf8', input, maxBuffer: 1 << 28,
    env: { ...process.env, OMP_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false' },
  });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

/** @param {Uint8Array} b */
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

/**
 * A copy of bundle `src` with `file` changed by `mutate(bytes) -> bytes`; manifest sizes and sha256 are
 * updated unless `keepChecksums`.
 * @param {string} src
 * @param {string} file
 * @param {(b: Buffer) => Buffer} mutate
 * @param {{keepChecksums?: boolean}} [o]
 */
export function tamperedCopy(src, file, mutate, o = {}) {
  const dst = path.join(tempDir('edgekd-js-tamper-'), 'bundle');
  cpSync(src, dst, { recursive: true });
  const p = path.join(dst, file);
  const bytes = mutate(readFileSync(p));
  writeFileSync(p, bytes);
  if (!o.keepChecksums) {
    const manPath = path.join(dst, 'manifest.json');
    const man = JSON.parse(readFileSync(manPath, 'utf8'));
    for (const f of man.files) if (f.path === file) { f.sha256 = sha256(bytes); f.bytes = bytes.length; }
    writeFileSync(manPath, JSON.stringify(man, null, 2) + '\n');
  }
  return dst;
}

/**
 * Shift the first value of the classifier's output bias (the initializer added last, into "logits") by `delta`,
 * leaving a model that still parses and runs.
 * @param {Buffer} bytes
 * @param {number} [delta]
 */
export function shiftOutputBias(bytes, delta = 1.5) {
  const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const g = parseModel(u8).graph;
  const last = g.nodes.find((n) => n.outputs.includes('logits'));
  const bias = last && last.inputs.map((i) => g.initializers.get(i)).find((t) => t && t.dataType === 1 && t.rawOffset !== null);
  if (!bias || bias.rawOffset === null) throw new Error('no float bias initializer feeds the logits');
  const out = Buffer.from(bytes);
  const v = out.readFloatLE(bias.rawOffset);
  out.writeFloatLE(v + delta, bias.rawOffset);
  return out;
}

/**
 * Change one digit of the first expected fp32 logit in golden.json text (same length, still valid JSON).
 * @param {Buffer} bytes
 */
export function tamperGoldenLogit(bytes) {
  const s = bytes.toString('utf8');
  const at = s.indexOf('"model.fp32.onnx"') >= 0 ? s.indexOf('"logits"', s.indexOf('"model.fp32.onnx"')) : s.indexOf('"logits"');
  const m = /-?\d+\.(\d)/.exec(s.slice(at));
  if (!m) throw new Error('no logits in golden.json');
  const pos = at + m.index + m[0].length - 1;
  const d = Number(s[pos]);
  return Buffer.from(s.slice(0, pos) + String((d + 5) % 10) + s.slice(pos + 1), 'utf8');
}
