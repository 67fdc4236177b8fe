/**
 * Deterministic generator of adversarial mixed-script texts for tokenizer parity checks (JS test
 * test/tokenizer_parity.test.js, benchmarks/js_tokenizer_diff.mjs --mixed). tests/runtime/mixed_script.py is
 * its Python twin (same pools and shapes, Python's own random numbers).
 *
 * A text is a run of segments, each drawn from one pool: words of Latin (accented, special casing such as
 * U+0130 and final sigma), Greek, Arabic (U+0600-U+061F, the Unicode 14-16 additions), Cyrillic, Hangul, Indic,
 * CJK (BMP and astral, inside and outside the Rust CJK ranges); a base letter with several combining marks of
 * different combining classes (old and newly assigned ones); ligatures (U+FB00-U+FB06, U+FB13-U+FB17);
 * unassigned and newly assigned code points; control and format characters; emoji with ZWJ, skin tones and
 * variation selectors; punctuation and whitespace of every kind; words just under and over the 100-character
 * WordPiece limit (astral letters, marks and U+0130 on the way, so UTF-16 length, NFD and lowercasing all move
 * the count); and long texts, past any max_length.
 * @module
 */

/**
 * @param {...(number | [number, number])} parts code points and inclusive [first, last] ranges
 * @returns {number[]}
 */
function cps(...parts) {
  /** @type {number[]} */
  const out = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else for (let c = p[0]; c <= p[1]; c++) out.push(c);
  }
  return out;
}

/** Code point pools, by kind. */
export const POOLS = {
  latin: cps([0x41, 0x5a], [0x61, 0x7a], [0x61, 0x7a], [0xc0, 0x24f], 0x130, 0x131, 0x1e9e, 0x212a, 0x212b, 0x2126,
    0x1c5, 0x1c8, 0x1cb, 0x1f2, [0x1e00, 0x1eff], [0xff21, 0xff3a], [0x1d400, 0x1d433], [0xa7c0, 0xa7dc]),
  greek: cps([0x370, 0x3ff], [0x1f00, 0x1fff], 0x3a3, 0x3a3, 0x3a3),
  arabic: cps([0x600, 0x61f], [0x620, 0x65f], [0x660, 0x6ff], [0x870, 0x8ff], 0xfdcf, 0xfdfe, 0xfdff,
    [0xfb50, 0xfb5f], [0xfe70, 0xfe7f], [0x10ec2, 0x10ec4], [0x10efc, 0x10eff]),
  cyrillic: cps([0x400, 0x52f], [0x1c80, 0x1c8a], [0xa640, 0xa69f], [0x1e030, 0x1e08f]),
  other: cps([0xac00, 0xac20], [0xd7a0, 0xd7a3], [0x1100, 0x1112], [0x900, 0x97f], [0xe00, 0xe5b], [0x3040, 0x30ff],
    [0x10d40, 0x10d8f], [0x16d40, 0x16d79], [0x11f00, 0x11f59], [0x591, 0x5f4]),
  cjk: cps([0x4e00, 0x4e40], [0x9fe0, 0x9fff], [0x3400, 0x3410], [0xf900, 0xf910], [0x20000, 0x20010],
    [0x2a6d0, 0x2a6e0], [0x2b730, 0x2b745], [0x2b810, 0x2b825], [0x2b918, 0x2b925], [0x2cea0, 0x2ceb5],
    [0x30000, 0x30010], [0x31340, 0x31360], [0x2f800, 0x2f810], [0x2ebe0, 0x2ebf5]),
  marks: cps([0x300, 0x36f], [0x483, 0x489], [0x591, 0x5c7], [0x610, 0x61a], [0x64b, 0x65f], 0x670, [0x6d6, 0x6ed],
    [0x898, 0x89f], [0x8ca, 0x8ff], [0x900, 0x903], [0x93a, 0x94f], [0xe31, 0xe3a], [0xf71, 0xf84], [0x1ab0, 0x1aff],
    [0x1dc0, 0x1dff], [0x20d0, 0x20f0], [0x302a, 0x302f], 0x3099, 0x309a, [0xfe00, 0xfe0f], [0xfe20, 0xfe2f],
    [0x1d165, 0x1d172], [0x1e4ec, 0x1e4ef], [0x11f00, 0x11f03], [0x11f34, 0x11f42], [0x1e130, 0x1e136], 0x16ff0,
    0x16ff1, [0x10efd, 0x10eff], [0x1e08f, 0x1e08f], 0x345, 0x334, 0x316, 0x301, 0x301, 0x308, 0x327),
  ligatures: cps([0xfb00, 0xfb06], [0xfb13, 0xfb17], 0x132, 0x133, 0x1c4, 0x1c6, 0x1c7, 0x1ca),
  unassigned: cps(0x378, 0x379, 0x38b, 0x2fe0, 0xfff0, 0xe0080, 0x2fffe, 0x10ffff, 0xeffff, 0x50000,
    [0x1fae0, 0x1faf8], 0x1fa7b, [0x2ffc, 0x2fff], [0x1cc00, 0x1cc0f], [0x1fbf0, 0x1fbfa], 0x31350, 0x2ebf0, 0x323b0),
  control: cps([0x0, 0x1f], [0x7f, 0x9f], 0xad, 0x61c, 0x180e, [0x200b, 0x200f], [0x202a, 0x202e], [0x2060, 0x206f],
    0xfeff, [0xfff9, 0xfffb], 0xfffd, 0x110bd, 0x110cd, [0x13430, 0x1343f], [0x1bca0, 0x1bca3], [0x1d173, 0x1d17a],
    0xe0001, [0xe0020, 0xe007f], 0xe000, 0xf8ff, 0xf0000, 0x10fffd, 0x890, 0x891),
  punct: cps([0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e], [0xa1, 0xbf], [0x2010, 0x2027], [0x2e00, 0x2e5d],
    [0x3000, 0x303f], [0xff01, 0xff0f], [0x55a, 0x55f], 0x589, 0x5be, 0x5c0, 0x5f3, 0x5f4, [0x1800, 0x180a], 0x1b4e,
    0x1b4f, [0x1b7d, 0x1b7f], [0x10f55, 0x10f59], 0x16fe2, 0x11fff),
  space: cps(0x20, 0x20, 0x20, 0x20, 0x20, 0x20, [0x9, 0xd], 0x85, 0xa0, 0x1680, [0x2000, 0x200a], 0x2028, 0x2029,
    0x202f, 0x205f, 0x3000, 0x180e, 0x1c, 0x1f),
};

