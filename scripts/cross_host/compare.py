"""Compare what every host computed: `python compare.py WORK OUTDIR` -> OUTDIR/results.json + OUTDIR/summary.md.

WORK (written by scripts/cross-host.sh) holds dumps/<host>/<bundle>/<model>.<runtime>.json (logits),
dumps/<host>/<bundle>/selftest.<runtime>.{out,err,rc}, dumps/<host>/info.<py|node>.json, timings.tsv
(part, seconds) and notes.tsv (key, text). For every runtime, bundle and model, every pair of hosts that both ran
it is compared on the rows both ran: max |Δlogit| and argmax (label) agreement. Wall times of inference are never
read: under emulation they mean nothing.
"""
from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np

HOST_ORDER = ("native", "native-oblas-haswell", "haswell", "arm64")
RUNTIMES = ("onnxruntime", "numpy", "node")
SAME_HOST_PAIRS = (("onnxruntime", "node"), ("onnxruntime", "numpy"))


def _read(path: Path, default: str = "") -> str:
    return path.read_text(encoding="utf-8").strip() if path.is_file() else default


def load_dumps(dumps: Path) -> dict:
    """{(host, bundle, model, runtime): (logits array, record)}."""
    out = {}
    for f in sorted(dumps.glob("*/*/*.json")):
        if f.name.startswith(("selftest.", "info.")):
            continue
        host, bundle = f.parts[-3], f.parts[-2]
        model, runtime = f.name[:-len(".json")].rsplit(".", 1)
        rec = json.loads(f.read_text(encoding="utf-8"))
        out[(host, bundle, model, runtime)] = (np.asarray(rec["logits"], dtype=np.float64), rec)
    return out


def diff(a: np.ndarray, b: np.ndarray) -> dict:
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    agree = a.argmax(axis=1) == b.argmax(axis=1)
    return {"rows": n, "max_abs_diff": float(np.abs(a - b).max(initial=0.0)),
            "label_agreement": float(agree.mean()) if n else None, "label_disagreements": int((~agree).sum()),
            "identical": bool(np.array_equal(a, b))}


def _order(h: str) -> int:
    return HOST_ORDER.index(h) if h in HOST_ORDER else len(HOST_ORDER)


def comparable(x: dict, y: dict) -> bool:
    """Two int8 onnxruntime/Node dumps of different row counts ran different batches: onnxruntime quantizes each
    batch's activations with one scale, so a row's logits depend a little on its batch mates. Not compared."""
    batched = [r["precision"] == "int8" and r["backend"] != "numpy" for r in (x, y)]
    return not (all(batched) and x["rows"] != y["rows"])


def compare(dumps: dict) -> list[dict]:
    rows = []
    keys = sorted({(b, m, r) for _, b, m, r in dumps})
    for bundle, model, runtime in keys:
        hosts = sorted({h for h, b, m, r in dumps if (b, m, r) == (bundle, model, runtime)}, key=_order)
        for h1, h2 in itertools.combinations(hosts, 2):
            (a, ra), (b, rb) = dumps[(h1, bundle, model, runtime)], dumps[(h2, bundle, model, runtime)]
            if not comparable(ra, rb):
                continue
            rows.append({"bundle": bundle, "model": model, "runtime": runtime, "a": h1, "b": h2, **diff(a, b)})
    for (host, bundle, model, _r) in sorted({(h, b, m, "") for h, b, m, _ in dumps}):
        for r1, r2 in SAME_HOST_PAIRS:
            if (host, bundle, model, r1) in dumps and (host, bundle, model, r2) in dumps:
                (a, ra), (b, rb) = dumps[(host, bundle, model, r1)], dumps[(host, bundle, model, r2)]
                if not comparable(ra, rb):
                    continue
                rows.append({"bundle": bundle, "model": model, "runtime": f"{r1} vs {r2}", "a": host, "b": host,
                             **diff(a, b)})
    return rows


