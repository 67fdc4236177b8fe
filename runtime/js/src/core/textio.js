/**
 * Reading CLI inputs exactly as edgekd_runtime/textio.py: one record per line, "text" lines ("a<TAB>b" for
 * pairs) or JSONL {"text"[, "text_pair"]}; `auto` decides from the first non-blank line.
 * Pure functions over lines (no I/O), shared by the CLI and the tests.
 * @module
 */
import { InputError } from './errors.js';

export const MODES = Object.freeze(['auto', 'text', 'jsonl']);

// Python's str.isspace() characters (strip/lstrip use the same set).
const PY_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
  0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/**
 * Python `not line.strip()`.
 * @param {string} line
 */
export function isBlank(line) {
  for (let i = 0; i < line.length; i++) if (!PY_SPACE.has(line.charCodeAt(i))) return false;
  return true;
}

/**
 * Python `line.lstrip()`.
 * @param {string} line
 */
export function pyLstrip(line) {
  let i = 0;
  while (i < line.length && PY_SPACE.has(line.charCodeAt(i))) i++;
  return line.slice(i);
}

/**
 * @param {string} line
 * @param {number} lineno
 * @param {boolean} pair
 * @returns {string | [string, string]}
 */
function jsonItem(line, lineno, pair) {
  let rec;
  try {
    rec = JSON.parse(line);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new InputError(`line ${lineno}: not valid JSON (${msg}); use plain lines or one JSON object per line`);
  }
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec) || typeof rec.text !== 'string') {
    throw new InputError(`line ${lineno}: a JSONL record needs a string field "text"`);
  }
  if (pair) {
    if (typeof rec.text_pair !== 'string') {
      throw new InputError(`line ${lineno}: this is a pair model; the record needs a string "text_pair" too`, { kind: 'arity' });
    }
    return [rec.text, rec.text_pair];
  }
  if ('text_pair' in rec) {
    throw new InputError(`line ${lineno}: "text_pair" given, but this bundle is a single-sentence model`, { kind: 'arity' });
  }
  return rec.text;
}

/**
 * @param {string} line
 * @param {number} lineno
 * @param {boolean} pair
 * @returns {string | [string, string]}
 */
function textItem(line, lineno, pair) {
  if (!pair) return line;
  const parts = line.split('\t');
  if (parts.length !== 2) {
    throw new InputError(`line ${lineno}: a pair model needs "text<TAB>text_pair" per line (found ` +
      `${parts.length - 1} tabs), or JSONL with text/text_pair`, { kind: 'arity' });
  }
  return [parts[0], parts[1]];
}

/**
 * One text (or pair) per input line, lazily. Lines are split on "\n" only; one trailing "\r" is dropped.
 * Blank lines are empty texts in text mode and are skipped in JSONL mode; in auto mode leading blank lines
 * wait until the first non-blank line decides.
 * @param {AsyncIterable<string> | Iterable<string>} lines
 * @param {boolean} pair
 * @param {string} [mode]
 * @returns {AsyncGenerator<string | [string, string]>}
 */
export async function* iterItems(lines, pair, mode = 'auto') {
  if (!MODES.includes(mode)) throw new InputError(`unknown input format '${mode}'; choose one of ('auto', 'text', 'jsonl')`);
  /** @type {null | typeof jsonItem} */
  let parse = mode === 'auto' ? null : mode === 'jsonl' ? jsonItem : textItem;
  /** @type {[number, string][]} */
  let pending = [];
  let lineno = 0;
  for await (const raw of lines) {
    lineno += 1;
    let line = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
    line = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (parse === null) {
      if (isBlank(line)) { pending.push([lineno, line]); continue; }
      parse = pyLstrip(line).startsWith('{') ? jsonItem : textItem;
      if (parse === textItem) for (const [no, blank] of pending) yield textItem(blank, no, pair);
      pending = [];
    }
    if (parse === jsonItem && isBlank(line)) continue;
    yield parse(line, lineno, pair);
  }
  for (const [no, blank] of pending) yield textItem(blank, no, pair);
}

/**
 * Split a byte stream into "\n"-terminated lines (the last may lack it), decoding strict UTF-8 and keeping a
 * BOM as U+FEFF (Python's utf-8 codec). Invalid UTF-8 raises InputError.
 * @param {AsyncIterable<Uint8Array>} chunks
 * @returns {AsyncGenerator<string>}
 */
export async function* splitLines(chunks) {
  const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let buf = '';
  let offset = 0;
  try {
    for await (const chunk of chunks) {
      buf += dec.decode(chunk, { stream: true });
      offset += chunk.length;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        yield buf.slice(0, nl + 1);
        buf = buf.slice(nl + 1);
      }
    }
    buf += dec.decode();
  } catch (e) {
    if (e instanceof TypeError) throw new InputError(`input is not valid UTF-8 (near byte ${offset})`);
    throw e;
  }
  if (buf.length) yield buf;
}

/**
 * Lists of at most `size` items from an (async) iterable, without reading further ahead.
 * @template T
 * @param {AsyncIterable<T> | Iterable<T>} items
 * @param {number} size
 * @returns {AsyncGenerator<T[]>}
 */
export async function* chunks(items, size) {
  /** @type {T[]} */
  let chunk = [];
  for await (const x of items) {
    chunk.push(x);
    if (chunk.length >= size) { yield chunk; chunk = []; }
  }
  if (chunk.length) yield chunk;
}
