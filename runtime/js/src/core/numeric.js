/**
 * Numerics shared by predict and the CLI: float32 softmax as numpy computes it, first-max argmax, and
 * Python's `round(x, 6)` and float repr, so JSON output matches `edgekd-run` byte for byte.
 * @module
 */

const f32 = Math.fround;

/**
 * Row softmax in float32 arithmetic (numpy: exp(l - max) / sum), returned as float32 values.
 * @param {ArrayLike<number>} row
 * @returns {number[]}
 */
export function softmax32(row) {
  let m = -Infinity;
  for (let j = 0; j < row.length; j++) if (row[j] > m || Number.isNaN(row[j])) m = row[j];
  const e = new Array(row.length);
  let s = 0;
  for (let j = 0; j < row.length; j++) {
    e[j] = f32(Math.exp(f32(row[j] - m)));
    s = f32(s + e[j]);
  }
  for (let j = 0; j < row.length; j++) e[j] = f32(e[j] / s);
  return e;
}

/**
 * numpy argmax: index of the first maximum (the first NaN, if any).
 * @param {ArrayLike<number>} row
 */
export function argmax(row) {
  let best = 0;
  for (let j = 0; j < row.length; j++) {
    if (Number.isNaN(row[j])) return j;
    if (row[j] > row[best]) best = j;
  }
  return best;
}

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);

/**
 * Python's round(x, ndigits) for a float: the double nearest to x rounded half-to-even on its exact value.
 * @param {number} x
 * @param {number} [ndigits]
 */
export function pyRound(x, ndigits = 6) {
  if (!Number.isFinite(x) || x === 0) return x;
  F64[0] = x;
  const bits = U64[0];
  const neg = bits >> 63n === 1n;
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2;
  if (expBits === 0) e2 = -1074;
  else { mant |= 1n << 52n; e2 = expBits - 1075; }
  if (e2 >= 0) return x;                               // an integer already
  const scale = 10n ** BigInt(ndigits);
  const num = mant * scale, den = 1n << BigInt(-e2);
  let q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) q += 1n;
  const v = Number(q) / Number(scale);
  return neg ? -v : v;
}

/**
 * Python's repr of a float (what json.dumps writes): shortest round-trip digits, "1.0" for integral values,
 * exponent form below 1e-4 and from 1e16 ("1e-06", "1.5e+16"), "NaN"/"Infinity" as json.dumps writes them.
 * @param {number} x
 * @returns {string}
 */
export function pyFloat(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let body;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    body = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp < 0) {
    body = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    body = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  } else {
    body = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return neg ? `-${body}` : body;
}

/**
 * JSON text as Python's json.dumps(value, ensure_ascii=False) writes it: ", " and ": " separators and
 * Python's float repr (every number is written as a float: records hold no integers).
 * @param {unknown} v
 * @returns {string}
 */
export function pyDumps(v) {
  if (typeof v === 'number') return pyFloat(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(pyDumps).join(', ') + ']';
  return '{' + Object.entries(/** @type {object} */ (v)).map(([k, x]) => `${JSON.stringify(k)}: ${pyDumps(x)}`).join(', ') + '}';
}
