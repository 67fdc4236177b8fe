/**
 * Text ids -> padded int64 feeds: the one encoding rule of edgekd (edgekd_runtime/encoding.py).
 * At most `maxLength` pieces per sentence (the rest is cut and the row flagged as truncated); a text with no
 * pieces becomes the single id `emptyId`, so every row has length >= 1; rows are right-padded with `padId`.
 * @module
 */
import { EMPTY_ID, PAD_ID } from './contract.js';

/**
 * Truncate to maxLength, replace empty rows by [emptyId] and right-pad into one int64 [B, T] array.
 * @param {readonly (readonly number[])[]} idLists
 * @param {number} maxLength
 * @param {number} [padId]
 * @param {number} [emptyId]
 * @returns {import('../../index.js').Encoded}
 */
export function padBatch(idLists, maxLength, padId = PAD_ID, emptyId = EMPTY_ID) {
  const n = idLists.length;
  const lengths = new BigInt64Array(n);
  /** @type {boolean[]} */
  const truncated = new Array(n);
  let width = n ? 0 : 1;
  for (let i = 0; i < n; i++) {
    const len = Math.min(idLists[i].length, maxLength) || 1;
    lengths[i] = BigInt(len);
    truncated[i] = idLists[i].length > maxLength;
    if (len > width) width = len;
  }
  const ids = new BigInt64Array(n * width);
  if (padId !== 0) ids.fill(BigInt(padId));
  for (let i = 0; i < n; i++) {
    const x = idLists[i], row = i * width;
    if (x.length) {
      const k = Math.min(x.length, maxLength);
      for (let j = 0; j < k; j++) ids[row + j] = BigInt(x[j]);
    } else {
      ids[row] = BigInt(emptyId);
    }
  }
  return { ids, lengths, truncated, rows: n, width };
}

/**
 * The ids one row is fed with: truncated to maxLength, [emptyId] when there are no pieces.
 * @param {readonly number[]} ids
 * @param {number} maxLength
 * @param {number} emptyId
 * @returns {number[]}
 */
export function rowIds(ids, maxLength, emptyId) {
  return ids.length ? ids.slice(0, maxLength) : [emptyId];
}