def selftests(dumps_dir: Path) -> list[dict]:
    out = []
    for rc_file in sorted(dumps_dir.glob("*/*/selftest.*.rc")):
        host, bundle = rc_file.parts[-3], rc_file.parts[-2]
        runtime = rc_file.name.split(".")[1]
        stem = rc_file.parent / f"selftest.{runtime}"
        rec = {"host": host, "bundle": bundle, "runtime": runtime, "rc": int(_read(rc_file, "-1") or -1)}
        try:
            report = json.loads(_read(stem.with_name(stem.name + ".out"), "null"))
        except json.JSONDecodeError:
            report = None
        if isinstance(report, dict):
            rec["max_abs_diff"] = report.get("max_abs_diff") or report.get("maxAbsDiff")
            rec["inputs"] = report.get("inputs")
            rec["failure"] = report.get("failure") or report.get("firstFailure")
        err = _read(stem.with_name(stem.name + ".err"))
        if rec["rc"] != 0:
            rec["stderr"] = err.splitlines()[-1][:400] if err else ""
        rec["ok"] = rec["rc"] == 0
        out.append(rec)
    return sorted(out, key=lambda r: (_order(r["host"]), r["bundle"], r["runtime"]))


def host_infos(dumps_dir: Path) -> dict:
    infos: dict = {}
    for f in sorted(dumps_dir.glob("*/info.*.json")):
        try:
            infos.setdefault(f.parts[-2], {})[f.name.split(".")[1]] = json.loads(_read(f, "null"))
        except json.JSONDecodeError:
            infos.setdefault(f.parts[-2], {})[f.name.split(".")[1]] = {"error": _read(f)[:300]}
    return infos


def read_tsv(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in _read(path).splitlines() if line.strip()]


def _fmt(x: float) -> str:
    return "0" if x == 0 else f"{x:.3g}"


def _cell(c: dict) -> str:
    return f"{_fmt(c['max_abs_diff'])} / {100 * c['label_agreement']:.2f}% ({c['rows']})"


def _pivot(rows: list[dict], col) -> list[str]:
    """Rows: bundle, model; columns: col(c) in first-seen order; cells: max |Δ| / label agreement (rows)."""
    cols = list(dict.fromkeys(col(c) for c in rows))
    table: dict = {}
    for c in rows:
        table.setdefault((c["bundle"], c["model"]), {})[col(c)] = _cell(c)
    out = ["| bundle | model | " + " | ".join(cols) + " |", "|---|---|" + "---|" * len(cols)]
    out += [f"| {b} | {m} | " + " | ".join(cells.get(k, "-") for k in cols) + " |" for (b, m), cells in table.items()]
    return out


def logits_tables(comps: list[dict]) -> list[str]:
    lines = ["", "## Logits across hosts (SST-2 dev for single-sentence bundles, MRPC dev for pair bundles)", "",
             "Cells: max |Δlogit| / argmax (label) agreement (rows compared). Under emulation the numpy backend and "
             "fp32 models run on the first rows only (both ~8 s a row there); numpy and fp32 rows do not depend on "
             "their batch mates. Two int8 onnxruntime/Node runs are compared only over the same rows (same batches): "
             "onnxruntime quantizes a batch's activations with one scale.", ""]
    by_order = sorted(comps, key=lambda c: (_order(c["a"]), _order(c["b"])))
    for rt in RUNTIMES:
        rows = [c for c in by_order if c["runtime"] == rt]
        if rows:
            lines += [f"### {rt}", ""] + _pivot(rows, lambda c: f"{c['a']} vs {c['b']}") + [""]
    same = [c for c in by_order if c["a"] == c["b"]]
    if same:
        lines += ["## Across runtimes on one host", ""] + _pivot(same, lambda c: f"{c['a']}: {c['runtime']}") + [""]
    return lines


def _find(comps: list[dict], bundle: str, model: str, runtime: str, a: str, b: str) -> str:
    c = next((c for c in comps if (c["bundle"], c["model"], c["runtime"], c["a"], c["b"]) == (bundle, model, runtime, a, b)), None)
    return _cell(c) if c else "-"


