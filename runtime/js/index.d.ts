// Type declarations of edgekd-runtime (hand-written; the sources are plain JavaScript with JSDoc).
// One declaration file serves the Node entry ("node" condition: file system + onnxruntime-node) and the browser
// entry ("browser"/"default": fetch + WebCrypto + onnxruntime-web); their differences are noted per function.

// ------------------------------------------------------------------ errors

/** Base class of every error the runtime raises on purpose. */
export declare class EdgekdError extends Error {
  constructor(message: string, options?: { kind?: string; cause?: unknown });
  /** The Python runtime's exception class this corresponds to, in lower case (see the subclasses). */
  readonly kind: string;
}

/** The bundle is missing, corrupt, of an unsupported schema, or cannot run here (CLI exit 3). */
export declare class InvalidBundleError extends EdgekdError {
  readonly kind: 'manifest' | 'schema' | 'missing' | 'checksum' | 'tokenizer' | 'vocab' | 'model' | 'golden' | 'backend' | string;
}

/** The caller's input is wrong (CLI exit 2); kind "arity": strings given to a pair model or pairs to a single one. */
export declare class InputError extends EdgekdError {
  readonly kind: 'input' | 'arity' | string;
}

/** The CLI's exit codes: 0 ok, 2 usage or input, 3 invalid bundle or failed check, 130 interrupted (SIGINT). */
export declare const EXIT: Readonly<{ OK: 0; INPUT: 2; BUNDLE: 3; INTERRUPTED: 130 }>;

// ------------------------------------------------------------------ manifest

export interface TokenizerSpec {
  file: string;
  vocab_size: number;
  add_special_tokens: boolean;
  pad_id: number;
  unk_id: number;
  empty_id: number;
}

export interface ModelSpec {
  file: string;
  precision: 'fp32' | 'int8' | string;
  opset: number;
  ir_version: number;
  inputs: string[];
  outputs: string[];
}

export interface FileEntry {
  path: string;
  sha256: string;
  bytes: number;
  role: 'model' | 'tokenizer' | 'readme' | 'golden' | 'other' | string;
}

/** manifest.json (schema version 1), validated; field names as in the file. */
export interface Manifest {
  task: string;
  labels: string[];
  pair: boolean;
  max_length: number;
  tokenizer: TokenizerSpec;
  models: ModelSpec[];
  default_model: string;
  files: FileEntry[];
  quantization: Record<string, unknown>;
  metrics: Record<string, unknown>;
  student: Record<string, unknown>;
  provenance: Record<string, unknown>;
  edgekd_version: string;
  schema_version: number;
  /** golden.json's file name, or null in bundles exported before golden vectors existed. */
  golden: string | null;
}

export declare const SCHEMA_VERSION: 1;
export declare const SUPPORTED_SCHEMA_VERSIONS: readonly number[];
export declare const MANIFEST_FILE: 'manifest.json';
export declare const INPUT_IDS: 'input_ids';
export declare const LENGTHS: 'lengths';
export declare const INPUT_IDS_B: 'input_ids_b';
export declare const LENGTHS_B: 'lengths_b';
export declare const LOGITS: 'logits';
export declare function parseManifest(raw: unknown): Manifest;
export declare function selectModel(manifest: Manifest, want?: string | null): ModelSpec;
export declare function expectedInputs(pair: boolean): string[];

// ------------------------------------------------------------------ encoding and batching

/** A padded batch: ids int64 [rows, width] (row-major), lengths int64 [rows]. */
export interface Encoded {
  ids: BigInt64Array;
  lengths: BigInt64Array;
  truncated: boolean[];
  rows: number;
  width: number;
}
export declare function padBatch(idLists: readonly (readonly number[])[], maxLength: number, padId?: number, emptyId?: number): Encoded;
export declare function rowIds(ids: readonly number[], maxLength: number, emptyId: number): number[];
/** Rows sorted together: inputs are cut into windows of this many consecutive rows (schedule.py SORT_WINDOW). */
export declare const SORT_WINDOW: 1024;
export declare function argsortStable(key: ArrayLike<number>): number[];
export declare function batches(order: readonly number[], key: ArrayLike<number>, batch: number, maxTokens: number | null): number[][];
export declare function fitsOneBatch(key: ArrayLike<number>, batch: number, maxTokens: number | null): boolean;
/** predict()'s batches: windows of SORT_WINDOW rows, each sorted by `key` and cut within both caps (row indices). */
export declare function windowedBatches(key: ArrayLike<number>, batch: number, maxTokens: number | null): number[][];
export declare function softmax32(row: ArrayLike<number>): number[];
export declare function argmax(row: ArrayLike<number>): number;
/** Python's round(x, ndigits). */
export declare function pyRound(x: number, ndigits?: number): number;
/** Python's float repr. */
export declare function pyFloat(x: number): string;
/** Python's json.dumps(value, ensure_ascii=False). */
export declare function pyDumps(value: unknown): string;

