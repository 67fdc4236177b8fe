#!/usr/bin/env node
/**
 * edgekd-run-js: predict with, inspect, selftest and benchmark an edgekd bundle from the shell (the Node twin of
 * `edgekd-run`: same verbs, options, JSON fields and exit codes).
 *
 *   edgekd-run-js predict BUNDLE [TEXT...] [-i FILE] [--input-format auto|text|jsonl] [-f jsonl|table] [--probs]
 *                 [--echo] [--model M] [--threads N] [--batch-size N] [--max-tokens N] [--chunk-size N] [--no-verify]
 *   edgekd-run-js info BUNDLE [--json]
 *   edgekd-run-js selftest BUNDLE [--model M]... [--threads N] [--json]
 *   edgekd-run-js bench BUNDLE [--texts FILE] [--limit N] [--threads N]... [--batch N] [--iters N] [--model M]
 *                 [--rss/--no-rss] [--json]
 *
 * Exit codes: 0 ok; 2 usage or input error; 3 invalid bundle, failed selftest, or the bundle cannot run here
 * (onnxruntime-node missing, an onnxruntime failure); 130 interrupted (SIGINT). Nothing else. Errors are one
 * line, "edgekd-run-js: error: ...", never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, EXIT_USAGE } from '../src/core/contract.js';
import { HELP, PROG, UsageError } from './cli/args.js';

const COMMANDS = ['predict', 'info', 'selftest', 'bench'];

/**
 * One line on stderr, then exit.
 * @param {string} msg
 * @param {number} code
 * @returns {never}
 */
function fail(msg, code) {
  process.stderr.write(`${PROG}: error: ${msg}\n`);
  process.exit(code);
}

/**
 * Run the command line; returns the exit code.
 * @param {string[]} argv
 */
async function main(argv) {
  const cmd = argv[0];
  if (!cmd) {
    process.stderr.write(HELP);
    return EXIT_USAGE;
  }
  if (cmd === '-h' || cmd === '--help') {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  if (cmd === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${PROG}, version ${pkg.version}\n`);
    return EXIT_OK;
  }
  if (!COMMANDS.includes(cmd)) throw new UsageError(`no such command '${cmd}' (commands: ${COMMANDS.join(', ')})`);
  // Imported here, so that a missing onnxruntime-node is a one-line error (exit 3), not a stack trace.
  const run = {
    predict: async () => (await import('./cli/predict.js')).predictCmd,
    info: async () => (await import('./cli/info.js')).infoCmd,
    selftest: async () => (await import('./cli/info.js')).selftestCmd,
    bench: async () => (await import('./cli/bench.js')).benchCmd,
  }[/** @type {'predict' | 'info' | 'selftest' | 'bench'} */ (cmd)];
  return (await run())(argv.slice(1));
}

/**
 * The exit code and message of an error: usage and input 2, everything else (invalid bundle, engine missing or
 * failing) 3.
 * @param {unknown} e
 * @returns {[string, number]}
 */
function classify(e) {
  if (e instanceof UsageError) return [`${e.message} (see ${PROG} --help)`, EXIT_USAGE];
  const err = /** @type {Error & {kind?: string}} */ (e);
  if (err?.name === 'InputError') return [err.message, EXIT_USAGE];
  if (err?.name === 'InvalidBundleError' || err?.name === 'EdgekdError') return [err.message, EXIT_INVALID];
  if (err instanceof Error) {
    const msg = err.message.split('\n')[0];
    return [msg.startsWith('edgekd-runtime: ') ? msg.slice(16) : `${err.name}: ${msg}`, EXIT_INVALID];
  }
  return [String(e), EXIT_INVALID];
}

process.on('SIGINT', () => process.exit(EXIT_INTERRUPTED));
process.stdout.on('error', (e) => {
  if (/** @type {NodeJS.ErrnoException} */ (e).code === 'EPIPE') process.exit(EXIT_OK);   // e.g. `| head`
  fail(e.message, EXIT_INVALID);
});
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  const [msg, code] = classify(e);
  fail(msg, code);
}
