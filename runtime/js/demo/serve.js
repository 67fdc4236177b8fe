#!/usr/bin/env node
/**
 * A tiny static server for the browser demo: serves runtime/js/ (the demo, the package's sources and the
 * onnxruntime-web / tokenizers files under node_modules) and maps /bundle/ (and /demo/bundle/, the page's
 * default ./bundle/) to a bundle folder. More bundles: NAME=DIR serves DIR at /bundles/NAME/.
 *
 *   node demo/serve.js [--port 8000] [--host 127.0.0.1] BUNDLE_DIR [NAME=DIR ...]
 *   -> open http://127.0.0.1:8000/demo/   (or /demo/?bundle=/bundles/NAME/)
 *
 * Binds 127.0.0.1 by default; --port 0 picks a free port. Prints "serving URL" once listening.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PUBLIC = ['/demo/', '/src/', '/node_modules/onnxruntime-web/dist/', '/node_modules/@huggingface/tokenizers/dist/'];
/** @type {Record<string, string>} */
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream', '.md': 'text/markdown; charset=utf-8', '.png': 'image/png', '.map': 'application/json',
  '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8',
};

/** @param {string} msg @returns {never} */
function usage(msg) {
  process.stderr.write(`serve.js: error: ${msg}\nusage: node demo/serve.js [--port N] [--host H] BUNDLE_DIR [NAME=DIR ...]\n`);
  process.exit(2);
}

let port = 8000, host = '127.0.0.1';
/** @type {Map<string, string>} URL prefix -> folder */
const mounts = new Map();
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--port' || a === '-p') port = Number(args[++i]);
  else if (a.startsWith('--port=')) port = Number(a.slice(7));
  else if (a === '--host') host = args[++i];
  else if (a === '-h' || a === '--help') { process.stdout.write('usage: node demo/serve.js [--port N] [--host H] BUNDLE_DIR [NAME=DIR ...]\n'); process.exit(0); }
  else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else {
    const eq = a.indexOf('=');
    const [name, dir] = eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [null, a];
    if (!existsSync(dir) || !statSync(dir).isDirectory()) usage(`${dir}: not a folder`);
    if (name === null) { mounts.set('/bundle/', path.resolve(dir)); mounts.set('/demo/bundle/', path.resolve(dir)); }
    else mounts.set(`/bundles/${encodeURIComponent(name)}/`, path.resolve(dir));
  }
}
if (!Number.isInteger(port) || port < 0 || port > 65535) usage('--port must be 0..65535');
if (!mounts.size) usage('give the bundle folder to serve at /bundle/');

/**
 * @param {string} base
 * @param {string} rel decoded path below base
 */
function inside(base, rel) {
  const p = path.resolve(base, '.' + path.posix.normalize('/' + rel));
  return p === base || p.startsWith(base + path.sep) ? p : null;
}

const server = createServer((req, res) => {
  /** @param {number} code @param {string} text @param {Record<string, string>} [headers] */
  const send = (code, text, headers = {}) => {
    res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
    res.end(text);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    return send(400, 'bad request\n');
  }
  if (pathname === '/' || pathname === '/demo') return send(302, '', { Location: '/demo/' });
  let file = null;
  for (const [prefix, dir] of mounts) {
    if (pathname.startsWith(prefix)) { file = inside(dir, pathname.slice(prefix.length)); break; }
  }
  if (file === null && PUBLIC.some((p) => pathname.startsWith(p))) file = inside(ROOT, pathname.slice(1));
  if (file !== null && existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html');
  if (file === null || !existsSync(file) || !statSync(file).isFile()) return send(404, 'not found\n');
  const size = statSync(file).size;
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': size, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).pipe(res);
});
server.listen(port, host, () => {
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.stdout.write(`serving http://${host}:${addr.port}/demo/ (bundles: ${[...mounts].filter(([p]) => p !== '/demo/bundle/').map(([p, d]) => `${p} -> ${d}`).join(', ')})\n`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
