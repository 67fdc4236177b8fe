/**
 * Node entry point of edgekd-runtime: bundles from the file system (node:fs), sha256 by node:crypto, models run
 * by onnxruntime-node on the CPU. Everything else is the shared core.
 *
 *   import { loadBundle, selftest } from 'edgekd-runtime';
 *   const b = await loadBundle('bundle/');            // verify manifest, files, sha256, tokenizer, graph
 *   const r = await b.predict(['a fine film', '']);   // labels, labelIds, probabilities, logits, truncated
 *   const report = await selftest(b);                 // golden vectors: report.ok
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import path from 'node:path';
import { Bundle } from './core/bundle.js';
import { InvalidBundleError } from './core/errors.js';
import { runSelftest } from './core/golden.js';

export * from './core/index.js';

/** The engine, an optional peer dependency: install it next to edgekd-runtime (`npm install onnxruntime-node`). */
const ort = await importEngine();

/**
 * onnxruntime-node, or one clear error naming the package to install when it is missing.
 * @returns {Promise<typeof import('onnxruntime-node')>}
 */
async function importEngine() {
  try {
    return await import('onnxruntime-node');
  } catch (e) {
    const err = /** @type {NodeJS.ErrnoException} */ (e);
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes("'onnxruntime-node'")) {
      throw new Error('edgekd-runtime: the Node entry runs models with onnxruntime-node, which is not installed; ' +
        'run `npm install onnxruntime-node@1.30.0` in your app (browsers use onnxruntime-web instead)', { cause: e });
    }
    throw e;
  }
}

const LEVELS = /** @type {const} */ (['disabled', 'basic', 'extended', 'all']);

/**
 * onnxruntime-node session options chosen as edgekd_runtime/ort_backend.py chooses them: `threads` intra-op
 * threads (default 1), one inter-op thread, sequential execution, full graph optimisation, CPU provider only,
 * errors-only logging, no spinning when threads > 1.
 * @param {{threads?: number, optimization?: string}} [o]
 * @returns {import('onnxruntime-node').InferenceSession.SessionOptions}
 */
export function sessionOptions(o = {}) {
  const threads = Math.max(1, Math.trunc(o.threads ?? 1));
  const opt = o.optimization === 'disable' ? 'disabled' : (o.optimization ?? 'all');
  if (!LEVELS.includes(/** @type {any} */ (opt))) throw new Error(`optimization must be one of ${LEVELS.join(', ')}, got ${opt}`);
  /** @type {import('onnxruntime-node').InferenceSession.SessionOptions} */
  const so = {
    executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: /** @type {any} */ (opt), enableCpuMemArena: true, logSeverityLevel: 3,
  };
  if (threads > 1) so.extra = { session: { intra_op: { allow_spinning: '0' } } };
  return so;
}

/**
 * A BundleIO over a directory.
 * @param {string} dir
 * @returns {import('../index.js').BundleIO}
 */
export function fileIO(dir) {
  /** @param {string} rel */
  const abs = (rel) => path.join(dir, ...rel.split('/'));
  return {
    root: dir,
    backend: 'onnxruntime-node',
    where: 'on disk',
    label: (rel) => abs(rel),
    async size(rel) {
      try {
        const s = await stat(abs(rel));
        return s.isFile() ? s.size : null;
      } catch (e) {
        if (/** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT' || /** @type {NodeJS.ErrnoException} */ (e).code === 'ENOTDIR') return null;
        throw e;
      }
    },
    async read(rel) {
      try {
        const buf = await readFile(abs(rel));
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch (e) {
        const code = /** @type {NodeJS.ErrnoException} */ (e).code;
        if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
        throw e;
      }
    },
    async sha256(bytes) {
      return createHash('sha256').update(bytes).digest('hex');
    },
    async createSession(bytes, o) {
      return ort.InferenceSession.create(bytes, sessionOptions(o));
    },
    Tensor: ort.Tensor,
  };
}

/**
 * The bundle directory for a path (a directory, or its manifest.json).
 * @param {string} p
 */
export function bundleRoot(p) {
  let root = p;
  try {
    if (path.basename(root) === 'manifest.json' && statSync(root).isFile()) root = path.dirname(root);
  } catch { /* checked below */ }
  let isDir = false;
  try { isDir = statSync(root).isDirectory(); } catch { isDir = false; }
  if (!isDir) throw new InvalidBundleError(`${root}: no such bundle directory`, { kind: 'missing' });
  return root;
}

/**
 * Verify and load a bundle directory (see Bundle.open for every check).
 * @param {string} dir bundle directory or its manifest.json
 * @param {import('../index.js').LoadOptions} [options]
 * @returns {Promise<Bundle>}
 */
export async function loadBundle(dir, options = {}) {
  return Bundle.open(fileIO(bundleRoot(dir)), options);
}

/**
 * Run the bundle's golden vectors on every model it lists (or `options.models`).
 * @param {Bundle | string} bundle a loaded bundle or a bundle directory
 * @param {import('../index.js').SelftestOptions & import('../index.js').LoadOptions} [options]
 * @returns {Promise<import('../index.js').SelftestReport>}
 */
export async function selftest(bundle, options = {}) {
  const b = typeof bundle === 'string' ? await loadBundle(bundle, options) : bundle;
  return runSelftest(b, options);
}

/**
 * No effect in Node (the browser entry's wasm settings); here for one API across both entries.
 * @param {{wasmPaths?: string, numThreads?: number}} _options
 */
export function configureWasm(_options) {}

/** Versions of the libraries that run bundles here. */
export const versions = Object.freeze({ onnxruntime: ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown', backend: 'onnxruntime-node' });

export { Bundle, ort };
