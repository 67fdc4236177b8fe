/**
 * The bundle's tokenizer.json through `@huggingface/tokenizers` (pure JS), set up as verify.load_tokenizer
 * sets up the Rust `tokenizers`: word pieces only, no special tokens, no padding and no truncation.
 *
 * For the BERT pipeline (BertNormalizer, BertPreTokenizer) the normalizer and the pre-tokenizer are replaced by
 * ones that follow the Rust code with the Rust crate's own character classes (rust_unicode.js, generated from the
 * installed `tokenizers` by tools/gen_rust_unicode.py), so the ids are those of the Rust `tokenizers` on every
 * text, whatever Unicode version this JS engine has.
 *
 * Root cause of issue 23 (mixed-script texts got other word pieces than in Python): the normalizer and the
 * pre-tokenizer classified characters with this JS engine's Unicode data (`\p{Cc}\p{Cf}\p{Co}`, `\p{Mn}`,
 * `String.prototype.normalize`, and `\p{P}` in @huggingface/tokenizers' BertPreTokenizer), i.e. ICU's Unicode
 * (17.0 in Node 20.20), while the Rust crate's tables are frozen at old versions: `unicode_categories` (control,
 * punctuation, Mn) and `unicode-normalization-alignments` (NFD, Unicode 9.0). Characters assigned since differ:
 *  - punctuation (U+061D ARABIC END OF TEXT MARK, U+2E43-U+2E5D, U+1B4E, U+16FE2, ...) is a plain character for
 *    Rust: Rust keeps "ab\u061dcd" or "\u2e4e\ufb01" one word ([UNK]), JS split it, so the pieces after it
 *    shifted (Python "not"/"the"/"movie" or "#" where JS gave [UNK] or "\ufb01");
 *  - combining marks (U+0898-U+089F, U+08CA-U+08E2, U+1AC1-U+1ACE, U+1DF6-U+1DFA, ...) are not Mn for Rust, so
 *    strip_accents keeps them, JS removed them; format characters (U+0890, U+0891, U+13430, ...) are not control
 *    for Rust, so clean_text keeps them, JS removed them;
 *  - canonical reordering: ICU gives those marks a combining class, Rust's NFD treats them as starters, so a mark
 *    sequence came out in another order.
 * Each such code point differed alone too (516 with a BERT vocabulary), but a text only showed it when it held
 * one. No other cause was found: WordPiece counts max_input_chars_per_word in code points on both sides, and
 * truncation happens after tokenization (encoding.js). Lowercasing is taken from the crate too (it agrees with
 * Node 20.20's ICU today; engines with another Unicode version might not).
 * @module
 */
import { BertNormalizer, BertPreTokenizer, Tokenizer } from '@huggingface/tokenizers';
import { InvalidBundleError } from './errors.js';
import * as RUST from './rust_unicode.js';

/**
 * Decode a rust_unicode.js range string ("gap.extra" hex pairs) into sorted [start, end, start, end, ...].
 * @param {string} s
 * @returns {Uint32Array}
 */
function decodeRanges(s) {
  const pairs = s.split(',');
  const out = new Uint32Array(pairs.length * 2);
  let prev = -1;
  pairs.forEach((p, i) => {
    const [gap, extra] = p.split('.').map((x) => parseInt(x, 16));
    out[2 * i] = prev + 1 + gap;
    prev = out[2 * i + 1] = prev + 1 + gap + extra;
  });
  return out;
}

/**
 * Whether code point `cp` lies in one of the decoded ranges (binary search).
 * @param {Uint32Array} r
 * @param {number} cp
 */