/** The bundle's tokenizer.json (word pieces, no special tokens, no padding or truncation). */
export declare class WordPieces {
  constructor(json: unknown, label: string);
  readonly vocabSize: number;
  encodeIds(text: string): number[];
}
export declare function vocabSize(tokenizerJson: unknown): number;

// ------------------------------------------------------------------ ONNX structure (checks and tests)

export interface OnnxTensorInfo { name: string; dataType: number; dims: number[]; rawOffset: number | null; rawLength: number | null }
export interface OnnxValueInfo { name: string; elemType: number; shape: (number | string | null)[] | null }
export interface OnnxNode { opType: string; domain: string; name: string; inputs: string[]; outputs: string[] }
export interface OnnxGraph { name: string; nodes: OnnxNode[]; initializers: Map<string, OnnxTensorInfo>; inputs: OnnxValueInfo[]; outputs: OnnxValueInfo[] }
export interface OnnxModel { irVersion: number; opsets: Record<string, number>; producer: string; graph: OnnxGraph }
export declare class ProtoError extends Error {}
export declare function parseModel(data: Uint8Array): OnnxModel;

// ------------------------------------------------------------------ bundle and predict

/** The onnxruntime session surface the runtime uses (onnxruntime-node and onnxruntime-web both provide it). */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
  /** Free the session's native (Node) or wasm (browser) memory; Bundle.dispose() calls it. */
  release?(): Promise<void>;
}

/** Where a bundle's files come from and how its models run; the Node and browser entries provide one. */
export interface BundleIO {
  /** The bundle's path or URL, for messages. */
  root: string;
  /** "onnxruntime-node" or "onnxruntime-web". */
  backend: string;
  /** How sizes are described in messages ("on disk", "served"). */
  where?: string;
  /** Path or URL of a bundle file, for messages. */
  label(rel: string): string;
  /** The file's bytes, or null when it does not exist. */
  read(rel: string): Promise<Uint8Array | null>;
  /** The file's size without reading it, or null when it does not exist (optional). */
  size?(rel: string): Promise<number | null>;
  /** Lower-case hex sha256. */
  sha256(bytes: Uint8Array): Promise<string>;
  createSession(model: Uint8Array, options: { threads: number; optimization: string }): Promise<OrtSession>;
  /** onnxruntime's Tensor class. */
  Tensor: new (type: 'int64', data: BigInt64Array, dims: readonly number[]) => unknown;
}

export interface LoadOptions {
  /** A model file name or precision ("fp32" / "int8") from the manifest; default: `default_model`. */
  model?: string | null;
  /** Check every file's sha256 (sizes and presence are always checked). Default true. */
  verify?: boolean;
  /** Intra-op threads (Node; default 1). The browser always runs one wasm thread. */
  threads?: number;
  /** Graph optimisation level: "disabled" | "basic" | "extended" | "all" (default). */
  optimization?: 'disabled' | 'disable' | 'basic' | 'extended' | 'all';
}

export interface PredictOptions {
  /** Rows per batch at most (default 64). */
  batchSize?: number;
  /** Padded word pieces per batch at most, rows x longest row (default 512; null: no cap). */
  maxTokens?: number | null;
}

export interface PredictionMetadata {
  backend: string;
  model: string;
  precision: string;
  maxLength: number;
  numTruncated: number;
  truncatedRows: number[];
  emptyRows: number[];
}

/** Results in input order. */
export interface Prediction {
  /** Label names (manifest `labels`). */
  labels: string[];
  labelIds: number[];
  /** Softmax of the logits (float32 values), one row per input. */
  probabilities: number[][];
  /** float32 logits [rows][num_labels]. */
  logits: number[][];
  /** Whether a sentence of the row was longer than max_length and was cut. */
  truncated: boolean[];
  metadata: PredictionMetadata;
}

