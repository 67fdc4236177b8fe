/**
 * Length-bucketed batching, exactly as `window_batches` / `batches` in edgekd_runtime/schedule.py.
 * @module
 */

import { SORT_WINDOW } from './contract.js';   // rows sorted together: windows of this many consecutive rows

/**
 * Indices sorted by ascending key, ties in input order (numpy argsort kind="stable").
 * @param {ArrayLike<number>} key
 * @returns {number[]}
 */
export function argsortStable(key) {
  const order = Array.from({ length: key.length }, (_, i) => i);
  return order.sort((a, b) => key[a] - key[b] || a - b);
}

/**
 * Consecutive runs of `order` (indices sorted by ascending `key` = padded length) within both caps: at most
 * `batch` rows and, unless maxTokens is null, rows x width <= maxTokens (a run's width is its last row's key;
 * a single row always forms a batch, however long).
 * @param {readonly number[]} order
 * @param {ArrayLike<number>} key
 * @param {number} batch
 * @param {number | null} maxTokens
 * @returns {number[][]}
 */
export function batches(order, key, batch, maxTokens) {
  const out = [];
  let start = 0;
  const n = order.length;
  while (start < n) {
    let stop = Math.min(start + batch, n);
    if (maxTokens !== null && maxTokens !== undefined) {
      let stopTok = start + 1;
      while (stopTok < stop && (stopTok + 1 - start) * Math.max(1, key[order[stopTok]]) <= maxTokens) stopTok += 1;
      stop = stopTok;
    }
    out.push(order.slice(start, stop));
    start = stop;
  }
  return out;
}

/**
 * Whether all rows run as one unsorted batch (the Python fast path, also the batch-1 path).
 * @param {ArrayLike<number>} key
 * @param {number} batch
 * @param {number | null} maxTokens
 */
export function fitsOneBatch(key, batch, maxTokens) {
  const n = key.length;
  let mx = 1;
  for (let i = 0; i < n; i++) if (key[i] > mx) mx = key[i];
  return n <= batch && (maxTokens === null || maxTokens === undefined || n * mx <= maxTokens);
}

/**
 * Every batch of a predict call (indices into all rows), window by window: each window of SORT_WINDOW
 * consecutive rows is one unsorted batch if it fits, else its stable length sort cut by `batches`.
 * @param {ArrayLike<number>} key
 * @param {number} batch
 * @param {number | null} maxTokens
 * @returns {number[][]}
 */
export function windowedBatches(key, batch, maxTokens) {
  const out = [];
  for (let a = 0; a < key.length; a += SORT_WINDOW) {
    const w = Array.prototype.slice.call(key, a, Math.min(a + SORT_WINDOW, key.length));
    const local = fitsOneBatch(w, batch, maxTokens) ? [w.map((_, i) => i)] : batches(argsortStable(w), w, batch, maxTokens);
    for (const idx of local) out.push(idx.map((i) => i + a));
  }
  return out;
}
