/**
 * `Bundle`: a verified edgekd bundle and `predict`, independent of where the files come from and which
 * onnxruntime runs the graph. The Node and browser entry points pass a `BundleIO` (file access, sha256,
 * session factory, Tensor class); everything else, and so every rule, lives here, shared.
 * Mirrors edgekd_runtime/verify.py (open_bundle) and bundle.py (Bundle.load / predict).
 * @module
 */
import { fitsOneBatch, windowedBatches } from './batching.js';
import {
  DEFAULT_BATCH_SIZE, DEFAULT_MAX_TOKENS, INPUT_IDS, INPUT_IDS_B, LENGTHS, LENGTHS_B, LOGITS, MANIFEST_FILE, SORT_WINDOW,
} from './contract.js';
import { padBatch } from './encoding.js';
import { EdgekdError, InputError, InvalidBundleError, pyList, pyRepr } from './errors.js';
import {
  checkRelPath, expectedInputs, parseManifest,
  sameSet, selectModel, jsonType,
} from './manifest.js';
import { argmax, pyRound, softmax32 } from './numeric.js';
import { ProtoError, parseModel } from './onnx.js';
import { WordPieces } from './tokenizer.js';


const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * @param {string} msg
 * @param {string} kind
 */
const invalid = (msg, kind) => new InvalidBundleError(msg, { kind });

/**
 * @param {Uint8Array} bytes
 * @param {string} label
 * @param {string} kind
 */
function decodeJson(bytes, label, kind) {
  try {
    return JSON.parse(UTF8.decode(bytes));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw invalid(`${label}: not valid JSON (${msg})`, kind);
  }
}

/**
 * Read manifest.json through `io` and validate it.
 * @param {import('../../index.js').BundleIO} io
 * @returns {Promise<import('../../index.js').Manifest>}
 */
export async function readManifest(io) {
  const label = io.label(MANIFEST_FILE);
  const bytes = await io.read(MANIFEST_FILE);
  if (bytes === null) throw invalid(`${label}: no manifest.json; is this an edgekd bundle?`, 'manifest');
  return parseManifest(decodeJson(bytes, label, 'manifest'));
}

/**
 * Check every listed file exists with the listed size and sha256 (verify.verify_files). Returns the bytes of
 * the files in `keep` (default: the tokenizer, every model and golden.json), each read once.
 * @param {import('../../index.js').BundleIO} io
 * @param {import('../../index.js').Manifest} manifest
 * @param {boolean} checkHashes
 * @param {Iterable<string>} [keepFiles]
 * @returns {Promise<Map<string, Uint8Array>>}
 */
export async function verifyFiles(io, manifest, checkHashes = true, keepFiles) {
  const listed = new Set(manifest.files.map((f) => f.path));
  const must = [manifest.tokenizer.file, ...manifest.models.map((m) => m.file), ...(manifest.golden ? [manifest.golden] : [])];
  for (const m of must) {
    if (!listed.has(m)) throw invalid(`manifest.json does not list ${pyRepr(m)} under files, so it cannot be verified`, 'manifest');
  }
  const keep = new Set(keepFiles ?? must);
  /** @type {Map<string, Uint8Array>} */
  const kept = new Map();
  for (const entry of manifest.files) {
    const bytes = await verifyEntry(io, entry, checkHashes, keep.has(entry.path));
    if (bytes) kept.set(entry.path, bytes);
  }
  return kept;
}

/**
 * Check one listed file: a plain relative path, present, of the listed size and sha256. Returns its bytes when
 * `keep` (read once, hashed from memory), else null.
 * @param {import('../../index.js').BundleIO} io
 * @param {import('../../index.js').FileEntry} entry
 * @param {boolean} checkHashes
 * @param {boolean} keep
 * @returns {Promise<Uint8Array | null>}
 */
