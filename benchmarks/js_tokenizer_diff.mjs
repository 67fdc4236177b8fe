#!/usr/bin/env node
/**
 * Where do the JS tokenizers differ from Python `tokenizers` (Rust) on a bundle's tokenizer.json?
 * Compares word-piece ids (no special tokens) of
 *   - every Unicode code point alone, and inside a word ("ab" + c + "cd"),
 *   - probe strings (casing outside Latin-1, final sigma, CJK extensions, emoji, controls, fullwidth, ...),
 *   - GLUE texts (SST-2 train+dev, MRPC dev) when the data folder exists,
 *   - with --mixed N: N adversarial mixed-script texts (runtime/js/tools/mixed_script.js, --seed S, default 23),
 *     through TOKENIZER_JSON and through the same pipeline with its vocabulary extended by every character of the
 *     texts and of their Rust normalization (tests/runtime/mixed_script.py), where [UNK] hides no difference,
 * for the runtime's tokenizer (runtime/js WordPieces: @huggingface/tokenizers 0.2.0 with the Rust BERT normalizer
 * and pre-tokenizer; --module FILE: another tokenizer.js exporting WordPieces, e.g. an older version copied next to
 * it) and, with --raw, for plain @huggingface/tokenizers 0.2.0. Prints mismatch counts, the code point ranges that
 * differ, and examples, as JSON. --no-code-points skips the 1.1M-code-point part.
 *
 *   node benchmarks/js_tokenizer_diff.mjs TOKENIZER_JSON [--raw] [--glue DIR] [--mixed N [--seed S]]
 *        [--no-code-points] [--module FILE] [--json OUT]
 * Python: EDGEKD_PYTHON (default .venv/bin/python). Takes ~1 min on one core (2 x 1.1M encodes per side);
 * --mixed 100000 adds ~2 min.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const JS = path.join(REPO, 'runtime', 'js');
const { Tokenizer } = await import(path.join(JS, 'node_modules', '@huggingface', 'tokenizers', 'dist', 'tokenizers.mjs'));
const { mixedScriptTexts } = await import(path.join(JS, 'tools', 'mixed_script.js'));

const args = process.argv.slice(2);
const VALUED = ['--glue', '--json', '--mixed', '--seed', '--module'];
const file = args.find((x, i) => !x.startsWith('--') && !VALUED.includes(args[i - 1]));
if (!file) throw new Error('usage: node benchmarks/js_tokenizer_diff.mjs TOKENIZER_JSON [--raw] [--glue DIR] [--mixed N [--seed S]] [--no-code-points] [--module FILE] [--json OUT]');
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const modulePath = path.resolve(opt('--module', path.join(JS, 'src', 'core', 'tokenizer.js')));
const { WordPieces } = await import(modulePath);
const codePoints = !args.includes('--no-code-points');
const nMixed = Number(opt('--mixed', '0'));
const mixed = nMixed > 0 ? mixedScriptTexts(Number(opt('--seed', '23')), nMixed) : [];
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
writeFileSync(req, JSON.stringify({ texts, mixed, code_points: codePoints }));
const code = `
import json, sys
from tokenizers import Tokenizer
tok = Tokenizer.from_file(sys.argv[1]); tok.no_padding(); tok.no_truncation()
req = json.load(open(sys.argv[2]))
texts = [t.encode("utf-16", "surrogatepass").decode("utf-16", "replace") for t in req["texts"]]
cps = [c for c in range(0x110000) if not (0xD800 <= c <= 0xDFFF)] if req["code_points"] else []
enc = lambda t, xs: [e.ids for e in t.encode_batch(xs, add_special_tokens=False)]
out = {"cps": cps, "alone": enc(tok, [chr(c) for c in cps]), "ctx": enc(tok, ["ab" + chr(c) + "cd" for c in cps]), "texts": enc(tok, texts)}
if req["mixed"]:
    from tests.runtime.mixed_script import char_vocab_tokenizer
    ext = char_vocab_tokenizer(req["mixed"], base=tok)
    out |= {"mixed": enc(tok, req["mixed"]), "extended": ext.to_str(), "mixed_extended": enc(ext, req["mixed"])}
json.dump(out, open(sys.argv[3], "w"))
`;
const r = spawnSync(py, ['-c', code, file, req, res], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, RAYON_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false' } });
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

/**
 * Texts whose ids differ from `want`, with the first examples.
 * @param {string[]} xs
 * @param {number[][]} want
 * @param {(t: string) => number[]} encode
 */
function textDiff(xs, want, encode) {
  const bad = [];
  xs.forEach((t, i) => { const got = encode(t); if (!eq(got, want[i])) bad.push({ text: t.slice(0, 80), python: want[i].slice(0, 16), js: got.slice(0, 16) }); });
  return { checked: xs.length, mismatching: bad.length, examples: bad.slice(0, 12) };
}

function compare(name, encode, load) {
  const alone = [], ctx = [];
  ref.cps.forEach((c, i) => {
    const ch = String.fromCodePoint(c);
    if (!eq(encode(ch), ref.alone[i])) alone.push(c);
    if (!eq(encode('ab' + ch + 'cd'), ref.ctx[i])) ctx.push(c);
  });
  const out = {
    tokenizer: name,
    code_points_alone: { checked: ref.cps.length, mismatching: alone.length, ranges: ranges(alone) },
    code_points_in_word: { checked: ref.cps.length, mismatching: ctx.length, ranges: ranges(ctx) },
    texts: { probes: PROBES.length, glue: texts.length - PROBES.length, ...textDiff(texts, ref.texts, encode) },
  };
  if (mixed.length) {
    const ext = load(JSON.parse(ref.extended));
    out.mixed_script = { seed: Number(opt('--seed', '23')), ...textDiff(mixed, ref.mixed, encode) };
    out.mixed_script_vocab_extended = textDiff(mixed, ref.mixed_extended, ext);
  }
  return out;
}

/** @param {any} j */
const oursFor = (j) => { const w = new WordPieces(j, file); return (t) => w.encodeIds(t); };
/** @param {any} j */
const rawFor = (j) => { const w = new Tokenizer({ ...j, padding: null, truncation: null }, {}); return (t) => w.encode(t.toWellFormed(), { add_special_tokens: false }).ids; };
const report = { tokenizer_json: file, results: [compare(`runtime/js WordPieces (${path.relative(REPO, modulePath)})`, oursFor(json), oursFor)] };
if (args.includes('--raw')) report.results.push(compare('@huggingface/tokenizers 0.2.0 as is', rawFor(json), rawFor));
console.log(JSON.stringify(report, null, 2));
if (opt('--json', '')) writeFileSync(opt('--json', ''), JSON.stringify(report, null, 2) + '\n');