function inRanges(r, cp) {
  let lo = 0, hi = r.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < r[2 * mid]) hi = mid - 1;
    else if (cp > r[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * Rust char::to_lowercase as a map code point -> lowercase string (only the characters it changes).
 * @returns {Map<number, string>}
 */
function decodeLower() {
  /** @type {Map<number, string>} */
  const map = new Map();
  for (const run of RUST.LOWER.split(',')) {
    const [start, count, stride, delta] = run.split('.').map((x) => parseInt(x, 16));
    for (let i = 0, cp = start; i < count; i++, cp += stride) map.set(cp, String.fromCodePoint(cp + delta));
  }
  for (const [cp, low] of Object.entries(RUST.LOWER_MULTI)) map.set(Number(cp), low);
  return map;
}

// The Rust crate's classes (see rust_unicode.js): what clean_text removes, char::is_whitespace, what
// BertPreTokenizer isolates, what strip_accents removes after NFD, and the code points its NFD acts on.
const CONTROL = decodeRanges(RUST.CONTROL);
const WHITESPACE = decodeRanges(RUST.WHITESPACE);
const PUNCT = decodeRanges(RUST.PUNCT);
const MN = decodeRanges(RUST.MN);
const NFD_ACTIVE = decodeRanges(RUST.NFD_ACTIVE);
const LOWER = decodeLower();

// CJK ranges of the Rust BertNormalizer (tokenizers/src/normalizers/bert.rs, is_chinese_char), by code point.
// (0x2B920, not 0x2B820, is the Rust/original-BERT bound; @huggingface/tokenizers 0.2.0 uses 0x2B820.)
const CJK = [[0x4e00, 0x9fff], [0x3400, 0x4dbf], [0x20000, 0x2a6df], [0x2a700, 0x2b73f], [0x2b740, 0x2b81f],
  [0x2b920, 0x2ceaf], [0xf900, 0xfaff], [0x2f800, 0x2fa1f]];
/** @param {number} cp */
const isChinese = (cp) => CJK.some(([a, b]) => cp >= a && cp <= b);
const PLAIN_ASCII = /^[\x20-\x7e]*$/;
const ASCII = /^[\x00-\x7f]*$/;
// BertPreTokenizer on ASCII text: Rust's ASCII whitespace is \t \n \v \f \r and space, as JavaScript's \s there.
const ASCII_WORDS = /[^\s!-/:-@[-`{-~]+|[!-/:-@[-`{-~]/g;

/**
 * clean_text (drop the crate's control characters, whitespace -> " ") and handle_chinese_chars (spaces around
 * CJK ideographs), in one pass, in Rust's order.
 * @param {string} text
 * @param {boolean} clean
 * @param {boolean} chinese
 * @returns {string}
 */
function cleanText(text, clean, chinese) {
  let out = '';
  for (const ch of text) {
    const cp = /** @type {number} */ (ch.codePointAt(0));
    if (clean) {
      if (inRanges(CONTROL, cp)) continue;
      if (inRanges(WHITESPACE, cp)) { out += ' '; continue; }
    }
    out += chinese && isChinese(cp) ? ' ' + ch + ' ' : ch;
  }
  return out;
}

/**
 * Rust strip_accents: NFD as the Rust crate computes it, then drop its Mn characters. Code points outside
 * NFD_ACTIVE are, for the Rust NFD (Unicode 9.0), starters without decomposition even where this engine's newer
 * Unicode gives them a combining class: they stay as they are and no mark is reordered across them. The runs
 * between them are decomposed and reordered by the engine, whose data agree there (decompositions and combining
 * classes never change once assigned).
 * @param {string} text
 * @returns {string}
 */
function stripAccents(text) {
  let out = '', run = '';
  const flush = () => {
    for (const ch of run.normalize('NFD')) if (!inRanges(MN, /** @type {number} */ (ch.codePointAt(0)))) out += ch;
    run = '';
  };
  for (const ch of text) {
    const cp = /** @type {number} */ (ch.codePointAt(0));
    if (inRanges(NFD_ACTIVE, cp)) { run += ch; continue; }
    if (run) flush();
    if (!inRanges(MN, cp)) out += ch;
  }
  if (run) flush();
  return out;
}

/**
 * Rust lowercase: char::to_lowercase of each character on its own (no Final_Sigma rule: "Σ" -> "σ" always),
 * with Rust's Unicode data.
 * @param {string} text
 * @returns {string}
 */
function lowercase(text) {
  if (ASCII.test(text)) return text.toLowerCase();
  let out = '';
  for (const ch of text) out += LOWER.get(/** @type {number} */ (ch.codePointAt(0))) ?? ch;
  return out;
}

/**
 * The BERT normalizer exactly as the Rust `tokenizers` crate applies it (the library the Python runtime and
 * the exporter use): clean, CJK, strip accents, lowercase, in that order, with the crate's character classes.
 * (@huggingface/tokenizers 0.2.0 also walks CJK by UTF-16 code unit, so U+20000 and up were never isolated, and
 * lowercases with JavaScript's Final_Sigma rule.)
 */
class RustBertNormalizer extends BertNormalizer {
  /**
   * @param {string} text
   * @returns {string}
   */
  normalize(text) {
    const c = /** @type {any} */ (this).config;
    if (PLAIN_ASCII.test(text)) return c.lowercase ? text.toLowerCase() : text;   // nothing else applies
    let out = cleanText(text, Boolean(c.clean_text), Boolean(c.handle_chinese_chars));
    if (c.strip_accents ?? c.lowercase) out = stripAccents(out);
    if (c.lowercase) out = lowercase(out);
    return out;
  }
}

/**
 * The Rust BertPreTokenizer: split on char::is_whitespace (removed) and isolate each punctuation character
 * (ASCII punctuation or the crate's P* categories).
 */
class RustBertPreTokenizer extends BertPreTokenizer {
  /**
   * @param {string} text
   * @returns {string[]}
   */
  pre_tokenize_text(text) {
    if (ASCII.test(text)) return text.match(ASCII_WORDS) ?? [];
    /** @type {string[]} */
    const words = [];
    let word = '';
    for (const ch of text) {
      const cp = /** @type {number} */ (ch.codePointAt(0));
      const space = inRanges(WHITESPACE, cp);
      if (!space && !inRanges(PUNCT, cp)) { word += ch; continue; }
      if (word) words.push(word);
      if (!space) words.push(ch);
      word = '';
    }
    if (word) words.push(word);
    return words;
  }
}

/**
 * The pieces of one word by WordPiece (Rust `WordPiece::tokenize`, as @huggingface/tokenizers 0.2.0): [unk] when
 * the word has more than max_input_chars_per_word code points; else greedy longest match first, continuation pieces
 * prefixed, [unk] for the whole word when some position matches nothing. The same pieces as 0.2.0, whose loop
 * re-joins a code point array for every candidate (cubic in the word's length, ~3 ms per adversarial text);
 * here candidates are string slices, at most `maxKey` code points long (no longer vocabulary entry exists).
 * @param {any} model the library's WordPiece model (tokens_to_ids with the added tokens)
 * @param {number} maxKey code points of the longest vocabulary entry
 * @param {string} word
 * @returns {string[]}
 */
function wordPieces(model, maxKey, word) {
  const at = [0];
  for (const ch of word) at.push(at[at.length - 1] + ch.length);
  const n = at.length - 1;
  if (n > model.max_input_chars_per_word) return [model.unk_token];
  const prefix = model.config.continuing_subword_prefix ?? '##';
  /** @type {string[]} */
  const out = [];
  for (let s = 0; s < n;) {
    let e = Math.min(n, s + maxKey);
    for (; e > s; e--) {
      const sub = (s > 0 ? prefix : '') + word.slice(at[s], at[e]);
      if (model.tokens_to_ids.has(sub)) { out.push(sub); break; }
    }
    if (e === s) return [model.unk_token];
    s = e;
  }
  return out;
}

/**
 * Give a loaded WordPiece model the faster, identical `encode` above.
 * @param {any} model
 */
function useFastWordPiece(model) {
  let maxKey = 1;
  for (const k of model.tokens_to_ids.keys()) maxKey = Math.max(maxKey, [...k].length);
  model.encode = (/** @type {string[]} */ words) => words.flatMap((w) => wordPieces(model, maxKey, w));
}

/**
 * Rust `Tokenizer.get_vocab_size(with_added_tokens=True)`: distinct tokens of the model vocabulary and the
 * added tokens (the Rust side merges both maps by token).
 * @param {any} json parsed tokenizer.json
 * @returns {number}
 */
export function vocabSize(json) {
  const vocab = json?.model?.vocab;
  /** @type {Set<string>} */
  const tokens = new Set();
  if (Array.isArray(vocab)) {                    // Unigram: [[piece, score], ...]
    for (const v of vocab) tokens.add(Array.isArray(v) ? String(v[0]) : String(v));
  } else if (vocab && typeof vocab === 'object') {
    for (const k of Object.keys(vocab)) tokens.add(k);
  }
  for (const t of json?.added_tokens ?? []) tokens.add(String(t.content));
  return tokens.size;
}

/**
 * A loaded tokenizer: `encodeIds(text)` -> word-piece ids without special tokens, before truncation.
 */
export class WordPieces {
  /**
   * @param {any} json parsed tokenizer.json
   * @param {string} label file name for messages
   */
  constructor(json, label) {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new InvalidBundleError(`${label}: tokenizers cannot load it (not a JSON object)`, { kind: 'tokenizer' });
    }
    // verify.load_tokenizer calls no_padding() / no_truncation(): encoding.js pads and truncates, explicitly.
    // (@huggingface/tokenizers 0.2.0 applies neither anyway; cleared so a future version cannot start to.)
    const cleaned = { ...json, padding: null, truncation: null };
    try {
      /** @private */
      this.tok = new Tokenizer(cleaned, {});
      if (cleaned.normalizer?.type === 'BertNormalizer') {
        /** @type {any} */ (this.tok).normalizer = new RustBertNormalizer(cleaned.normalizer);
      }
      if (cleaned.pre_tokenizer?.type === 'BertPreTokenizer') {
        /** @type {any} */ (this.tok).pre_tokenizer = new RustBertPreTokenizer();
      }
      if (cleaned.model?.type === 'WordPiece') useFastWordPiece(/** @type {any} */ (this.tok).model);
    } catch (e) {
      const msg = e instanceof Error ? e.message.trim().split('\n')[0] : String(e);
      throw new InvalidBundleError(`${label}: tokenizers cannot load it (${msg || 'error'})`, { kind: 'tokenizer', cause: e });
    }
    /** Distinct tokens, added tokens included (Rust get_vocab_size(with_added_tokens=True)). */
    this.vocabSize = vocabSize(json);
  }

  /**
   * Word-piece ids of one text, no special tokens, no truncation. Lone surrogates (not valid Unicode) become
   * U+FFFD first, as the Python runtime does.
   * @param {string} text
   * @returns {number[]}
   */
  encodeIds(text) {
    return this.tok.encode(text.toWellFormed(), { add_special_tokens: false }).ids;
  }
}
