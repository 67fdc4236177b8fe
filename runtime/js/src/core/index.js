/**
 * The platform-neutral core of edgekd-runtime: errors, manifest, encoding, batching, the bundle and predict,
 * golden vectors. It imports neither Node built-ins nor browser APIs nor any onnxruntime; the Node and browser
 * entry points supply a BundleIO.
 * @module
 */
export * from './contract.js';
export { EdgekdError, InvalidBundleError, InputError, EXIT } from './errors.js';
export { parseManifest, selectModel, expectedInputs } from './manifest.js';
export { padBatch, rowIds } from './encoding.js';
export { argsortStable, batches, fitsOneBatch, windowedBatches } from './batching.js';
export { softmax32, argmax, pyRound, pyFloat, pyDumps } from './numeric.js';
export { parseModel, ProtoError } from './onnx.js';
export { WordPieces, vocabSize } from './tokenizer.js';
export { Bundle, records, readManifest, verifyFiles, verifyEntry, checkGraph, checkVocab } from './bundle.js';
export {
  tolerance, margin, parseGolden, readGolden, runSelftest,
  summarize, describeInput,
} from './golden.js';
export { MODES, iterItems, splitLines, chunks, isBlank } from './textio.js';
