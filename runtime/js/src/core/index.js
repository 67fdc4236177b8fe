/**
 * The platform-neutral core of edgekd-runtime: errors, manifest, encoding, batching, the bundle and predict,
 * golden vectors. It imports neither Node built-ins nor browser APIs nor any onnxruntime; the Node and browser
 * entry points supply a BundleIO.
 * @module
 */
export { EdgekdError, InvalidBundleError, InputError, EXIT } from './errors.js';
export {
  SCHEMA_VERSION, SUPPORTED_SCHEMA_VERSIONS, MANIFEST_FILE, INPUT_IDS, LENGTHS, INPUT_IDS_B, LENGTHS_B, LOGITS,
  parseManifest, selectModel, expectedInputs,
} from './manifest.js';
export { padBatch, rowIds } from './encoding.js';
export { SORT_WINDOW, argsortStable, batches, fitsOneBatch, windowedBatches } from './batching.js';
export { softmax32, argmax, pyRound, pyFloat, pyDumps } from './numeric.js';
export { parseModel, ProtoError } from './onnx.js';
export { WordPieces, vocabSize } from './tokenizer.js';
export { Bundle, records, readManifest, verifyFiles, verifyEntry, checkGraph, checkVocab, DEFAULT_BATCH_SIZE, DEFAULT_MAX_TOKENS } from './bundle.js';
export {
  GOLDEN_FILE, GOLDEN_FORMAT, GOLDEN_VERSION, TOLERANCE, tolerance, margin, parseGolden, readGolden, runSelftest,
  summarize, describeInput,
} from './golden.js';
export { MODES, iterItems, splitLines, chunks, isBlank } from './textio.js';
