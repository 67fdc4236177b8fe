/**
 * manifest.json: parse and validate it exactly as `edgekd_runtime.manifest.Manifest.from_dict` does.
 * The manifest keeps its JSON (snake_case) field names; see `Manifest` in index.d.ts.
 * @module
 */
import {
  FILE_ENTRY_FIELDS as FILE_FIELDS, INPUT_IDS, INPUT_IDS_B, LENGTHS, LENGTHS_B, LOGITS, MODEL_SPEC_FIELDS as MODEL_FIELDS,
  SUPPORTED_SCHEMA_VERSIONS, TOKENIZER_DEFAULTS,
} from './contract.js';
import { InvalidBundleError, pyList, pyRepr } from './errors.js';

/**
 * @param {string} msg
 * @param {string} [kind]
 */
const bad = (msg, kind = 'manifest') => new InvalidBundleError(msg, { kind });

/** @param {unknown} x */
const isObject = (x) => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * @param {unknown} v
 * @param {string} what
 */
function int(v, what) {
  const n = typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n === 'boolean') return n ? 1 : 0;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw bad(`manifest.json has a malformed entry: ${what} must be an integer, got ${JSON.stringify(v)}`);
  }
  return n;
}

/**
 * Python's truthiness for JSON values (bool(raw["pair"])).
 * @param {unknown} v
 */
function truthy(v) {
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(/** @type {object} */ (v)).length > 0;
  return Boolean(v);
}

/**
 * @param {unknown} raw
 * @param {readonly string[]} allowed
 * @param {readonly string[]} required
 * @param {string} cls
 * @returns {Record<string, any>}
 */
function entry(raw, allowed, required, cls) {
  if (!isObject(raw)) {
    throw bad(`manifest.json has a malformed entry: ${cls}() argument after ** must be a mapping, not ${jsonType(raw)}`);
  }
  const obj = /** @type {Record<string, any>} */ (raw);
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      throw bad(`manifest.json has a malformed entry: ${cls}.__init__() got an unexpected keyword argument ${pyRepr(k)}`);
    }
  }
  const missing = required.filter((k) => !(k in obj));
  if (missing.length) {
    throw bad(`manifest.json has a malformed entry: ${cls}.__init__() missing ${missing.length} required ` +
      `positional argument${missing.length > 1 ? 's' : ''}: ${missing.map(pyRepr).join(' and ')}`);
  }
  return obj;
}

/** @param {unknown} x */
export function jsonType(x) {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'list';
  if (typeof x === 'object') return 'dict';
  if (typeof x === 'string') return 'str';
  if (typeof x === 'boolean') return 'bool';
  if (typeof x === 'number') return Number.isInteger(x) ? 'int' : 'float';
  return typeof x;
}

/**
 * @param {Record<string, any>} raw
 * @param {string} key
 */
function need(raw, key) {
  if (!(key in raw)) throw bad(`manifest.json lacks the field ${pyRepr(key)}`);
  return raw[key];
}

/**
 * @param {unknown} v
 * @param {string} what
 * @returns {any[]}
 */
function list(v, what) {
  if (!Array.isArray(v)) throw bad(`manifest.json has a malformed entry: ${what} must be a list, got ${jsonType(v)}`);
  return v;
}

/**
 * @param {unknown} v
 * @param {string} what
 */
function str(v, what) {
  if (typeof v !== 'string') throw bad(`manifest.json has a malformed entry: ${what} must be a string, got ${jsonType(v)}`);
  return v;
}

/**
 * Validate a parsed manifest.json (the same checks and messages as `Manifest.from_dict`).
 * @param {unknown} raw
 * @returns {import('../../index.js').Manifest}
 */