/** One output record of `edgekd-run predict`. */
export interface PredictionRecord {
  label: string;
  score: number;
  probs?: Record<string, number>;
  truncated?: true;
}

/** A pair bundle's input. */
export type TextPair = readonly [text: string, textPair: string];

export declare const DEFAULT_BATCH_SIZE: 64;
export declare const DEFAULT_MAX_TOKENS: 512;

export declare class Bundle {
  /** Verify and load a bundle through your own BundleIO (loadBundle does this for you). */
  static open(io: BundleIO, options?: LoadOptions): Promise<Bundle>;
  readonly io: BundleIO;
  readonly manifest: Manifest;
  /** The model this bundle runs. */
  readonly spec: ModelSpec;
  readonly tokenizer: WordPieces;
  readonly session: OrtSession;
  readonly labels: string[];
  readonly pair: boolean;
  readonly maxLength: number;
  readonly root: string;
  /** The same bundle running another of its models (file or precision), sharing the verified files. */
  withModel(model: string): Promise<Bundle>;
  /** Verified bytes of golden.json (the one file kept after loading); undefined for any other file. */
  fileBytes(path: string): Uint8Array | undefined;
  /** Word-piece ids of one text before truncation. */
  pieces(text: string): number[];
  /**
   * Classify strings (single-sentence bundle) or [text, text_pair] pairs (pair bundle), in input order.
   * Throws InputError for wrong types or arity.
   */
  predict(items: string | Iterable<string> | Iterable<TextPair>, options?: PredictOptions): Promise<Prediction>;
  info(): { path: string; backend: string; model: string; manifest: Manifest };
  /**
   * Release the onnxruntime session (native memory in Node, wasm memory in the browser). predict() then throws an
   * EdgekdError of kind "disposed"; a second call does nothing. Bundles from withModel() have their own session.
   */
  dispose(): Promise<void>;
  /** Whether dispose() was called. */
  readonly disposed: boolean;
}

export declare function records(prediction: Prediction, options?: { probs?: boolean; labelNames?: readonly string[] }): PredictionRecord[];
export declare function readManifest(io: BundleIO): Promise<Manifest>;
export declare function verifyFiles(io: BundleIO, manifest: Manifest, checkHashes?: boolean, keepFiles?: Iterable<string>): Promise<Map<string, Uint8Array>>;
export declare function verifyEntry(io: BundleIO, entry: FileEntry, checkHashes: boolean, keep: boolean): Promise<Uint8Array | null>;
export declare function checkGraph(model: OnnxModel, manifest: Manifest, spec: ModelSpec, label: string): number;
export declare function checkVocab(tokenizerVocab: number, manifest: Manifest, graphVocab: number, label: string): number;

// ------------------------------------------------------------------ golden vectors

export interface GoldenInput {
  name: string;
  text: string;
  textPair: string | null;
  ids: number[];
  idsB: number[] | null;
  pieces: number | null;
  piecesB: number | null;
  truncated: boolean;
  /** model file -> expected logits and label */
  expected: Record<string, { logits: number[]; label: string; batchedLogits: number[] }>;
}

export interface Golden {
  labels: string[];
  pair: boolean;
  maxLength: number;
  tolerance: Record<string, number>;
  inputs: GoldenInput[];
  /** predict() batching of the batched expectations ({batch_size, max_tokens} in golden.json; default 64 / 512) */
  batching: { batchSize: number; maxTokens: number };
  raw: Record<string, unknown>;
}

export interface SelftestOptions {
  /** Model files or precisions to check (default: every model in the manifest). */
  models?: readonly string[];
  /** Batching of the batched pass (defaults as predict). */
  batchSize?: number;
  maxTokens?: number | null;
}

export interface SelftestFailure {
  /** The golden input's name. */
  input: string;
  text: string;
  textPair: string | null;
  /** "input 'name' (\"text\")" */
  description: string;
  /** The model file, or null for an encoding mismatch. */
  model: string | null;
  /** "ids" | "ids_b" | "truncated" | "logits (batch 1)" | "logits (batched)" | "label (batch 1)" | "label (batched)" | "truncated (predict)" | "expected" */
  what: string;
  expected: unknown;
  got: unknown;
  tolerance?: number;
  diff?: number;
  /** The mismatch in the Python runtime's words (after the input's description). */
  detail: string;
}

