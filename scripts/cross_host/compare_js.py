"""Int8 (and fp32) logits of the same bundle through the Python runtime (onnxruntime), Node (onnxruntime-node) and
the browser build (onnxruntime-web, wasm, one thread, headless chromium) on this x86-64 host, batch 1 and batched,
on SST-2 dev (single-sentence bundles) and MRPC dev (pair bundles). Issue 23: does one bundle give the same
answers everywhere, wasm included?

    python scripts/cross_host/compare_js.py run [--work runs/cross-host/js] [--results benchmarks/results/cross-host]
        [--fixtures DIR] [--limit N] [NAME=BUNDLE_DIR ...]
    python scripts/cross_host/compare_js.py dump-py --bundle DIR --data DEV.tsv|INPUTS.json --out OUTDIR [--model M]... [--limit N]
    python scripts/cross_host/compare_js.py compare WORK RESULTS_DIR

`run`: for every bundle (NAME=DIR, plus with --fixtures the random-weight bundles of tests.runtime.make_fixtures
and scripts/cross_host/fixtures.py built into DIR), every model of its manifest, and engine in (onnxruntime, node,
wasm): logits of every dev row batched (the runtime's default batching, 64 rows / 512 tokens) and batch 1 (each row
alone) into WORK/dumps/native/<NAME>/<model>.<engine>[-b1].json -- the layout and record format of
scripts/cross-host.sh's dumps (dump_logits.py, dump_logits.mjs), with label_ids added -- then `compare`.
`compare`: every pair of engines, batch 1 and batched: max |Δlogit| and argmax (label) agreement ->
RESULTS_DIR/js-wasm.json and RESULTS_DIR/js-wasm.md. Wall times are recorded per dump (how long a run took),
never compared or reported as results. Run with the repo's .venv; needs node, runtime/js/node_modules and chromium.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT / "runtime")]

import numpy as np  # noqa: E402

from inputs import read_rows  # noqa: E402  (scripts/cross_host/inputs.py: the same parsing every host uses)

ENGINES = ("onnxruntime", "node", "wasm")
ENGINE_NAMES = {"onnxruntime": "Python (onnxruntime)", "node": "Node (onnxruntime-node)",
                "wasm": "browser (onnxruntime-web wasm)"}
GLUE = Path(os.environ.get("EDGEKD_GLUE_DIR", ROOT.parent / "shared" / "data" / "glue"))
DEV = {False: GLUE / "SST-2" / "dev.tsv", True: GLUE / "MRPC" / "dev.tsv"}


# ------------------------------------------------------------------ inputs and Python dumps
def load_rows(path: str | Path) -> list:
    path = str(path)
    if path.endswith(".json"):
        return json.loads(Path(path).read_text(encoding="utf-8"))["rows"]
    return read_rows(path)


def rows_sha(rows: list) -> str:
    """sha256 of the rows as compact JSON, as js_logits.mjs computes it (JSON.stringify)."""
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()


def cpu_flags() -> list[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    flags = next((ln.split(":", 1)[1].split() for ln in text.splitlines() if ln.startswith("flags")), [])
    want = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "amx_tile", "avx512_bf16")
    return [f for f in want if f in flags]


def py_host() -> dict:
    from dump_logits import host_info  # scripts/cross_host/dump_logits.py
    info = host_info()
    info["cpu_flags"] = cpu_flags()
    info["cpu_model"] = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                              if ln.startswith("model name")), platform.processor())
    return info


def manifest(bundle: str | Path) -> dict:
    return json.loads((Path(bundle) / "manifest.json").read_text(encoding="utf-8"))


def dump_py(bundle: str, data: str, out: str, models: list[str], limit: int | None) -> list[Path]:
    """Python runtime, onnxruntime, 1 thread: <model>.onnxruntime.json (batched) and .onnxruntime-b1.json."""
    from edgekd_runtime import Bundle

    rows = load_rows(data)[:limit] if limit else load_rows(data)
    items = [tuple(r) if isinstance(r, list) else r for r in rows]
    sha, host = rows_sha(rows), py_host()
    specs = manifest(bundle)["models"]
    files = [next(m["file"] for m in specs if want in (m["file"], m["precision"])) for want in models] if models \
        else [m["file"] for m in specs]
    Path(out).mkdir(parents=True, exist_ok=True)
    written = []
    for file in files:
        b = Bundle.load(bundle, model=file, threads=1)
        for b1 in (False, True):
            t0 = time.perf_counter()
            if b1:
                preds = [b.predict([it]) for it in items]
                logits = np.concatenate([p.logits for p in preds]) if preds else np.zeros((0, 0), np.float32)
                ids = np.concatenate([p.label_ids for p in preds]) if preds else np.zeros(0, np.int64)
            else:
                p = b.predict(items)
                logits, ids = p.logits, p.label_ids
            wall = time.perf_counter() - t0
            runtime = "onnxruntime-b1" if b1 else "onnxruntime"
            rec = {"bundle": str(bundle), "model": b.spec.file, "precision": b.spec.precision, "backend": "onnxruntime",
                   "engine": "onnxruntime",
                   "batching": {"batch_size": 1, "per_row": True} if b1 else
                   {"batch_size": 64, "max_tokens": 512, "default": True},
                   "inputs": str(data), "inputs_sha256": sha, "rows": len(rows), "host": host,
                   "logits": [[float(x) for x in r] for r in logits], "label_ids": [int(i) for i in ids],
                   "wall_s": round(wall, 2)}
            path = Path(out) / f"{b.spec.file}.{runtime}.json"
            path.write_text(json.dumps(rec), encoding="utf-8")
            print(f"{path}: {len(rows)} rows, {wall:.1f} s", flush=True)
            written.append(path)
    return written


# ------------------------------------------------------------------ compare
def load_dumps(dumps: Path) -> dict:
    """{(bundle, model, engine, b1): record} from dumps/native/<bundle>/<model>.<engine>[-b1].json."""
    out = {}
    for f in sorted(dumps.glob("native/*/*.json")):
        if f.name.startswith(("selftest.", "info.")):
            continue
        model, runtime = f.name[:-len(".json")].rsplit(".", 1)
        engine, b1 = (runtime[:-3], True) if runtime.endswith("-b1") else (runtime, False)
        if engine not in ENGINES:
            continue
        rec = json.loads(f.read_text(encoding="utf-8"))
        rec["_logits"] = np.asarray(rec["logits"], dtype=np.float64)
        out[(f.parent.name, model, engine, b1)] = rec
    return out


def golden_tolerance(bundle: str) -> dict:
    """The bundle's golden.json tolerance table (edgekd_runtime.golden.TOLERANCE where it has none)."""
    from edgekd_runtime.golden import TOLERANCE
    try:
        raw = json.loads((Path(bundle) / "golden.json").read_text(encoding="utf-8")).get("tolerance") or {}
    except (OSError, ValueError):
        raw = {}
    return {**TOLERANCE, **{k: float(v) for k, v in raw.items()}}