export async function verifyEntry(io, entry, checkHashes, keep) {
  const rel = checkRelPath(entry.path);
  const label = io.label(rel);
  const missing = () => invalid(`${label}: listed in manifest.json but missing from the bundle`, 'missing');
  /** @param {number} got */
  const wrongSize = (got) => invalid(`${label}: ${got} bytes ${io.where ?? 'on disk'} but manifest.json says ${entry.bytes}; ` +
    'the bundle is corrupted or was modified', 'checksum');
  /** @type {Uint8Array | null} */
  let bytes = null;
  if (io.size) {                                     // size first, without reading (Node)
    const size = await io.size(rel);
    if (size === null) throw missing();
    if (size !== entry.bytes) throw wrongSize(size);
    if (!checkHashes && !keep) return null;
  }
  bytes = await io.read(rel);
  if (bytes === null) throw missing();
  if (bytes.length !== entry.bytes) throw wrongSize(bytes.length);
  if (checkHashes) {
    const digest = await io.sha256(bytes);
    if (digest !== entry.sha256.toLowerCase()) {
      throw invalid(`${label}: sha256 ${digest.slice(0, 16)}... does not match manifest.json ` +
        `(${entry.sha256.slice(0, 16)}...); the bundle is corrupted or was modified`, 'checksum');
    }
  }
  return keep ? bytes : null;
}

/**
 * Check the graph's inputs/outputs against the manifest; return the length of its id remap table
 * (verify.check_graph).
 * @param {import('../../index.js').OnnxModel} model
 * @param {import('../../index.js').Manifest} manifest
 * @param {import('../../index.js').ModelSpec} spec
 * @param {string} label
 */
export function checkGraph(model, manifest, spec, label) {
  const want = expectedInputs(manifest.pair);
  const got = model.graph.inputs.map((v) => v.name);
  if (!sameSet(spec.inputs, want)) {
    throw invalid(`manifest.json: model ${spec.file} declares inputs ${pyList(spec.inputs)}, but a ` +
      `${manifest.pair ? 'pair' : 'single-sentence'} bundle needs ${pyList(want)}`, 'model');
  }
  if (!sameSet(got, want)) throw invalid(`${label}: graph inputs are ${pyList(got)}, expected ${pyList(want)}`, 'model');
  const out = model.graph.outputs.find((v) => v.name === LOGITS);
  if (!out) {
    throw invalid(`${label}: graph has no output ${pyRepr(LOGITS)} (outputs: ${pyList(model.graph.outputs.map((v) => v.name))})`, 'model');
  }
  const last = out.shape && out.shape.length ? out.shape[out.shape.length - 1] : null;
  if (typeof last === 'number' && last > 0 && last !== manifest.labels.length) {
    throw invalid(`${label}: logits have ${last} columns but manifest.json lists ${manifest.labels.length} labels`, 'model');
  }
  /** @type {[boolean, number][]} */
  const tables = [];
  for (const node of model.graph.nodes) {
    if (node.opType === 'Gather' && node.inputs.length === 2) {
      const t = model.graph.initializers.get(node.inputs[0]);
      if (t && t.dims.length === 1 && (t.dataType === 6 || t.dataType === 7)) tables.push([node.name !== 'vocab_remap', t.dims[0]]);
    }
  }
  if (!tables.length) throw invalid(`${label}: no Gather reads the ids through an integer remap table`, 'model');
  tables.sort((a, b) => Number(a[0]) - Number(b[0]) || a[1] - b[1]);
  return tables[0][1];
}

/**
 * Tokenizer vocabulary, manifest vocab_size and the graph's remap table must agree (verify.check_vocab).
 * @param {number} tokVocab
 * @param {import('../../index.js').Manifest} manifest
 * @param {number} graphVocab
 * @param {string} label
 */
export function checkVocab(tokVocab, manifest, graphVocab, label) {
  const declared = manifest.tokenizer.vocab_size;
  if (!(tokVocab === declared && declared === graphVocab)) {
    throw invalid(`vocabulary sizes disagree: tokenizer ${manifest.tokenizer.file} has ${tokVocab}, ` +
      `manifest.json tokenizer.vocab_size says ${declared}, ${label} remaps ${graphVocab} ids`, 'vocab');
  }
  const t = manifest.tokenizer;
  const ids = [t.pad_id, t.unk_id, t.empty_id];
  if (!ids.every((i) => i >= 0 && i < tokVocab)) {
    throw invalid(`manifest.json tokenizer pad/unk/empty ids (${ids.join(', ')}) lie outside the vocabulary of ${tokVocab}`, 'vocab');
  }
  return tokVocab;
}

/** @param {unknown} x */
function typeName(x) {
  return jsonType(x);
}

