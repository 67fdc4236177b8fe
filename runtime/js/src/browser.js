/**
 * Browser entry point of edgekd-runtime: bundles fetched over HTTP(S) from a folder URL, sha256 by WebCrypto
 * (crypto.subtle.digest), models run by onnxruntime-web on its wasm backend, one thread (no cross-origin
 * isolation needed). Everything else is the shared core.
 *
 *   import { configureWasm, loadBundle, selftest } from 'edgekd-runtime';
 *   configureWasm({ wasmPaths: '/node_modules/onnxruntime-web/dist/' });   // where ort-wasm-*.wasm are served
 *   const b = await loadBundle('./bundle/');
 *   const r = await b.predict('a fine film');
 * @module
 */
import * as ort from 'onnxruntime-web/wasm';   // the wasm backend alone: no WebGPU/WebGL code, ort-wasm-simd-threaded.wasm only
import { Bundle } from './core/bundle.js';
import { EdgekdError, InvalidBundleError } from './core/errors.js';
import { runSelftest } from './core/golden.js';

export * from './core/index.js';

ort.env.wasm.numThreads = 1;       // threads need cross-origin isolation (COOP/COEP); one is plenty for a BiLSTM

/**
 * Where onnxruntime-web loads its .wasm/.mjs files from (a URL prefix ending in "/"), and its thread count.
 * Call before the first loadBundle.
 * @param {{wasmPaths?: string, numThreads?: number}} options
 */
export function configureWasm(options) {
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
  if (options.numThreads !== undefined) ort.env.wasm.numThreads = options.numThreads;
}

/**
 * onnxruntime-web session options: wasm backend, full graph optimisation, sequential, errors-only logging.
 * @param {{threads?: number, optimization?: string}} [o]
 * @returns {Record<string, unknown>}
 */
export function sessionOptions(o = {}) {
  const opt = o.optimization === 'disable' ? 'disabled' : (o.optimization ?? 'all');
  return { executionProviders: ['wasm'], graphOptimizationLevel: opt, executionMode: 'sequential', logSeverityLevel: 3 };
}

/**
 * @param {Uint8Array} bytes
 * @returns {Promise<string>}
 */
async function sha256Hex(bytes) {
  if (!globalThis.crypto?.subtle) {
    throw new Error('WebCrypto (crypto.subtle) is unavailable: serve the page over https or from localhost');
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', /** @type {BufferSource} */ (bytes)));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/**
 * A BundleIO over a folder URL (fetch). Responses are read once; 404/410 count as missing files.
 * @param {string | URL} base
 * @param {{fetch?: typeof fetch, init?: RequestInit}} [o]
 * @returns {import('../index.js').BundleIO}
 */
export function fetchIO(base, o = {}) {
  const href = String(base instanceof URL ? base.href : new URL(String(base), globalThis.location?.href).href);
  const root = href.endsWith('/') ? href : `${href}/`;
  const doFetch = o.fetch ?? globalThis.fetch.bind(globalThis);
  /** @param {string} rel */
  const url = (rel) => new URL(rel.split('/').map(encodeURIComponent).join('/'), root).href;
  return {
    root,
    backend: 'onnxruntime-web',
    where: 'served',
    label: (rel) => url(rel),
    async read(rel) {
      let res;
      try {
        res = await doFetch(url(rel), { cache: 'no-cache', ...o.init });
      } catch (e) {
        throw new Error(`${url(rel)}: cannot be fetched (${e instanceof Error ? e.message : e})`);
      }
      if (res.status === 404 || res.status === 410) return null;
      if (!res.ok) throw new Error(`${url(rel)}: HTTP ${res.status} ${res.statusText}`);
      return new Uint8Array(await res.arrayBuffer());
    },
    sha256: sha256Hex,
    async createSession(bytes, opts) {
      return ort.InferenceSession.create(bytes, /** @type {any} */ (sessionOptions(opts)));
    },
    Tensor: ort.Tensor,
  };
}

/**
 * Verify and load a bundle from a folder URL (relative URLs resolve against the page).
 * @param {string | URL} url
 * @param {import('../index.js').LoadOptions} [options]
 * @returns {Promise<Bundle>}
 */
export async function loadBundle(url, options = {}) {
  const io = fetchIO(url);
  try {
    return await Bundle.open(io, options);
  } catch (e) {
    if (e instanceof Error && !(e instanceof EdgekdError)) {     // network / HTTP / WebCrypto problems
      throw new InvalidBundleError(e.message.startsWith('http') ? e.message : `${io.root}: ${e.message}`, { kind: 'missing', cause: e });
    }
    throw e;
  }
}

/**
 * Run the bundle's golden vectors on every model it lists (or `options.models`).
 * @param {Bundle | string | URL} bundle a loaded bundle or a bundle folder URL
 * @param {import('../index.js').SelftestOptions & import('../index.js').LoadOptions} [options]
 * @returns {Promise<import('../index.js').SelftestReport>}
 */
export async function selftest(bundle, options = {}) {
  const b = bundle instanceof Bundle ? bundle : await loadBundle(bundle, options);
  return runSelftest(b, options);
}

/** Versions of the libraries that run bundles here. */
export const versions = Object.freeze({ onnxruntime: ort.env.versions?.web ?? ort.env.versions?.common ?? 'unknown', backend: 'onnxruntime-web' });

export { Bundle };