def tolerance_ratio(a: np.ndarray, b: np.ndarray, precision: str, table: dict) -> float:
    """max over rows of max|a - b| / the selftest's tolerance for the row (expected = a), as golden.tolerance()."""
    if not len(a):
        return 0.0
    if precision == "fp32":
        tol = np.full(len(a), float(table["fp32"]))
    else:
        tol = float(table["int8"]) * np.maximum(1.0, np.abs(a).max(axis=1))
    return float((np.abs(a - b).max(axis=1) / tol).max())


def diff(ra: dict, rb: dict) -> dict:
    a, b = ra["_logits"], rb["_logits"]
    if a.shape != b.shape:
        return {"error": f"shapes differ: {a.shape} vs {b.shape}"}
    la, lb = a.argmax(axis=1), b.argmax(axis=1)
    agree = la == lb
    d = np.abs(a - b)
    out = {"rows": int(len(a)), "max_abs_diff": float(d.max(initial=0.0)),
           "mean_abs_diff": float(d.mean()) if d.size else 0.0,
           "rows_differing": int((d.max(axis=1) > 0).sum()) if d.size else 0,
           "label_agreement": float(agree.mean()) if len(a) else None,
           "label_disagreements": int((~agree).sum()), "identical": bool(np.array_equal(a, b)),
           "same_inputs": ra.get("inputs_sha256") == rb.get("inputs_sha256"),
           "golden_tolerance_ratio": tolerance_ratio(a, b, ra.get("precision", "int8"), golden_tolerance(ra["bundle"]))}
    if (~agree).any():   # how close to the boundary the flipped rows are (logit margin of the first engine)
        s = np.sort(a[~agree], axis=1)
        out["flipped_rows"] = [int(i) for i in np.flatnonzero(~agree)[:20]]
        out["flipped_max_margin"] = float((s[:, -1] - s[:, -2]).max())
    return out