export class Bundle {
  /**
   * Use `loadBundle` of the Node or browser entry point (or `Bundle.open` with your own BundleIO).
   * @param {{io: import('../../index.js').BundleIO, manifest: import('../../index.js').Manifest,
   *   spec: import('../../index.js').ModelSpec, tokenizer: WordPieces, session: import('../../index.js').OrtSession,
   *   files: Map<string, Uint8Array>, options: import('../../index.js').LoadOptions}} parts
   */
  constructor(parts) {
    /** @readonly */ this.io = parts.io;
    /** @readonly */ this.manifest = parts.manifest;
    /** @readonly */ this.spec = parts.spec;
    /** @readonly */ this.tokenizer = parts.tokenizer;
    /** @readonly */ this.session = parts.session;
    /** @private */ this._files = parts.files;
    /** @private */ this._options = parts.options;
    /** @private */ this._maxLen = parts.manifest.max_length;
    /** @private */ this._pad = parts.manifest.tokenizer.pad_id;
    /** @private */ this._empty = parts.manifest.tokenizer.empty_id;
    /** @private */ this._disposed = false;
  }

  /**
   * Release the onnxruntime session (its native or wasm memory). The bundle cannot predict afterwards (an
   * EdgekdError of kind "disposed"); a second call does nothing. A bundle from `withModel` has its own session:
   * dispose it too.
   * @returns {Promise<void>}
   */
  async dispose() {
    if (this._disposed) return;
    this._disposed = true;
    await this.session.release?.();
  }

  /** Whether `dispose()` was called. */
  get disposed() { return this._disposed; }

  /**
   * Verify and load a bundle through `io`: manifest (schema 1), every listed file's size and sha256, the
   * tokenizer, the graph's inputs/outputs and vocabulary, then an onnxruntime session of the chosen model.
   * @param {import('../../index.js').BundleIO} io
   * @param {import('../../index.js').LoadOptions} [options]
   * @returns {Promise<Bundle>}
   */
  static async open(io, options = {}) {
    const manifest = await readManifest(io);
    const spec = selectModel(manifest, options.model ?? null);
    const keep = [manifest.tokenizer.file, spec.file, ...(manifest.golden ? [manifest.golden] : [])];
    const files = await verifyFiles(io, manifest, options.verify ?? true, keep);
    const tokLabel = io.label(manifest.tokenizer.file);
    const tokJson = decodeJson(/** @type {Uint8Array} */ (files.get(manifest.tokenizer.file)), tokLabel, 'tokenizer');
    const tokenizer = new WordPieces(tokJson, tokLabel);
    files.delete(manifest.tokenizer.file);
    const session = await Bundle._session(io, manifest, spec, files, tokenizer, options);
    files.delete(spec.file);                                 // onnxruntime holds its own copy
    return new Bundle({ io, manifest, spec, tokenizer, session, files, options });
  }