def haswell_evidence(res: dict) -> list[str]:
    """Whether onnxruntime really runs its AVX2 code under -cpu Haswell: int8 logits per weight range."""
    comps, bundles = res["comparisons"], res["bundles"]
    int8 = [(n, m) for n, info in bundles.items() for m in info.get("models", []) if ".int8." in m]
    if not any(c["b"] == "haswell" for c in comps) or not int8:
        return []
    lines = ["## Does onnxruntime take its AVX2 path under `-cpu Haswell`?", "",
             "cpuid is emulated: numpy's dispatcher sees AVX2 without AVX-512 (table Hosts). onnxruntime's int8 "
             "kernels on AVX2 without VNNI sum u8 x s8 pairs with VPMADDUBSW, which saturates at 16 bits for 8-bit "
             "weights but never for 7-bit ones; VNNI (native) does not saturate. So int8 logits that differ "
             "natively vs Haswell for 8-bit weights and are identical for 7-bit ones show the AVX2 path ran. "
             "The numpy backend differs only through OpenBLAS's cpuid-chosen sgemm kernel: with "
             "OPENBLAS_CORETYPE=Haswell on the native host it is bit-identical to the emulated one.", "",
             "| bundle | int8 model | weight bits | onnxruntime: native vs haswell | numpy: native vs haswell | "
             "numpy: native-oblas-haswell vs haswell |", "|---|---|---|---|---|---|"]
    for name, model in int8:
        lines.append(f"| {name} | {model} | {bundles[name].get('weight_bits')} | "
                     f"{_find(comps, name, model, 'onnxruntime', 'native', 'haswell')} | "
                     f"{_find(comps, name, model, 'numpy', 'native', 'haswell')} | "
                     f"{_find(comps, name, model, 'numpy', 'native-oblas-haswell', 'haswell')} |")
    return lines + [""]


def markdown(res: dict) -> str:
    lines = ["# Cross-host checks: the same bundles on other CPUs", "",
             f"Made by `{res['command']}` (`scripts/cross-host.sh`). Hosts: native = this x86-64 host "
             "(AVX-512, VNNI, AMX); haswell = x86-64 AVX2 without AVX-512/VNNI under `qemu-x86_64-static -cpu Haswell`; "
             "arm64 = Debian arm64 chroot under `qemu-aarch64-static`; native-oblas-haswell = native with "
             "OPENBLAS_CORETYPE=Haswell (numpy backend only). One onnxruntime thread everywhere. "
             "Inference wall times under emulation mean nothing and are not reported.", "", "## Hosts", "",
             "| host | machine | onnxruntime (Python) | numpy SIMD seen | Node / onnxruntime-node |", "|---|---|---|---|---|"]
    for host, info in sorted(res["hosts"].items(), key=lambda kv: _order(kv[0])):
        py, node = info.get("py") or {}, info.get("node") or {}
        feats = ", ".join(k for k, v in (py.get("numpy_cpu_features") or {}).items() if v and k not in ("SSE42", "AVX"))
        nd = f"{node.get('node')} / {node.get('onnxruntime')}" if node.get("node") else (node.get("error") or "-")
        lines.append(f"| {host} | {py.get('machine', '-')} | {py.get('onnxruntime', '-')} | {feats or '-'} | {nd} |")
    lines += ["", "## Setup and check wall times", "", "| part | seconds |", "|---|---|"]
    lines += [f"| {p} | {s} |" for p, s, *_ in res["timings"]]
    lines += ["", "## Golden-vector selftest (`edgekd-run selftest`, `edgekd-run-js selftest`)", "",
              "| host | bundle | runtime | result | max abs diff vs golden / failure |", "|---|---|---|---|---|"]
    for s in res["selftests"]:
        detail = s.get("stderr", "") if not s["ok"] else ", ".join(
            f"{k}: {_fmt(v)}" for k, v in (s.get("max_abs_diff") or {}).items())
        lines.append(f"| {s['host']} | {s['bundle']} | {s['runtime']} | {'pass' if s['ok'] else 'FAIL'} | "
                     f"{detail.replace('|', '/')} |")
    lines += [""] + haswell_evidence(res)
    lines += logits_tables(res["comparisons"])
    if res["notes"]:
        lines += ["", "## Notes", ""] + [f"- **{k}**: {v}" for k, v, *_ in res["notes"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    work, out = Path(argv[0]), Path(argv[1])
    dumps_dir = work / "dumps"
    dumps = load_dumps(dumps_dir)
    res = {"command": _read(work / "command.txt"), "hosts": host_infos(dumps_dir),
           "timings": read_tsv(work / "timings.tsv"), "notes": read_tsv(work / "notes.tsv"),
           "bundles": json.loads(_read(work / "bundles.json", "{}")),
           "selftests": selftests(dumps_dir), "comparisons": compare(dumps)}
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    (out / "summary.md").write_text(markdown(res), encoding="utf-8")
    print(f"{out}/results.json, {out}/summary.md: {len(res['comparisons'])} comparisons, "
          f"{sum(s['ok'] for s in res['selftests'])}/{len(res['selftests'])} selftests passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