/** Emoji sequences: ZWJ families, flags, skin tones, keycaps, variation selectors. */
export const EMOJI = ['👨‍👩‍👧', '🏳️‍🌈', '👍🏽', '1️⃣', '❤️', '😍', '🫠', '🧑🏿‍🚀', '🇫🇷', '👩‍❤️‍💋‍👨', '#️⃣', '🫨', '☺︎'];
/** ASCII words (with vocabulary pieces "the", "movie", "not" ...). */
export const WORDS = ['the', 'movie', 'not', 'good', 'bad', 'film', 'great', 'at', 'all', 'fine', 'THE', 'Not',
  'finally', 'office', 'naïve', 'café', 'ΣΟΦΟΣ', 'İstanbul', 'straße'];

/**
 * A seeded pseudo-random number generator (mulberry32), uniform in [0, 1).
 * @param {number} seed
 * @returns {() => number}
 */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * @param {() => number} r
 * @param {number} lo
 * @param {number} hi inclusive
 */
const int = (r, lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
/**
 * @template T
 * @param {() => number} r
 * @param {readonly T[]} xs
 * @returns {T}
 */
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];
/**
 * @param {() => number} r
 * @param {readonly number[]} pool
 * @param {number} n
 */
const draw = (r, pool, n) => Array.from({ length: n }, () => String.fromCodePoint(pick(r, pool))).join('');

const LETTERS = ['latin', 'greek', 'arabic', 'cyrillic', 'other'];

/**
 * One segment of a text.
 * @param {() => number} r
 * @returns {string}
 */
function segment(r) {
  const kind = int(r, 0, 15);
  const P = /** @type {Record<string, number[]>} */ (POOLS);
  switch (kind) {
    case 0: case 1: return pick(r, WORDS);
    case 2: case 3: return draw(r, P[pick(r, LETTERS)], int(r, 1, 9));
    case 4: return draw(r, P[pick(r, LETTERS)], 1) + draw(r, POOLS.marks, int(r, 2, 6));   // mark sequence
    case 5: return draw(r, POOLS.cjk, int(r, 1, 4));
    case 6: return draw(r, POOLS.ligatures, int(r, 1, 3)) + pick(r, WORDS);
    case 7: return draw(r, POOLS.unassigned, int(r, 1, 2));
    case 8: return draw(r, POOLS.control, int(r, 1, 3));
    case 9: return pick(r, EMOJI);
    case 10: case 11: return draw(r, POOLS.punct, int(r, 1, 3));
    case 12: return longWord(r);
    default: return draw(r, POOLS.space, int(r, 1, 2));
  }
}

/**
 * A word of 95-106 code points: letters of every pool (astral ones included), with marks and U+0130 inside,
 * so that its length after NFD, accent stripping and lowercasing lands either side of 100.
 * @param {() => number} r
 * @returns {string}
 */
function longWord(r) {
  const n = int(r, 95, 106);
  let w = '';
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.08) w += String.fromCodePoint(pick(r, POOLS.marks));
    else if (x < 0.12) w += '\u0130';
    else if (x < 0.2) w += String.fromCodePoint(pick(r, [...cps([0x1d400, 0x1d433], [0x10d50, 0x10d65]), 0x1e030]));
    else if (x < 0.3) w += String.fromCodePoint(pick(r, POOLS.ligatures));
    else w += String.fromCodePoint(pick(r, /** @type {Record<string, number[]>} */ (POOLS)[pick(r, LETTERS)]));
  }
  return w;
}

/**
 * `n` texts from `seed`: mostly short, some long (past 128 pieces), segments joined by nothing or a space.
 * @param {number} seed
 * @param {number} n
 * @returns {string[]}
 */
export function mixedScriptTexts(seed, n) {
  const r = rng(seed);
  /** @type {string[]} */
  const out = [];
  for (let i = 0; i < n; i++) {
    const segs = r() < 0.1 ? int(r, 60, 160) : int(r, 1, 24);
    let t = '';
    for (let k = 0; k < segs; k++) t += (r() < 0.5 ? ' ' : '') + segment(r);
    out.push(t);
  }
  return out;
}