export function parseManifest(raw) {
  if (!isObject(raw)) throw bad('manifest.json must hold a JSON object');
  const r = /** @type {Record<string, any>} */ (raw);
  const version = r.schema_version;
  if (!SUPPORTED_SCHEMA_VERSIONS.includes(version) || typeof version !== 'number') {
    throw bad(`bundle schema version ${pyRepr(version === undefined ? null : version)} is not supported by this ` +
      `runtime (supported: ${pyList(SUPPORTED_SCHEMA_VERSIONS)}); upgrade edgekd or re-export the bundle`, 'schema');
  }
  const tokRaw = entry(need(r, 'tokenizer'), Object.keys(TOKENIZER_DEFAULTS), [], 'TokenizerSpec');
  const t = { ...TOKENIZER_DEFAULTS, ...tokRaw };
  const tokenizer = {
    file: str(t.file, 'tokenizer.file'), vocab_size: int(t.vocab_size, 'tokenizer.vocab_size'),
    add_special_tokens: Boolean(t.add_special_tokens), pad_id: int(t.pad_id, 'tokenizer.pad_id'),
    unk_id: int(t.unk_id, 'tokenizer.unk_id'), empty_id: int(t.empty_id, 'tokenizer.empty_id'),
  };
  const models = list(need(r, 'models'), 'models').map((m, i) => {
    if (isObject(m) && !('inputs' in m)) throw bad(`manifest.json lacks the field 'inputs'`);
    const e = entry(m, MODEL_FIELDS, ['file', 'precision', 'opset', 'ir_version', 'inputs'], 'ModelSpec');
    return {
      file: str(e.file, `models[${i}].file`), precision: str(e.precision, `models[${i}].precision`),
      opset: int(e.opset, `models[${i}].opset`), ir_version: int(e.ir_version, `models[${i}].ir_version`),
      inputs: list(e.inputs, `models[${i}].inputs`).map((x) => String(x)),
      outputs: e.outputs === undefined ? [LOGITS] : list(e.outputs, `models[${i}].outputs`).map((x) => String(x)),
    };
  });
  const files = list(need(r, 'files'), 'files').map((f, i) => {
    const e = entry(f, FILE_FIELDS, FILE_FIELDS, 'FileEntry');
    return {
      path: str(e.path, `files[${i}].path`), sha256: str(e.sha256, `files[${i}].sha256`),
      bytes: int(e.bytes, `files[${i}].bytes`), role: str(e.role, `files[${i}].role`),
    };
  });
  const manifest = {
    task: String(need(r, 'task')),
    labels: list(need(r, 'labels'), 'labels').map((x) => String(x)),
    pair: truthy(need(r, 'pair')),
    max_length: int(need(r, 'max_length'), 'max_length'),
    tokenizer,
    models,
    default_model: String(need(r, 'default_model')),
    files,
    quantization: isObject(r.quantization) ? r.quantization : {},
    metrics: isObject(r.metrics) ? r.metrics : {},
    student: isObject(r.student) ? r.student : {},
    provenance: isObject(r.provenance) ? r.provenance : {},
    edgekd_version: String(r.edgekd_version ?? '0.0.0'),
    schema_version: version,
    golden: truthy(r.golden) ? String(r.golden) : null,
  };
  selectModel(manifest); // default_model must name a listed model
  if (manifest.labels.length < 2) throw bad('manifest.json must list at least two labels');
  return manifest;
}

/**
 * The model spec for a file name or precision ("fp32"/"int8"); default: `default_model` (Manifest.model).
 * @param {import('../../index.js').Manifest} manifest
 * @param {string | null} [want]
 * @returns {import('../../index.js').ModelSpec}
 */
export function selectModel(manifest, want) {
  const w = want || manifest.default_model;
  for (const spec of manifest.models) {
    if (spec.file === w || spec.precision === w) return spec;
  }
  throw bad(`manifest lists no model ${pyRepr(w)}; it has ${pyList(manifest.models.map((m) => m.file))}`);
}

/**
 * Graph inputs a single-sentence or pair bundle must have.
 * @param {boolean} pair
 * @returns {string[]}
 */
export function expectedInputs(pair) {
  return pair ? [INPUT_IDS, LENGTHS, INPUT_IDS_B, LENGTHS_B] : [INPUT_IDS, LENGTHS];
}

/**
 * Reject absolute paths, `..` and empty names (verify._resolve). Returns the normalised relative path.
 * @param {string} rel
 * @returns {string}
 */
export function checkRelPath(rel) {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  if (!rel || rel.startsWith('/') || /^[A-Za-z]:[\\/]/.test(rel) || rel.includes('\\') || parts.includes('..') || !parts.length) {
    throw bad(`manifest.json lists the file ${pyRepr(rel)}, which is not a plain path inside the bundle`);
  }
  return parts.join('/');
}

/**
 * @param {unknown} a
 * @param {unknown} b
 */
export function sameSet(a, b) {
  const A = new Set(/** @type {Iterable<unknown>} */ (a)), B = new Set(/** @type {Iterable<unknown>} */ (b));
  return A.size === B.size && [...A].every((x) => B.has(x));
}
