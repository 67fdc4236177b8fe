// A typed use of the package's public API; `tsc --noEmit -p test/types` checks it against index.d.ts.
import {
  loadBundle, selftest, records, Bundle, EdgekdError, InputError, InvalidBundleError, EXIT, tolerance, margin,
  padBatch, batches, argsortStable, parseManifest, configureWasm, windowedBatches, SORT_WINDOW, fileIO, bundleRoot,
  fetchIO, ort, versions,
} from 'edgekd-runtime';
import type {
  Prediction, PredictionRecord, SelftestReport, Manifest, LoadOptions, PredictOptions, TextPair, SelftestFailure,
} from 'edgekd-runtime';

async function main(dir: string): Promise<number> {
  configureWasm({ wasmPaths: '/node_modules/onnxruntime-web/dist/' });
  const opts: LoadOptions = { model: 'fp32', threads: 1, verify: true };
  let bundle: Bundle;
  try {
    bundle = await loadBundle(dir, opts);
  } catch (e) {
    if (e instanceof InvalidBundleError) return EXIT.BUNDLE;
    throw e;
  }
  const m: Manifest = bundle.manifest;
  const labels: string[] = m.labels;
  const golden: string | null = m.golden;
  const popts: PredictOptions = { batchSize: 32, maxTokens: null };
  let r: Prediction;
  if (bundle.pair) {
    const pairs: TextPair[] = [['a', 'b'], ['c', 'd']];
    r = await bundle.predict(pairs, popts);
  } else {
    r = await bundle.predict(['a fine film', ''], popts);
    r = await bundle.predict('one text');
  }
  const first: string = r.labels[0];
  const p: number = r.probabilities[0][r.labelIds[0]];
  const trunc: boolean = r.truncated[0];
  const recs: PredictionRecord[] = records(r, { probs: true, labelNames: labels });
  const score: number = recs[0].score;
  const other = await bundle.withModel('int8');
  const report: SelftestReport = await selftest(other, { models: ['model.int8.onnx'] });
  const fail: SelftestFailure | null = report.firstFailure;
  const diff: number = report.maxAbsDiff['model.int8.onnx'] ?? 0;
  const tol: number = tolerance('int8', r.logits[0]) + margin(r.logits[0]);
  const enc = padBatch([[1, 2, 3], []], 2, 0, 100);
  const ids: BigInt64Array = enc.ids;
  const runs: number[][] = batches(argsortStable([3, 1, 2]), [3, 1, 2], 2, 512);
  const man: Manifest = parseManifest(JSON.parse('{}'));
  try {
    await bundle.predict([42 as unknown as string]);
  } catch (e) {
    if (e instanceof InputError && e.kind === 'arity') return EXIT.INPUT;
    if (e instanceof EdgekdError) return 1;
  }
  const windows: number[][] = windowedBatches([3, 1, 2], 2, null);
  const own: Bundle = await Bundle.open(fileIO(bundleRoot(dir)), { verify: false });
  const served: Bundle = await Bundle.open(fetchIO(new URL('https://example.org/bundle/')));
  await other.dispose();
  await own.dispose();
  const gone: boolean = own.disposed && served.disposed;
  const engine: string = versions.onnxruntime + String(ort.env.versions?.node ?? '');
  void [first, p, trunc, score, fail, diff, tol, ids, runs, man, golden, report.summary, windows, SORT_WINDOW, gone, engine];
  if (!report.ok) return EXIT.BUNDLE;
  return EXIT.INTERRUPTED === 130 ? EXIT.OK : EXIT.INPUT;
}

// @ts-expect-error: a pair bundle's items are [text, text_pair] tuples, not numbers
async function wrong(b: Bundle) { await b.predict([[1, 2]]); }

void main('bundle');
void wrong;
