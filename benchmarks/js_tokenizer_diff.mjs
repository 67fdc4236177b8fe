#!/usr/bin/env node
/**
 * Where do the JS tokenizers differ from Python `tokenizers` (Rust) on a bundle's tokenizer.json?
 * Compares word-piece ids (no special tokens) of
 *   - every Unicode code point alone, and inside a word ("ab" + c + "cd"),
 *   - probe strings (casing outside Latin-1, final sigma, CJK extensions, emoji, controls, fullwidth, ...),
 *   - GLUE texts (SST-2 train+dev, MRPC dev) when the data folder exists,
 * for the runtime's tokenizer (runtime/js WordPieces: @huggingface/tokenizers 0.2.0 with the Rust-faithful
 * BertNormalizer) and, with --raw, for plain @huggingface/tokenizers 0.2.0. Prints mismatch counts, the code point
 * ranges that differ, and examples, as JSON.
 *
 *   node benchmarks/js_tokenizer_diff.mjs TOKENIZER_JSON [--raw] [--glue DIR] [--json OUT]
 * Python: EDGEKD_PYTHON (default .venv/bin/python). Takes ~1 min on one core (2 x 1.1M encodes per side).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const JS = path.join(REPO, 'runtime', 'js');
const { WordPieces } = await import(path.join(JS, 'src', 'core', 'tokenizer.js'));
const { Tokenizer } = await import(path.join(JS, 'node_modules', '@huggingface', 'tokenizers', 'dist', 'tokenizers.mjs'));

const args = process.argv.slice(2);
const file = args.find((x) => !x.startsWith('--') && !['--glue', '--json'].includes(args[args.indexOf(x) - 1]));
if (!file) throw new Error('usage: node benchmarks/js_tokenizer_diff.mjs TOKENIZER_JSON [--raw] [--glue DIR] [--json OUT]');
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const glue = opt('--glue', process.env.EDGEKD_GLUE_DIR || '/work/shared/data/glue');
const py = process.env.EDGEKD_PYTHON || path.join(REPO, '.venv', 'bin', 'python');

const PROBES = ['ΟΔΟΣ ΣΟΦΟΣ', 'ΟΔΟΣ.', 'Σ', 'ΑΣ Σ ΣΑ', 'İstanbul ŞİŞLİ', 'ǅemal ǈ ǋ', 'ẞtraße STRASSE', 'ÅNGSTRÖM Ω K',
  'Ⅻ ⅻ Ⓐ', 'ﬁnalement ﬀ ﬃ', 'ΆΈΉ ΐ ΰ', 'ǰ ẖ ẘ ẙ ẚ ŉ', 'a\u0345b', 'Ꭰ ꭰ Ա ﬓ ꞵ Ʌ', 'cafe\u0301 nai\u0308ve',
  '这部电影非常好看，我很喜欢', '𠝂𠀀 ab𠝂cd 𪜀', 'この映画は素晴らしい！', '영화가 정말 좋았어요', 'ＦＵＬＬＷＩＤＴＨ　ｔｅｘｔ！？ １２３',
  'great movie 😍🔥 👍🏽', '👨‍👩‍👧 ❤️', 'tab\there\x00null\x07bell\u200bzero\u200dwidth\ufeffbom', '\u00a0nbsp\u2003em\u3000ideographic',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 → ⊕ ∀x ∈ ℝ', 'الفيلم رائع جدا', 'फ़िल्म बहुत अच्छी थी', 'หนังเรื่องนี้ดีมาก', "don't won't y'all", '[CLS] x [SEP] [MASK]',
  'x'.repeat(120), '\ud800 lone surrogate', '؝ ⹃ ᭎'];

function readGlue() {
  const out = [];
  for (const [rel, cols] of [['SST-2/dev.tsv', ['sentence']], ['SST-2/train.tsv', ['sentence']], ['MRPC/dev.tsv', ['#1 String', '#2 String']]]) {
    const f = path.join(glue, rel);
    if (!existsSync(f)) continue;
    const lines = readFileSync(f, 'utf8').replace(/^\ufeff/, '').split('\n');
    const header = lines[0].replace(/\r$/, '').split('\t');
    const idx = cols.map((c) => header.indexOf(c));
    for (const l of lines.slice(1)) if (l) { const p = l.replace(/\r$/, '').split('\t'); for (const i of idx) out.push(p[i]); }
  }
  return out;
}

const texts = [...PROBES, ...readGlue()];
const dir = mkdtempSync(path.join(tmpdir(), 'edgekd-tokdiff-'));
const req = path.join(dir, 'req.json'), res = path.join(dir, 'ref.json');
writeFileSync(req, JSON.stringify({ texts }));
const code = `
import json, sys
from tokenizers import Tokenizer
tok = Tokenizer.from_file(sys.argv[1]); tok.no_padding(); tok.no_truncation()
texts = json.load(open(sys.argv[2]))["texts"]
texts = [t.encode("utf-16", "surrogatepass").decode("utf-16", "replace") for t in texts]
cps = [c for c in range(0x110000) if not (0xD800 <= c <= 0xDFFF)]
enc = lambda xs: [e.ids for e in tok.encode_batch(xs, add_special_tokens=False)]
json.dump({"cps": cps, "alone": enc([chr(c) for c in cps]), "ctx": enc(["ab" + chr(c) + "cd" for c in cps]), "texts": enc(texts)}, open(sys.argv[3], "w"))
`;
const r = spawnSync(py, ['-c', code, file, req, res], { encoding: 'utf8', env: { ...process.env, RAYON_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false' } });
if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
const ref = JSON.parse(readFileSync(res, 'utf8'));
const json = JSON.parse(readFileSync(file, 'utf8'));

const eq = (x, y) => x.length === y.length && x.every((v, i) => v === y[i]);
const hex = (c) => 'U+' + c.toString(16).toUpperCase().padStart(4, '0');
function ranges(cps) {
  const out = [];
  for (const c of cps) {
    const last = out[out.length - 1];
    if (last && c === last[1] + 1) last[1] = c; else out.push([c, c]);
  }
  return out.map(([x, y]) => (x === y ? hex(x) : `${hex(x)}-${hex(y)}`));
}

function compare(name, encode) {
  const alone = [], ctx = [], txt = [];
  ref.cps.forEach((c, i) => {
    const ch = String.fromCodePoint(c);
    if (!eq(encode(ch), ref.alone[i])) alone.push(c);
    if (!eq(encode('ab' + ch + 'cd'), ref.ctx[i])) ctx.push(c);
  });
  texts.forEach((t, i) => { const got = encode(t); if (!eq(got, ref.texts[i])) txt.push({ text: t.slice(0, 80), python: ref.texts[i].slice(0, 16), js: got.slice(0, 16) }); });
  return {
    tokenizer: name,
    code_points_alone: { checked: ref.cps.length, mismatching: alone.length, ranges: ranges(alone) },
    code_points_in_word: { checked: ref.cps.length, mismatching: ctx.length, ranges: ranges(ctx) },
    texts: { checked: texts.length, probes: PROBES.length, glue: texts.length - PROBES.length, mismatching: txt.length, examples: txt.slice(0, 12) },
  };
}

const ours = new WordPieces(json, file);
const report = { tokenizer_json: file, results: [compare('runtime/js WordPieces (Rust-faithful BertNormalizer)', (t) => ours.encodeIds(t))] };
if (args.includes('--raw')) {
  const raw = new Tokenizer({ ...json, padding: null, truncation: null }, {});
  report.results.push(compare('@huggingface/tokenizers 0.2.0 as is', (t) => raw.encode(t.toWellFormed(), { add_special_tokens: false }).ids));
}
console.log(JSON.stringify(report, null, 2));
if (opt('--json', '')) writeFileSync(opt('--json', ''), JSON.stringify(report, null, 2) + '\n');
