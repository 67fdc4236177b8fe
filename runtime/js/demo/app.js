// The browser demo: load a bundle from this origin (./bundle/ or ?bundle=URL), classify typed text with a
// probability bar per label and the measured latency, and run the bundle's golden vectors.
// window.edgekdDemo exposes the same actions to automated tests.
import { configureWasm, loadBundle, selftest, versions } from 'edgekd-runtime';

configureWasm({ wasmPaths: new URL('../node_modules/onnxruntime-web/dist/', import.meta.url).href, numThreads: 1 });

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const params = new URLSearchParams(location.search);
const bundleUrl = new URL(params.get('bundle') || './bundle/', location.href).href;

/** @type {import('edgekd-runtime').Bundle | null} */
let bundle = null;
/** @type {Map<string, import('edgekd-runtime').Bundle>} */
const byModel = new Map();

/**
 * @param {string} text
 * @param {string} state
 */
function setStatus(text, state) {
  const s = $('status');
  s.textContent = text;
  s.dataset.state = state;
}

/** @param {number} ms */
function fmtMs(ms) {
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

async function classify() {
  if (!bundle) return null;
  const text = /** @type {HTMLTextAreaElement} */ ($('text')).value;
  const pair = /** @type {HTMLTextAreaElement} */ ($('text-pair')).value;
  const item = bundle.pair ? [text, pair] : text;
  const t0 = performance.now();
  const r = await bundle.predict([/** @type {any} */ (item)]);
  const ms = performance.now() - t0;
  $('label').textContent = r.labels[0];
  $('truncated').hidden = !r.truncated[0];
  const bars = $('bars');
  bars.replaceChildren(...bundle.labels.map((name, j) => {
    const p = r.probabilities[0][j];
    const row = document.createElement('div');
    row.className = 'bar' + (j === r.labelIds[0] ? ' top' : '');
    row.dataset.label = name;
    row.innerHTML = '<span class="name"></span><span class="track"><span class="fill"></span></span><span class="p"></span>';
    /** @type {HTMLElement} */ (row.querySelector('.name')).textContent = name;
    /** @type {HTMLElement} */ (row.querySelector('.fill')).style.width = `${(p * 100).toFixed(1)}%`;
    /** @type {HTMLElement} */ (row.querySelector('.p')).textContent = `${(p * 100).toFixed(1)}%`;
    return row;
  }));
  $('latency').textContent = `latency ${fmtMs(ms)} (tokenize + run, batch 1)`;
  $('result').hidden = false;
  return { label: r.labels[0], probabilities: r.probabilities[0], ms };
}

async function runGolden() {
  if (!bundle) return null;
  const out = $('golden-result');
  const btn = /** @type {HTMLButtonElement} */ ($('run-golden'));
  btn.disabled = true;
  out.textContent = 'Running golden vectors on every model…';
  out.dataset.ok = '';
  const t0 = performance.now();
  try {
    const report = await selftest(bundle);
    out.textContent = (report.ok ? 'PASS — ' : 'FAIL — ') + report.summary;
    out.dataset.ok = String(report.ok);
    $('golden-time').textContent = fmtMs(performance.now() - t0);
    return report;
  } catch (e) {
    out.textContent = `FAIL — ${e instanceof Error ? e.message : e}`;
    out.dataset.ok = 'false';
    return { ok: false, summary: out.textContent };
  } finally {
    btn.disabled = false;
  }
}

/** @param {string} file */
async function switchModel(file) {
  if (!bundle) return;
  if (!byModel.has(file)) byModel.set(file, await bundle.withModel(file));
  bundle = /** @type {import('edgekd-runtime').Bundle} */ (byModel.get(file));
  setStatus(`Ready: ${bundle.manifest.task} bundle, ${bundle.spec.file}.`, 'ready');
  await classify();
}

async function init() {
  const t0 = performance.now();
  try {
    bundle = await loadBundle(bundleUrl);
  } catch (e) {
    setStatus(`Cannot load the bundle at ${bundleUrl}: ${e instanceof Error ? e.message : e}`, 'error');
    throw e;
  }
  const loadMs = performance.now() - t0;
  byModel.set(bundle.spec.file, bundle);
  const m = bundle.manifest;
  $('info-bundle').textContent = bundleUrl;
  $('info-task').textContent = `${m.task} (${m.pair ? 'sentence pairs' : 'single sentences'}, max ${m.max_length} word pieces)`;
  $('info-labels').textContent = m.labels.join(', ');
  $('info-load').textContent = `verified and loaded in ${fmtMs(loadMs)} · ${versions.backend} ${versions.onnxruntime}`;
  const sel = /** @type {HTMLSelectElement} */ ($('model'));
  sel.replaceChildren(...m.models.map((s) => new Option(`${s.file} (${s.precision})`, s.file, s.file === bundle?.spec.file, s.file === bundle?.spec.file)));
  sel.addEventListener('change', () => void switchModel(sel.value));
  if (m.pair) {
    $('pair-box').hidden = false;
    $('text-label').textContent = 'First text (text)';
    /** @type {HTMLTextAreaElement} */ ($('text')).value = 'The company said profits rose 5% in the quarter.';
    /** @type {HTMLTextAreaElement} */ ($('text-pair')).value = 'Quarterly profits were up five percent, the company said.';
  }
  $('info').hidden = false;
  $('form').hidden = false;
  $('golden').hidden = !m.golden;
  setStatus(`Ready: ${m.task} bundle, ${bundle.spec.file}.`, 'ready');
  $('form').addEventListener('submit', (ev) => { ev.preventDefault(); void classify(); });
  $('run-golden').addEventListener('click', () => void runGolden());
  await classify();
  return bundle;
}

const ready = init();
// For automated tests (and the curious): the loaded bundle and the page's actions.
Object.assign(window, { edgekdDemo: { ready, classify, runGolden, switchModel, get bundle() { return bundle; } } });