  /**
   * @private
   * @param {import('../../index.js').BundleIO} io
   * @param {import('../../index.js').Manifest} manifest
   * @param {import('../../index.js').ModelSpec} spec
   * @param {Map<string, Uint8Array>} files
   * @param {WordPieces} tokenizer
   * @param {import('../../index.js').LoadOptions} options
   */
  static async _session(io, manifest, spec, files, tokenizer, options) {
    const label = io.label(spec.file);
    const data = /** @type {Uint8Array} */ (files.get(spec.file));
    let graph;
    try {
      graph = parseModel(data);
    } catch (e) {
      if (e instanceof ProtoError || e instanceof RangeError) throw invalid(`${label}: not a readable ONNX model (${e.message})`, 'model');
      throw e;
    }
    checkVocab(tokenizer.vocabSize, manifest, checkGraph(graph, manifest, spec, label), label);
    let session;
    try {
      session = await io.createSession(data, { threads: options.threads ?? 1, optimization: options.optimization ?? 'all' });
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).trim().split('\n')[0] || 'error';
      throw invalid(`${label}: onnxruntime cannot load the model: ${msg}`, 'model');
    }
    const want = expectedInputs(manifest.pair);
    if (!sameSet(session.inputNames, want)) {
      throw invalid(`${label}: graph inputs are ${pyList(session.inputNames)}, expected ${pyList(want)}`, 'model');
    }
    if (!session.outputNames.includes(LOGITS)) {
      throw invalid(`${label}: graph has no output ${pyRepr(LOGITS)} (outputs: ${pyList(session.outputNames)})`, 'model');
    }
    return session;
  }

  /**
   * The same bundle running another of its models (file name or precision), sharing the verified files.
   * @param {string} model
   * @returns {Promise<Bundle>}
   */
  async withModel(model) {
    const spec = selectModel(this.manifest, model);
    if (spec.file === this.spec.file) return this;
    // Read and verify the model again (size and sha256 against the manifest): files may have changed since load.
    const entry = /** @type {import('../../index.js').FileEntry} */ (this.manifest.files.find((f) => f.path === spec.file));
    const data = /** @type {Uint8Array} */ (await verifyEntry(this.io, entry, this._options.verify ?? true, true));
    const session = await Bundle._session(this.io, this.manifest, spec, new Map([[spec.file, data]]), this.tokenizer, this._options);
    return new Bundle({ io: this.io, manifest: this.manifest, spec, tokenizer: this.tokenizer, session,
      files: this._files, options: this._options });
  }

  /**
   * Verified bytes of golden.json (the one file kept after loading); undefined for any other file.
   * @param {string} path
   */
  fileBytes(path) {
    return this._files.get(path);
  }

  /** Label names in class-id order. */
  get labels() { return this.manifest.labels; }
  /** Whether the model takes (text, text_pair) pairs. */
  get pair() { return this.manifest.pair; }
  /** Word pieces per sentence; longer input is truncated and flagged. */
  get maxLength() { return this._maxLen; }
  /** Where the bundle was loaded from. */
  get root() { return this.io.root; }

  /**
   * Word-piece ids of one text before truncation (no special tokens).
   * @param {string} text
   */
  pieces(text) {
    return this.tokenizer.encodeIds(text);
  }

  /**
   * @private
   * @param {unknown[]} items
   */
  _check(items) {
    const task = this.manifest.task;
    items.forEach((x, i) => {
      if (this.pair) {
        if (typeof x === 'string') {
          throw new InputError(`item ${i}: this is a pair model (${task}); give [text, text_pair] pairs, not single strings`, { kind: 'arity' });
        }
        if (!Array.isArray(x) || x.length !== 2) {
          throw new InputError(`item ${i}: a pair model needs [text, text_pair], got ${typeName(x)}` +
            `${Array.isArray(x) ? ' of length ' + x.length : ''}`, { kind: 'arity' });
        }
        if (typeof x[0] !== 'string' || typeof x[1] !== 'string') throw new InputError(`item ${i}: both parts of a pair must be strings`);
      } else if (typeof x !== 'string') {
        if (Array.isArray(x)) {
          throw new InputError(`item ${i}: this is a single-sentence model (${task}); got a pair/sequence instead of one string`, { kind: 'arity' });
        }
        throw new InputError(`item ${i}: expected a string, got ${typeName(x)}`);
      }
    });
  }

  /**
   * Classify texts (single-sentence bundle) or [text, text_pair] pairs (pair bundle), in input order.
   * Rows are sorted by padded length and cut into batches of at most `batchSize` rows and `maxTokens`
   * padded word pieces (null: no cap); a set that fits one batch runs unsorted.
   * @param {string | Iterable<string> | Iterable<[string, string]>} items
   * @param {import('../../index.js').PredictOptions} [options]
   * @returns {Promise<import('../../index.js').Prediction>}
   */
  async predict(items, options = {}) {
    /** @type {unknown[]} */
    let list;
    if (typeof items === 'string') list = [items];
    else if (Array.isArray(items)) list = items;
    else if (items !== null && typeof items === 'object' && Symbol.iterator in items) list = Array.from(/** @type {Iterable<unknown>} */ (items));
    else throw new InputError(`expected a string or a list of ${this.pair ? '[text, text_pair] pairs' : 'strings'}, got ${typeName(items)}`);
    this._check(list);
    const batchSize = Math.max(1, Math.trunc(options.batchSize ?? DEFAULT_BATCH_SIZE));
    const maxTokens = options.maxTokens === undefined ? DEFAULT_MAX_TOKENS : options.maxTokens;
    const n = list.length;
    const nSides = this.pair ? 2 : 1;
    /** @type {number[][][]} */
    const sides = [];
    for (let s = 0; s < nSides; s++) {
      sides.push(list.map((x) => this.tokenizer.encodeIds(/** @type {string} */ (this.pair ? /** @type {string[]} */ (x)[s] : x))));
    }
    const truncated = new Array(n).fill(false), empty = new Array(n).fill(false);
    const key = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let w = 0;
      for (const side of sides) {
        const len = side[i].length;
        if (len > this._maxLen) truncated[i] = true;
        if (len === 0) empty[i] = true;
        w = Math.max(w, Math.min(len, this._maxLen));
      }
      key[i] = w * nSides;
    }
    const logits = await this._runBucketed(sides, key, batchSize, maxTokens);
    return this._result(logits, truncated, empty);
  }

  /**
   * @private
   * @param {number[][][]} sides
   * @param {Float64Array} key
   * @param {number} batch
   * @param {number | null} maxTokens
   * @returns {Promise<Float32Array[]>}
   */
  async _runBucketed(sides, key, batch, maxTokens) {
    const n = key.length;
    if (n === 0) return [];
    if (n <= SORT_WINDOW && fitsOneBatch(key, batch, maxTokens)) return this._run(sides);
    /** @type {Float32Array[]} */
    const out = new Array(n);
    for (const idx of windowedBatches(key, batch, maxTokens)) {
      const rows = await this._run(sides.map((side) => idx.map((i) => side[i])));
      idx.forEach((i, k) => { out[i] = rows[k]; });
    }
    return out;
  }

  /**
   * One session.run over rows of id lists (one list per side). Returns one float32 logits row per input.
   * @private
   * @param {number[][][]} sides
   * @returns {Promise<Float32Array[]>}
   */
  async _run(sides) {
    if (this._disposed) throw new EdgekdError(`${this.root}: this bundle was disposed; load it again to predict`, { kind: 'disposed' });
    const T = this.io.Tensor;
    /** @type {Record<string, unknown>} */
    const feeds = {};
    const names = [[INPUT_IDS, LENGTHS], [INPUT_IDS_B, LENGTHS_B]];
    sides.forEach((side, s) => {
      const enc = padBatch(side, this._maxLen, this._pad, this._empty);
      feeds[names[s][0]] = new T('int64', enc.ids, [enc.rows, enc.width]);
      feeds[names[s][1]] = new T('int64', enc.lengths, [enc.rows]);
    });
    const res = await this.session.run(feeds);
    const out = res[LOGITS];
    const data = /** @type {Float32Array} */ (out.data);
    const rows = sides[0].length;
    const C = rows ? data.length / rows : 0;
    /** @type {Float32Array[]} */
    const list = new Array(rows);
    for (let i = 0; i < rows; i++) list[i] = data.slice(i * C, (i + 1) * C);
    return list;
  }

  /**
   * @private
   * @param {Float32Array[]} logits
   * @param {boolean[]} truncated
   * @param {boolean[]} empty
   * @returns {import('../../index.js').Prediction}
   */
  _result(logits, truncated, empty) {
    const names = this.manifest.labels;
    const labelIds = logits.map((row) => argmax(row));
    const truncatedRows = [], emptyRows = [];
    for (let i = 0; i < truncated.length; i++) {
      if (truncated[i]) truncatedRows.push(i);
      if (empty[i]) emptyRows.push(i);
    }
    return {
      labels: labelIds.map((i) => names[i]),
      labelIds,
      probabilities: logits.map((row) => softmax32(row)),
      logits: logits.map((row) => Array.from(row)),
      truncated,
      metadata: {
        backend: this.io.backend, model: this.spec.file, precision: this.spec.precision, maxLength: this._maxLen,
        numTruncated: truncatedRows.length, truncatedRows, emptyRows,
      },
    };
  }

  /** The manifest plus where it was loaded from and how it runs. */
  info() {
    return { path: this.io.root, backend: this.io.backend, model: this.spec.file, manifest: this.manifest };
  }
}

/**
 * One JSON-able record per row, as `Prediction.records` in Python: label, score (6 decimals), probs when asked,
 * truncated when the row was cut.
 * @param {import('../../index.js').Prediction} pred
 * @param {{probs?: boolean, labelNames?: readonly string[]}} [options]
 * @returns {import('../../index.js').PredictionRecord[]}
 */
export function records(pred, options = {}) {
  const names = options.labelNames ?? [];
  return pred.labels.map((label, i) => {
    /** @type {import('../../index.js').PredictionRecord} */
    const rec = { label, score: pyRound(pred.probabilities[i][pred.labelIds[i]], 6) };
    if (options.probs) {
      /** @type {Record<string, number>} */
      const p = {};
      names.forEach((n, j) => { if (j < pred.probabilities[i].length) p[n] = pyRound(pred.probabilities[i][j], 6); });
      rec.probs = p;
    }
    if (pred.truncated[i]) rec.truncated = true;
    return rec;
  });
}