def weight_bits(m: dict, precision: str) -> str:
    if precision != "int8":
        return "fp32"
    q = m.get("quantization") or {}
    return "7" if q.get("reduce_range") else "8"


def compare(work: Path, results: Path) -> dict:
    dumps = load_dumps(work / "dumps")
    bundles = json.loads((work / "bundles.json").read_text(encoding="utf-8")) if (work / "bundles.json").is_file() else {}
    comps, hosts = [], {}
    for bundle, model in sorted({(b, m) for b, m, _, _ in dumps}):
        info = bundles.get(bundle, {})
        first = next(r for (b, m, _, _), r in dumps.items() if (b, m) == (bundle, model))
        mf = manifest(first["bundle"]) if Path(first["bundle"], "manifest.json").is_file() else {}
        base = {"bundle": bundle, "model": model, "precision": first.get("precision"),
                "weight_bits": weight_bits(mf, first.get("precision", "")), "quantization": (mf.get("quantization") or {}).get("name"),
                "task": mf.get("task"), "pair": mf.get("pair"), "dev": Path(first.get("inputs", "")).parent.name,
                "source": info.get("source", first["bundle"])}
        for b1 in (True, False):
            present = [e for e in ENGINES if (bundle, model, e, b1) in dumps]
            for e1, e2 in itertools.combinations(present, 2):
                comps.append({**base, "a": e1, "b": e2, "batching": "batch 1" if b1 else "batched",
                              **diff(dumps[(bundle, model, e1, b1)], dumps[(bundle, model, e2, b1)])})
        for e in ENGINES:   # the same engine, batch 1 vs batched (the golden vectors' two expectations)
            if (bundle, model, e, True) in dumps and (bundle, model, e, False) in dumps:
                comps.append({**base, "a": e, "b": e, "batching": "batch 1 vs batched",
                              **diff(dumps[(bundle, model, e, True)], dumps[(bundle, model, e, False)])})
        for (b, m, e, b1), r in dumps.items():
            if (b, m) == (bundle, model):
                hosts.setdefault(e, r.get("host"))
    timings = [{"bundle": b, "model": m, "engine": e, "batching": "batch 1" if b1 else "batched", "rows": r["rows"],
                "wall_s": r.get("wall_s")} for (b, m, e, b1), r in sorted(dumps.items())]
    res = {"what": "logits of the same bundle through the Python runtime (onnxruntime), Node (onnxruntime-node) and "
                   "the browser build (onnxruntime-web wasm, 1 thread, headless chromium) on one x86-64 host; "
                   "SST-2 dev for single-sentence bundles, MRPC dev for pair bundles; batch 1 = each row alone, "
                   "batched = predict's default batching (64 rows, 512 tokens)",
           "command": (work / "command.txt").read_text().strip() if (work / "command.txt").is_file() else None,
           "engines": hosts, "bundles": bundles, "comparisons": comps,
           "run_wall_s_not_results": timings,
           "notes": (work / "notes.txt").read_text().splitlines() if (work / "notes.txt").is_file() else []}
    results.mkdir(parents=True, exist_ok=True)
    (results / "js-wasm.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    (results / "js-wasm.md").write_text(markdown(res), encoding="utf-8")
    print(f"{results}/js-wasm.json, {results}/js-wasm.md: {len(comps)} comparisons")
    return res


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    return "0" if x == 0 else f"{x:.2g}"


def _agree(c: dict) -> str:
    if c.get("label_agreement") is None:
        return "-"
    return "100%" if c["label_disagreements"] == 0 else f"{100 * c['label_agreement']:.2f}% ({c['label_disagreements']} differ)"


def markdown(res: dict) -> str:
    short = {"onnxruntime": "py", "node": "node", "wasm": "wasm"}
    eng = res["engines"]
    lines = ["# One bundle, three engines: Python, Node and wasm logits (issue 23)", "",
             f"Made by `{res['command']}` (`scripts/cross_host/compare_js.py`, dumps by `js_logits.mjs`). "
             "All on this x86-64 host; py = Python runtime `Bundle.load(path, model=..., threads=1).predict` on "
             "onnxruntime (CPU provider, its x86 int8 kernels: AVX-512 VNNI / AMX here), node = the JS runtime on "
             "onnxruntime-node (1 thread), wasm = the JS runtime's browser build on onnxruntime-web's wasm backend "
             "(1 thread, no COOP/COEP) in headless Debian chromium via playwright-core. "
             "Batch 1 = `predict([row])` per row; batched = `predict(rows)` with the default batching. "
             "Rows: SST-2 dev (872) for single-sentence bundles, MRPC dev (408) for pair bundles. "
             "Weight bits: 7 = reduce_range (preset `default`), 8 = full-range weights (preset `vnni`, fixtures `-w8`). "
             "Worst Δ / golden tolerance: max over rows of the row's max |Δlogit| over the selftest tolerance for "
             "it (the bundle's golden.json: fp32 1e-5, int8 0.05 x max(1, max |logit|)); below 1, a golden vector "
             "made from that row on one engine would pass on the other.",
             "", "| engine | versions |", "|---|---|"]
    for e, h in eng.items():
        h = h or {}
        v = {"onnxruntime": lambda: f"Python {h.get('python')}, onnxruntime {h.get('onnxruntime')}, "
                                    f"{h.get('cpu_model')} ({', '.join(h.get('cpu_flags') or [])})",
             "node": lambda: f"Node {h.get('node')}, onnxruntime-node {h.get('onnxruntime')}",
             "wasm": lambda: f"chromium {h.get('browser')}, onnxruntime-web {h.get('onnxruntime')}, "
                             f"{h.get('wasm_threads')} wasm thread(s), crossOriginIsolated={h.get('cross_origin_isolated')}"}[e]()
        lines.append(f"| {short[e]} | {v} |")
    comps = res["comparisons"]
    lines += ["", "## Summary: worst over all bundles", "",
              "| bundles | weight bits | engines | n | max abs Δlogit b1 / batched | label disagreements b1 / batched (rows) "
              "| worst Δ / golden tolerance |", "|---|---|---|---|---|---|---|"]
    groups: dict = {}
    for c in comps:
        if c["a"] != c["b"] and "error" not in c:
            kind = res.get("bundles", {}).get(c["bundle"], {}).get("kind", "-")
            groups.setdefault((kind, c["weight_bits"], c["a"], c["b"]), []).append(c)
    for (kind, bits, a, b), cs in sorted(groups.items(), key=lambda kv: (kv[0][0] != "trained", kv[0][0], kv[0][1],
                                                                         ENGINES.index(kv[0][2]), ENGINES.index(kv[0][3]))):
        by = {k: [c for c in cs if c["batching"] == k] for k in ("batch 1", "batched")}
        mx = {k: max((c["max_abs_diff"] for c in v), default=None) for k, v in by.items()}
        dis = {k: (sum(c["label_disagreements"] for c in v), sum(c["rows"] for c in v)) for k, v in by.items()}
        lines.append(f"| {kind} | {bits} | {short[a]} vs {short[b]} | {len({c['bundle'] for c in cs})} | "
                     f"{_fmt(mx['batch 1'])} / {_fmt(mx['batched'])} | {dis['batch 1'][0]} of {dis['batch 1'][1]} / "
                     f"{dis['batched'][0]} of {dis['batched'][1]} | {_fmt(max(c['golden_tolerance_ratio'] for c in cs))} |")
    lines += ["", "## Engine pairs: max |Δlogit| (batch 1 / batched), label agreement (batch 1 / batched)", "",
              "| bundle | dev | model | weight bits | engines | max abs Δlogit b1 / batched | labels agree b1 / batched "
              "| worst Δ / golden tolerance |",
              "|---|---|---|---|---|---|---|---|"]
    keyed = {(c["bundle"], c["model"], c["a"], c["b"], c["batching"]): c for c in comps}
    order = sorted({(c["bundle"], c["model"], c["a"], c["b"]) for c in comps if c["a"] != c["b"]},
                   key=lambda k: (k[0], k[1] != "model.int8.onnx", k[1], ENGINES.index(k[2]), ENGINES.index(k[3])))
    for bundle, model, a, b in order:
        c1, cb = keyed.get((bundle, model, a, b, "batch 1")), keyed.get((bundle, model, a, b, "batched"))
        c = c1 or cb
        lines.append(f"| {bundle} | {c['dev']} | {model} | {c['weight_bits']} | {short[a]} vs {short[b]} | "
                     f"{_fmt((c1 or {}).get('max_abs_diff'))} / {_fmt((cb or {}).get('max_abs_diff'))} | "
                     f"{_agree(c1 or {})} / {_agree(cb or {})} | "
                     f"{_fmt(max((x or {}).get('golden_tolerance_ratio', 0.0) for x in (c1, cb)))} |")
    lines += ["", "## Same engine: batch 1 vs batched", "",
              "| bundle | model | weight bits | engine | max abs Δlogit | labels agree | worst Δ / golden tolerance |",
              "|---|---|---|---|---|---|---|"]
    for c in sorted((c for c in comps if c["a"] == c["b"]),
                    key=lambda c: (c["bundle"], c["model"] != "model.int8.onnx", c["model"], ENGINES.index(c["a"]))):
        lines.append(f"| {c['bundle']} | {c['model']} | {c['weight_bits']} | {short[c['a']]} | "
                     f"{_fmt(c.get('max_abs_diff'))} | {_agree(c)} | {_fmt(c.get('golden_tolerance_ratio'))} |")
    bad = [c for c in comps if not c.get("same_inputs", True) or "error" in c]
    if bad:
        lines += ["", "**Input mismatch** (the engines did not classify the same rows): " +
                  "; ".join(f"{c['bundle']} {c['model']} {c['a']}/{c['b']}" for c in bad)]
    if res.get("bundles"):
        lines += ["", "## Bundles", "", "| name | kind | source | task | quantization | weight bits (int8) | models |",
                  "|---|---|---|---|---|---|---|"]
        for n, i in res["bundles"].items():
            lines.append(f"| {n} | {i.get('kind', '-')} | `{i.get('source')}` | {i.get('task')} | {i.get('quantization')} | "
                         f"{i.get('weight_bits')} | {', '.join(i.get('models') or [])} |")
    if res.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {n}" for n in res["notes"]]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ run
def fixture_bundles(folder: Path) -> dict[str, Path]:
    """Random-weight bundles: tests.runtime.make_fixtures (single, pair, all8: 7-bit) and fixtures.py (-w8 / -w7)."""
    py = sys.executable
    subprocess.run([py, "-m", "tests.runtime.make_fixtures", str(folder / "runtime")], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([py, str(HERE / "fixtures.py"), str(folder / "cross-host")], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    out = {f"fx-{n}": folder / "runtime" / n for n in ("single", "pair", "all8")}
    out.update({f"fx-{n}": folder / "cross-host" / n for n in ("single-w8", "single-w7", "pair-w8", "pair-w7")})
    return out


def run(args: argparse.Namespace) -> int:
    work, t_all = Path(args.work), time.time()
    bundles: dict[str, Path] = {}
    fixtures: set[str] = set()
    if args.fixtures:
        bundles.update(fixture_bundles(Path(args.fixtures)))
        fixtures = set(bundles)
    for spec in args.bundles:
        name, _, d = spec.partition("=")
        if not d:
            name, d = Path(spec).name, spec
        bundles[name] = Path(d).resolve()
    if not bundles:
        print("no bundles: give NAME=DIR or --fixtures DIR", file=sys.stderr)
        return 2
    (work / "dumps" / "native").mkdir(parents=True, exist_ok=True)
    (work / "command.txt").write_text(" ".join(["scripts/cross_host/compare_js.py", *sys.argv[1:]]) + "\n")
    notes: list[str] = list(args.note)
    described = {}
    for name, d in bundles.items():
        m = manifest(d)
        q = m.get("quantization") or {}
        described[name] = {"kind": "fixture (random weights)" if name in fixtures else "trained", "source": os.path.relpath(d, ROOT) if str(d).startswith(str(ROOT)) else str(d),
                           "task": m.get("task"), "pair": m.get("pair"), "models": [x["file"] for x in m["models"]],
                           "quantization": q.get("name"), "weight_bits": 7 if q.get("reduce_range") else 8,
                           "checkpoint": (m.get("provenance") or {}).get("checkpoint")}
        data = DEV[bool(m.get("pair"))]
        out = work / "dumps" / "native" / name
        lim = ["--limit", str(args.limit)] if args.limit else []
        t0 = time.time()
        dump_py(str(d), str(data), str(out), [], args.limit)
        for engine in ("node", "wasm"):
            cmd = ["node", str(HERE / "js_logits.mjs"), "--engine", engine, "--bundle", str(d), "--data", str(data),
                   "--out", str(out), *lim]
            r = subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True)
            sys.stdout.write(r.stdout)
            if r.returncode != 0:
                msg = (r.stderr.strip().splitlines() or ["?"])[-1]
                notes.append(f"{name} {engine}: exit {r.returncode}: {msg}")
                print(f"{name} {engine}: FAILED: {r.stderr}", file=sys.stderr)
        notes.append(f"{name}: dumps took {time.time() - t0:.0f} s (3 engines x {len(m['models'])} model(s) x 2 batchings)")
    notes.append(f"total wall time {time.time() - t_all:.0f} s")
    (work / "bundles.json").write_text(json.dumps(described, indent=1) + "\n")
    (work / "notes.txt").write_text("\n".join(notes) + "\n")
    compare(work, Path(args.results))
    return 0


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--work", default=str(ROOT / "runs" / "cross-host" / "js"))
    r.add_argument("--results", default=str(ROOT / "benchmarks" / "results" / "cross-host"))
    r.add_argument("--fixtures", help="build the random-weight fixture bundles into this folder and include them")
    r.add_argument("--limit", type=int, default=None, help="first N dev rows only (development)")
    r.add_argument("--note", action="append", default=[], help="a line for the results' notes (e.g. how a bundle was made)")
    r.add_argument("bundles", nargs="*", metavar="NAME=BUNDLE_DIR")
    d = sub.add_parser("dump-py")
    d.add_argument("--bundle", required=True)
    d.add_argument("--data", required=True)
    d.add_argument("--out", required=True)
    d.add_argument("--model", action="append", default=[])
    d.add_argument("--limit", type=int, default=None)
    c = sub.add_parser("compare")
    c.add_argument("work")
    c.add_argument("results")
    a = p.parse_args(argv)
    if a.cmd == "run":
        return run(a)
    if a.cmd == "dump-py":
        dump_py(a.bundle, a.data, a.out, a.model, a.limit)
        return 0
    compare(Path(a.work), Path(a.results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