export interface SelftestReport {
  ok: boolean;
  bundle: string;
  backend: string;
  /** Number of golden inputs. */
  inputs: number;
  /** Model files checked. */
  models: string[];
  /** How many comparisons of each kind were made. */
  checked: { ids: number; truncated: number; single: number; batched: number; labels: number };
  failures: number;
  /** Largest |logit difference| per model file (batch 1 and batched together). */
  maxAbsDiff: Record<string, number>;
  maxAbsDiffSingle: Record<string, number>;
  maxAbsDiffBatched: Record<string, number>;
  firstFailure: SelftestFailure | null;
  /** One line, worded as edgekd_runtime's SelftestReport.summary() (what the CLI prints). */
  summary: string;
}

export declare const GOLDEN_FILE: 'golden.json';
export declare const GOLDEN_FORMAT: 'edgekd-golden';
export declare const GOLDEN_VERSION: 1;
export declare const TOLERANCE: Readonly<{ fp32: number; int8: number }>;
export declare function tolerance(precision: string, expected: readonly number[], table?: Readonly<Record<string, number>>): number;
export declare function margin(logits: readonly number[]): number;
export declare function parseGolden(raw: unknown, manifest: Manifest, where?: string): Golden;
export declare function readGolden(bundle: Bundle): Golden;
export declare function runSelftest(bundle: Bundle, options?: SelftestOptions): Promise<SelftestReport>;
export declare function summarize(report: SelftestReport): string;
export declare function describeInput(input: GoldenInput, width?: number): string;

// ------------------------------------------------------------------ CLI input helpers

export declare const MODES: readonly ['auto', 'text', 'jsonl'];
export declare function iterItems(lines: AsyncIterable<string> | Iterable<string>, pair: boolean, mode?: 'auto' | 'text' | 'jsonl'): AsyncGenerator<string | [string, string]>;
export declare function splitLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string>;
export declare function chunks<T>(items: AsyncIterable<T> | Iterable<T>, size: number): AsyncGenerator<T[]>;
export declare function isBlank(line: string): boolean;

// ------------------------------------------------------------------ entry points

/**
 * Verify and load a bundle.
 * Node: `source` is a directory (or its manifest.json). Browser: a URL of the bundle folder (relative URLs
 * resolve against the page).
 */
export declare function loadBundle(source: string | URL, options?: LoadOptions): Promise<Bundle>;

/** Run the bundle's golden vectors on every model it lists (or options.models). */
export declare function selftest(bundle: Bundle | string | URL, options?: SelftestOptions & LoadOptions): Promise<SelftestReport>;

/** Versions of what runs bundles here. */
export declare const versions: Readonly<{ onnxruntime: string; backend: string }>;

/** Browser only: where onnxruntime-web finds its .wasm files (a URL prefix ending in "/"), before the first load. */
export declare function configureWasm(options: { wasmPaths?: string; numThreads?: number }): void;

/** Node only: onnxruntime-node session options as the runtime sets them. */
export declare function sessionOptions(options?: { threads?: number; optimization?: string }): Record<string, unknown>;

/** Node only: a BundleIO over a bundle directory (node:fs, node:crypto, onnxruntime-node). */
export declare function fileIO(dir: string): BundleIO;

/** Node only: the bundle directory for a path (a directory or its manifest.json); InvalidBundleError when absent. */
export declare function bundleRoot(path: string): string;

/** Browser only: a BundleIO over a folder URL (fetch, WebCrypto, onnxruntime-web); 404/410 count as missing files. */
export declare function fetchIO(base: string | URL, options?: { fetch?: typeof fetch; init?: RequestInit }): BundleIO;

/**
 * Node only: the onnxruntime-node module the runtime uses (typed loosely here, so that the declarations do not
 * need onnxruntime-node's own types; cast to `typeof import('onnxruntime-node')` where you have them).
 */
export declare const ort: {
  readonly env: { readonly versions?: Record<string, string | undefined>; [key: string]: unknown };
  readonly InferenceSession: { create(model: Uint8Array | string, options?: Record<string, unknown>): Promise<OrtSession> };
  readonly Tensor: BundleIO['Tensor'];
  readonly [name: string]: unknown;
};
