/**
 * The runtime's errors. Two families, as in the Python runtime (`edgekd_runtime.errors`):
 * `InvalidBundleError` — the bundle is missing, corrupt, of an unsupported schema, or cannot run here
 * (the CLI exits 3); `InputError` — the caller's input is wrong (the CLI exits 2). Both extend `EdgekdError`.
 * `kind` names the Python exception class the error corresponds to, for callers that want to branch.
 * @module
 */
import { EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, EXIT_USAGE } from './contract.js';

export class EdgekdError extends Error {
  /**
   * @param {string} message one readable line naming the file or item
   * @param {{kind?: string, cause?: unknown}} [options]
   */
  constructor(message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    /** @type {string} */
    this.kind = options.kind ?? 'error';
  }
}

/**
 * The bundle itself is invalid or cannot run here. `kind` is one of: "manifest", "schema", "missing",
 * "checksum", "tokenizer", "vocab", "model", "golden", "backend".
 */
export class InvalidBundleError extends EdgekdError {
  /**
   * @param {string} message
   * @param {{kind?: string, cause?: unknown}} [options]
   */
  constructor(message, options = {}) {
    super(message, { kind: 'manifest', ...options });
  }
}

/** The caller's input is wrong. `kind` is "input" or "arity" (strings given to a pair model, or pairs to a single one). */
export class InputError extends EdgekdError {
  /**
   * @param {string} message
   * @param {{kind?: string, cause?: unknown}} [options]
   */
  constructor(message, options = {}) {
    super(message, { kind: 'input', ...options });
  }
}

/**
 * The CLI's exit codes (the same as `edgekd-run`'s): 0 ok, 2 usage or input error, 3 invalid bundle or failed
 * check, 130 interrupted (SIGINT).
 */
export const EXIT = Object.freeze({ OK: EXIT_OK, INPUT: EXIT_USAGE, BUNDLE: EXIT_INVALID, INTERRUPTED: EXIT_INTERRUPTED });

/**
 * A Python-style repr of a list of strings, so messages read exactly like the Python runtime's
 * (e.g. `['input_ids', 'lengths']`).
 * @param {readonly unknown[]} xs
 * @returns {string}
 */
export function pyList(xs) {
  return '[' + Array.from(xs, pyRepr).join(', ') + ']';
}

/**
 * Python's repr of a str/int/bool/None (enough for error messages).
 * @param {unknown} x
 * @returns {string}
 */
export function pyRepr(x) {
  if (x === null || x === undefined) return 'None';
  if (x === true) return 'True';
  if (x === false) return 'False';
  if (typeof x === 'string') {
    const q = x.includes("'") && !x.includes('"') ? '"' : "'";
    let out = q;
    for (const ch of x) {
      const cp = /** @type {number} */ (ch.codePointAt(0));
      if (ch === '\\') out += '\\\\';
      else if (ch === q) out += '\\' + q;
      else if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
      else out += ch;
    }
    return out + q;
  }
  if (Array.isArray(x)) return pyList(x);
  return String(x);
}
