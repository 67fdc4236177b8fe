/**
 * The bundle's tokenizer.json through `@huggingface/tokenizers` (pure JS), set up as verify.load_tokenizer
 * sets up the Rust `tokenizers`: word pieces only, no special tokens, no padding and no truncation.
 * @module
 */
import { BertNormalizer, Tokenizer } from '@huggingface/tokenizers';
import { InvalidBundleError } from './errors.js';

// CJK ranges of the Rust BertNormalizer (tokenizers/src/normalizers/bert.rs, is_chinese_char), by code point.
// (0x2B920, not 0x2B820, is the Rust/original-BERT bound; @huggingface/tokenizers 0.2.0 uses 0x2B820.)
const CJK = [[0x4e00, 0x9fff], [0x3400, 0x4dbf], [0x20000, 0x2a6df], [0x2a700, 0x2b73f], [0x2b740, 0x2b81f],
  [0x2b920, 0x2ceaf], [0xf900, 0xfaff], [0x2f800, 0x2fa1f]];
/** @param {number} cp */
const isChinese = (cp) => CJK.some(([a, b]) => cp >= a && cp <= b);
// Rust char::is_whitespace (Unicode White_Space), plus \t \n \r which BERT counts as whitespace anyway.
const WHITE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
  0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);
const CONTROL = /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u;       // Rust is_control: "other" categories, \t \n \r excluded
const PLAIN_ASCII = /^[\x20-\x7e]*$/;
const MN = /\p{Mn}/gu;

/**
 * The BERT normalizer exactly as the Rust `tokenizers` crate applies it (the library the Python runtime and
 * the exporter use), where @huggingface/tokenizers 0.2.0 differs:
 *  - CJK characters are found by code point (0.2.0 walks UTF-16 code units, so CJK Extension B-F characters,
 *    U+20000 and up, were never isolated) with Rust's ranges;
 *  - lowercasing maps each character on its own (Rust `char::to_lowercase`): JavaScript's toLowerCase applies
 *    the context-sensitive Final_Sigma rule (word-final "Σ" -> "ς"), Rust always gives "σ";
 *  - accents are stripped before lowercasing, in Rust's order (clean, CJK, strip accents, lowercase).
 * Category tables remain those of this JavaScript engine's Unicode version (see README: characters assigned
 * after the Rust crate's Unicode tables can still differ).
 */
class RustBertNormalizer extends BertNormalizer {
  /**
   * @param {string} text
   * @returns {string}
   */
  normalize(text) {
    const c = /** @type {any} */ (this).config;
    const strip = c.strip_accents ?? c.lowercase;
    if (PLAIN_ASCII.test(text)) return c.lowercase ? text.toLowerCase() : text;   // nothing else applies
    let out = '';
    for (const ch of text) {
      const cp = /** @type {number} */ (ch.codePointAt(0));
      if (c.clean_text) {
        if (cp === 0 || cp === 0xfffd || (cp !== 0x09 && cp !== 0x0a && cp !== 0x0d && CONTROL.test(ch))) continue;
        if (WHITE.has(cp)) { out += ' '; continue; }
      }
      if (c.handle_chinese_chars && isChinese(cp)) out += ' ' + ch + ' ';
      else out += ch;
    }
    if (strip) out = out.normalize('NFD').replace(MN, '');
    if (c.lowercase) {
      if (out.includes('\u03a3')) {                   // per character: no Final_Sigma context rule
        let low = '';
        for (const ch of out) low += ch.toLowerCase();
        out = low;
      } else {
        out = out.toLowerCase();                      // identical to per-character mapping without a capital sigma
      }
    }
    return out;
  }
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
