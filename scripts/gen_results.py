"""Write docs/results.md (and the headline snippet docs/_headline.md) from the committed result files only.

    python scripts/gen_results.py            # (re)write the docs
    python scripts/gen_results.py --check    # exit 1 if a file on disk differs from what would be written

Every number comes from a committed JSON under benchmarks/results/ or devices/results/; host, date and command come
from the JSON where it records them, else from benchmarks/results/provenance.json (keyed by result path), which says
when a host is only probable and why. One renderer per result family; where the library or a benchmark already
renders its JSON as Markdown (edgekd.sweep.report, edgekd.profiling.report, benchmarks/table.py, seeds.py,
few_labels.py, label_backends.py, perf_runtime.py, rss_floor.py, scripts/cross_host/), that code is called.
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "scripts"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from cross_host import compare as xh_compare
from cross_host import compare_js as xh_js

from benchmarks import few_labels, label_backends, perf_runtime, rss_floor, seeds, table
from edgekd.profiling import report as dev_report
from edgekd.sweep import report as sweep_report

OUT = "docs/results.md"
HEADLINE = "docs/_headline.md"
README = "README.md"   # its headline block (between <!-- headline:start/end --> markers)
PROVENANCE = "benchmarks/results/provenance.json"
KEY_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_int8", "amx_bf16")
PROFILES = ("devices/results/cpu-1t/sst2-c057b5dd38.json", "devices/results/cpu-2t/sst2-c057b5dd38.json",
            "devices/results/cpu-1t/sst2-af92681380.json", "devices/results/cpu-2t/sst2-af92681380.json",
            "devices/results/cpu-1t/sst2-d4b076dbc0.json")


class Ctx:
    def __init__(self, root: Path):
        self.root = root
        self.prov = self.json(PROVENANCE)

    def json(self, rel: str) -> Any:
        return json.loads((self.root / rel).read_text(encoding="utf-8"))

    def pv(self, rel: str) -> dict:
        return self.prov["files"].get(rel, {})


# ---- provenance lines ------------------------------------------------------------------------------------------

def isa(flags: list[str] | None) -> str:
    if not flags:
        return "ISA not recorded"
    key = [f for f in KEY_FLAGS if f in flags]
    return "ISA " + ", ".join(key or sorted(flags))


def host_text(ctx: Ctx, rel: str, host: dict | None) -> str:
    """The host as the file records it; else 'not recorded' with the probable host and the evidence."""
    if host and host.get("cpu_model"):
        cpus = host.get("usable_cpus") or host.get("cores")
        return (f"{host['cpu_model']}, {host.get('arch', 'x86-64')}, {isa(host.get('isa_flags'))}"
                + (f", {cpus} usable CPUs" if cpus else "") + " (recorded in the file)")
    pv = ctx.pv(rel)
    ev = pv.get("host_evidence", "")
    if pv.get("probable_host"):
        h = ctx.prov["hosts"][pv["probable_host"]]
        return (f"not recorded in the file; probably {h['cpu_model']}, {h['arch']}, {isa(h['isa_flags'])} "
                f"(evidence: {ev})")
    return "not recorded" + (f" ({ev})" if ev else "")


def date_text(ctx: Ctx, rel: str, created: str | None) -> str:
    if created:
        return f"{created[:10]} (created_at {created[11:16]} UTC, recorded in the file)"
    pv = ctx.pv(rel)
    return f"{pv['date']} ({pv.get('date_source', 'first commit of the file')})" if pv.get("date") else "not recorded"


def command_text(ctx: Ctx, rel: str, command: Any = None) -> str:
    pv = ctx.pv(rel)
    if isinstance(command, list):
        command = " ".join(["python -m benchmarks." + command[0].removesuffix(".py"), *command[1:]])   # argv[0]: the script
    if command:
        src = pv.get("command_source", "recorded in the file")
    else:
        command, src = pv.get("command"), pv.get("command_source", "")
    if not command:
        return "not recorded"
    return f"`{command}`" + (f" ({src})" if src else "")


def prov(ctx: Ctx, rel: str, what: str, *, host: dict | None = None, created: str | None = None,
         command: Any = None, extra: str = "") -> str:
    lines = [f"- **Measured:** {what}", f"- **Host:** {host_text(ctx, rel, host)}",
             f"- **Date:** {date_text(ctx, rel, created)}", f"- **Command:** {command_text(ctx, rel, command)}",
             f"- **File:** [`{rel}`](../{rel})"]
    if extra:
        lines.append(f"- **Note:** {extra}")
    return "\n".join(lines) + "\n"


def demote(md: str, level: int = 4) -> str:
    """Headings of a reused renderer's Markdown moved under this document's sections."""
    out = []
    for line in md.splitlines():
        if line.startswith("#"):
            line = "#" * level + " " + line.lstrip("#").strip()
        out.append(line)
    return "\n".join(out).strip() + "\n"


def section_of(md: str, title: str) -> str:
    """The body of one '## title' section of a reused renderer's Markdown."""
    body, on = [], False
    for line in md.splitlines():
        if line.startswith("## "):
            on = line[3:].startswith(title)
            continue
        if on:
            body.append(line)
    return "\n".join(body).strip() + "\n"


def _x(r: float | None) -> str:
    return "–" if r is None else (f"{r:,.0f}x" if r >= 100 else f"{r:.1f}x")


def _ms(x: float | None) -> str:
    return "–" if x is None else dev_report._ms(x)


# ---- device profiles (headline) --------------------------------------------------------------------------------

def profile_command(rec: dict) -> str:
    refs = "" if any(s["system"].startswith("bert-") for s in rec["systems"]) else " --no-references"
    return (f"edgekd profile --device {rec['profile']['name']} --bundle {rec['bundle']['path']} "
            f"--teacher {rec['teacher']['path']}{refs}")


def profile_numbers(rec: dict) -> dict:
    by = {s["system"]: s for s in rec["systems"]}
    st = by[rec["headline"]["student"]]
    p50 = st["latency_ms"]["p50"]

    def ratio(name: str) -> float | None:
        return by[name]["latency_ms"]["p50"] / p50 if name in by else None
    t = by.get("teacher-cpu")
    return {"student": st, "p50": p50, "teacher_p50": t["latency_ms"]["p50"] if t else None,
            "x_teacher": ratio("teacher-cpu"), "x_base": ratio("bert-base-cpu"), "x_large": ratio("bert-large-cpu"),
            "rss": st["peak_rss_mb"], "teacher_rss": t["peak_rss_mb"] if t else None, "size": st["size_bytes"],
            "x_size": t["size_bytes"] / st["size_bytes"] if t else None,
            "x_mem": t["peak_rss_mb"] / st["peak_rss_mb"] if t else None}


def headline(ctx: Ctx) -> str:
    head = ["profile file", "host", "date", "student, int8", "student p50 / teacher p50 (batch 1)", "vs teacher",
            "vs BERT-base", "vs BERT-large", "student peak RSS (teacher's / student's)", "bundle size (x smaller than the teacher)",
            "command"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rel in PROFILES:
        rec = ctx.json(rel)
        n, h = profile_numbers(rec), rec["host"]
        family = "3-layer transformer" if rec["bundle"]["quantization"]["name"] == "transformer" else "BiLSTM"
        lines.append(
            f"| [`{rel.split('devices/results/')[1]}`](../{rel}) | {h['cpu_model']}, {isa(h['isa_flags'])}; "
            f"{rec['profile']['threads']} thread(s), onnxruntime {h['libraries']['onnxruntime']} | {rec['created_at'][:10]} | "
            f"{family}, {100 * n['student']['metric']['accuracy']:.2f}% SST-2 dev | {_ms(n['p50'])} / {_ms(n['teacher_p50'])} ms | "
            f"**{_x(n['x_teacher'])}** | {_x(n['x_base'])} | {_x(n['x_large'])} | {n['rss']:.0f} MB ({_x(n['x_mem'])}) | "
            f"{table.fmt_bytes(n['size'])} ({_x(n['x_size'])}) | `{profile_command(rec)}` |")
    return ("Batch-1 latency with tokenization, one SST-2 dev sentence per call; ratios are the other system's p50 "
            "over the student's, computed from the same file (never across files: the host differs). BERT-base/large "
            "are random-weight timing references. Peak RSS: a fresh process predicting 256 dev sentences at batch 64.\n\n"
            + "\n".join(lines) + "\n")


def profiles_section(ctx: Ctx) -> str:
    out = []
    for rel in PROFILES:
        rec = ctx.json(rel)
        sizes = rec["profile"]["batch_sizes"]
        head = ["System", "Backend", "Device", "Precision", f"{rec['data']['metric']} %", "Size", "p50 ms", "p95 ms",
                "p99 ms", "IQR ms", "CPU ms p50", *[f"items/s @{b}" for b in sizes], "Peak RSS MB", "Budget"]
        out += [f"### `{rel}`", "",
                prov(ctx, rel, f"bundle `{rec['bundle']['id']}` ({rec['bundle']['path']}) against its teacher "
                     f"({rec['teacher']['path']}) on profile `{rec['profile']['name']}` ({rec['profile']['threads']} "
                     f"thread(s)); load average {rec['load_average']['start']} at the start",
                     host=rec["host"], created=rec["created_at"], command=profile_command(rec),
                     extra="the profile's own description says \"" + rec["profile"]["description"] + "\"; that is "
                     "the profile's target text, the host line above is what the run recorded"),
                dev_report._table(head, dev_report.system_rows(rec)), ""]
    return "\n".join(out)


# ---- one figure per quantity per host ---------------------------------------------------------------------------

def _prof(rel: str, system: str, f: Callable[[dict], float]) -> Callable[[Ctx], float]:
    return lambda ctx: f(next(s for s in ctx.json(rel)["systems"] if s["system"] == system))


def _cmp(rel: str, system: str, key: str) -> Callable[[Ctx], float]:
    return lambda ctx: next(r for r in ctx.json(rel)["rows"] if r["system"] == system)[key]


P1 = "devices/results/cpu-1t/sst2-af92681380.json"
P2 = "devices/results/cpu-2t/sst2-af92681380.json"
PERF = "benchmarks/results/perf/perf.json"
CMP = "benchmarks/results/transformer/compare-tiny-sst2.json"
JSB = "benchmarks/results/js/bench-sst2-int8.json"
S = "student-int8-onnxruntime"

# (quantity, host, unit, chosen (file, getter), others [(file, getter, how it differs)], why)
QUANTITIES = [
    ("SST-2 BiLSTM int8, batch-1 p50, 1 thread", "intel-xeon-amx", "ms",
     (P1, _prof(P1, S, lambda s: s["latency_ms"]["p50"])),
     [(PERF, lambda c: c.json(PERF)["batch1"]["after"]["wall_ms"]["p50"], "same bundle, perf_runtime's own loop"),
      (CMP, _cmp(CMP, "student-int8", "p50_ms"), "runs/quick-sst2 bundle of that day, load average 1.9"),
      (JSB, lambda c: c.json(JSB)["batch1"]["python"]["p50_ms"], "Python runtime before its speed-up (807337a)")],
     "newest file (device profiles, committed 2026-12-03 19:45 UTC)"),
    ("MiniLM teacher, batch-1 p50, 1 thread", "intel-xeon-amx", "ms",
     (P1, _prof(P1, "teacher-cpu", lambda s: s["latency_ms"]["p50"])),
     [(PERF, lambda c: c.json(PERF)["batch1"]["teacher-cpu"]["wall_ms"]["p50"], "perf_runtime's teacher timing"),
      (CMP, _cmp(CMP, "teacher", "p50_ms"), "load average 1.9")],
     "newest file; the same file as the student's figure, so the ratio is within one run"),
    ("random-weight BERT-base, batch-1 p50, 1 thread", "intel-xeon-amx", "ms",
     (P1, _prof(P1, "bert-base-cpu", lambda s: s["latency_ms"]["p50"])),
     [(PERF, lambda c: c.json(PERF)["batch1"]["bert-base-cpu"]["wall_ms"]["p50"], "20 calls")],
     "newest file; same run as the student's figure"),
    ("SST-2 BiLSTM int8, throughput at batch 64, 2 threads", "intel-xeon-amx", "sent/s",
     (P2, _prof(P2, S, lambda s: s["throughput"]["64"]["median"])),
     [(PERF, lambda c: c.json(PERF)["throughput"]["after 2t"]["sent_per_s"],
       "predict(3,488 texts) with the runtime's windowed length-sorted batches (≤ 64 rows / 512 tokens)"),
      (CMP, _cmp(CMP, "student-int8", "throughput"), "runs/quick-sst2 bundle, load average 1.9")],
     "newest file (cpu-2t profile, 2026-12-03 19:42 UTC)"),
    ("SST-2 BiLSTM int8, throughput at batch 64, 1 thread", "intel-xeon-amx", "sent/s",
     (P1, _prof(P1, S, lambda s: s["throughput"]["64"]["median"])), [], "only file"),
    ("SST-2 BiLSTM int8, peak RSS, 1 thread", "intel-xeon-amx", "MB",
     (P1, _prof(P1, S, lambda s: s["peak_rss_mb"])),
     [("benchmarks/results/perf/rss_floor.json",
       lambda c: float(c.json("benchmarks/results/perf/rss_floor.json")[0]["steps"][-1][1]["VmHWM"]),
       "another workload: 300 batch-1 calls, then predict over all 872 dev texts (committed later, 20:40 UTC)"),
      (CMP, _cmp(CMP, "student-int8", "peak_rss_mb"), "2 threads")],
     "the device profile is the headline's source; rss_floor.json is a breakdown of a different workload, not "
     "the same quantity, so it is reported as a breakdown only"),
    ("SST-2 BiLSTM int8, batch-1 p50, 1 thread", "amd-epyc", "ms",
     ("devices/results/cpu-1t/sst2-c057b5dd38.json",
      _prof("devices/results/cpu-1t/sst2-c057b5dd38.json", S, lambda s: s["latency_ms"]["p50"])), [], "only file"),
    ("SST-2 BiLSTM int8, throughput at batch 64, 2 threads", "amd-epyc", "sent/s",
     ("devices/results/cpu-2t/sst2-c057b5dd38.json",
      _prof("devices/results/cpu-2t/sst2-c057b5dd38.json", S, lambda s: s["throughput"]["64"]["median"])), [],
     "only file"),
]


def _v(x: float, unit: str) -> str:
    return (_ms(x) if unit == "ms" else f"{x:,.0f}" if x >= 100 else f"{x:.1f}") + f" {unit}"


def quantities(ctx: Ctx) -> str:
    lines = ["| quantity | host | figure | from | also measured in (not quoted) | why this one |",
             "|---|---|---|---|---|---|"]
    for q, host, unit, (rel, get), others, why in QUANTITIES:
        h = ctx.prov["hosts"][host]
        also = "; ".join(f"[`{o.split('/', 2)[2]}`](../{o}): {_v(g(ctx), unit)} ({how})" for o, g, how in others) or "–"
        lines.append(f"| {q} | {h['cpu_model']} | **{_v(get(ctx), unit)}** | [`{rel.split('/', 2)[2]}`](../{rel}) | "
                     f"{also} | {why} |")
    return "\n".join(lines) + "\n"


def hosts(ctx: Ctx) -> str:
    lines = ["| host | CPU model | ISA flags (all recorded) | cores | evidence |", "|---|---|---|---|---|"]
    for k, h in ctx.prov["hosts"].items():
        lines.append(f"| `{k}` | {h['cpu_model']} | {' '.join(h['isa_flags'])} | {h['cores']} | {h['evidence']} |")
    return "\n".join(lines) + "\n"


# ---- families ---------------------------------------------------------------------------------------------------

def compare_files(ctx: Ctx) -> list[str]:
    """Every compare-*.json (benchmarks/compare.py) under benchmarks/results/, and any JSON of the same schema in
    benchmarks/results/static/."""
    base = ctx.root / "benchmarks/results"
    found = set(base.glob("**/compare-*.json")) | set((base / "static").glob("*.json"))
    rels = sorted(str(p.relative_to(ctx.root)) for p in found)
    return [r for r in rels if isinstance(ctx.json(r), dict) and {"rows", "config", "task", "metric"} <= set(ctx.json(r))]


STATIC_SEEDS = "benchmarks/results/static/seeds-sst2.json"
STATIC_BREAKDOWN = "benchmarks/results/static/latency-breakdown.json"


def static_section(ctx: Ctx) -> str:
    """The static family's SST-2 seeds and where its batch-1 time goes (next to the BiLSTM)."""
    if not (ctx.root / STATIC_SEEDS).is_file():
        return "No static-family results committed.\n"
    r = ctx.json(STATIC_SEEDS)
    seeds = sorted(k for k in r if k.startswith("seed"))
    rows = ["| seed | best dev (fp32) | at epoch | last evaluation | int8 bundle dev | bundle | train rows | examples/s |",
            "|---|---|---|---|---|---|---|---|"]
    for k in seeds:
        s = r[k]
        rows.append(f"| {k[4:]} | {100 * s['best_dev_accuracy']:.2f} | {s['best_epoch']:.2f} | "
                    f"{100 * s['final_dev_accuracy']:.2f} | {100 * s['int8_dev_accuracy']:.2f} | "
                    f"{table.fmt_bytes(s['bundle_bytes'])} | {s['train_rows']:,} | {s['examples_per_s']:,.0f} |")
    mean = lambda f: sum(100 * r[k][f] for k in seeds) / len(seeds)  # noqa: E731
    rows.append(f"| mean | {mean('best_dev_accuracy'):.2f} | | {mean('final_dev_accuracy'):.2f} | "
                f"{mean('int8_dev_accuracy'):.2f} | | | |")
    out = ["### `" + STATIC_SEEDS + "`", "",
           prov(ctx, STATIC_SEEDS, "SST-2 dev accuracy of the static student per seed (transfer set: "
                + r["transfer_set"] + ")", command=r["command"]), "\n".join(rows), ""]
    if (ctx.root / STATIC_BREAKDOWN).is_file():
        b = ctx.json(STATIC_BREAKDOWN)
        md = ["| bundle | kind | session.run p50 µs | tokenize p50 µs | predict p50 µs |", "|---|---|---|---|---|"]
        md += [f"| `{x['bundle']}` | {x['kind']} | {x['session_run_us']:.0f} | {x['tokenize_us']:.0f} | "
               f"{x['predict_us']:.0f} |" for x in b]
        out += ["### `" + STATIC_BREAKDOWN + "`", "",
                prov(ctx, STATIC_BREAKDOWN, "batch-1 time split into the onnxruntime session alone, the tokenizer "
                     "alone and the whole `Bundle.predict`, 1 thread, bundles timed one after another (not "
                     "interleaved)"), "\n".join(md), ""]
    return "\n".join(out)


def compare_section(ctx: Ctx) -> str:
    out = []
    for rel in compare_files(ctx):
        r = ctx.json(rel)
        rows, cfg = r["rows"], r["config"]
        md = table.markdown(rows, r["task"], r["metric"], r["data"]["dev"]["rows"], cfg["batch"], cfg["threads"],
                            table.verdict(rows)["text"])
        la = r.get("load_average", {}).get("start")
        out += [f"### `{rel}`", "",
                prov(ctx, rel, f"{r['task']} dev: " + ", ".join(x["system"] for x in rows) + " in one interleaved run"
                     + (f"; load average {la} at the start" if la else ""),
                     host=r.get("host"), created=r.get("created_at"), command=r.get("command")), md]
    return "\n".join(out)


def perf_section(ctx: Ctx) -> str:
    r = ctx.json(PERF)
    ort = ctx.json("benchmarks/results/perf/ort_options.json")
    base = ort["runtime default (1 thread, all, arena on)"]["cpu_us"]
    ort_md = ["| variant | wall us/call | CPU us/call | CPU vs default |", "|---|---|---|---|"]
    ort_md += [f"| {k} | {v['wall_us']:.1f} | {v['cpu_us']:.1f} | {v['cpu_us'] / base:.2f} |" for k, v in ort.items()]
    rss = ctx.json("benchmarks/results/perf/rss_floor.json")
    return "\n".join([
        "### Before / after the runtime speed-up", "",
        prov(ctx, PERF, f"{r['model']} of {r['bundle']}, old ({r['before']}) and new ({r['after']}) runtime "
             f"interleaved in one process; load average {r['loadavg_start']} at the start", command=r["command"]),
        demote(perf_runtime.format_md(r)[perf_runtime.format_md(r).index("\n## "):]), "",
        "### onnxruntime session options at batch 1", "",
        prov(ctx, "benchmarks/results/perf/ort_options.json", "per-call wall and CPU time of the int8 SST-2 model "
             "(model only, no tokenization) under each session option"),
        "\n".join(ort_md), "",
        "### Peak RSS of a predicting process, step by step", "",
        prov(ctx, "benchmarks/results/perf/rss_floor.json", "RSS after each step of a fresh process (imports, first "
             "onnxruntime session, Bundle.load, 300 batch-1 calls, one batched predict over the dev set)",
             extra="a different workload from the device profiles' peak RSS (256 items at batch 64); the "
             "headline's RSS is the profile's"),
        rss_floor.markdown(rss)])


def js_section(ctx: Ctx) -> str:
    par = ctx.json("benchmarks/results/js/parity.json")
    p_md = ["| task | model | rows | ids identical | max abs Δlogit | label agreement |", "|---|---|---|---|---|---|"]
    for t in par["results"]:
        for m, v in t["models"].items():
            p_md.append(f"| {t['task']} | {m} | {t['rows']} | {t['ids']['identical_on_every_row']} | "
                        f"{v['max_abs_logit_diff']} | {100 * v['label_agreement']:.2f}% |")
    b_md = ["| file | bundle | Node p50 / p95 ms | Python p50 / p95 ms (runtime before 807337a) | load ms, Node / Python "
            "(median) | browser (wasm) p50 / p95 ms, load ms |", "|---|---|---|---|---|---|"]
    for rel in ("benchmarks/results/js/bench-sst2-int8.json", "benchmarks/results/js/bench-mrpc-int8.json",
                "benchmarks/results/js/bench-sst2-int8-browser.json"):
        b = ctx.json(rel)
        n, p, w = b["batch1"]["node"], b["batch1"]["python"], b.get("browser")
        if w:   # the browser file repeats the Node/Python rounds of the same commit: only its browser column is quoted
            b_md.append(f"| [`{rel.split('/')[-1]}`](../{rel}) | {b['bundle']} | – | – | – | {w['p50_ms']:.1f} / "
                        f"{w['p95_ms']:.1f}, {w['load_median_ms']:.0f} ({w['timer']}) |")
            continue
        b_md.append(f"| [`{rel.split('/')[-1]}`](../{rel}) | {b['bundle']} | {n['p50_ms']:.3f} / {n['p95_ms']:.3f} | "
                    f"{p['p50_ms']:.3f} / {p['p95_ms']:.3f} | {b['load_ms']['node_median']:.0f} / "
                    f"{b['load_ms']['python_median']:.0f} | – |")
    tok = ctx.json("benchmarks/results/js/tokenizer-diff.json")["results"][0]
    t_md = ["| check | checked | mismatching |", "|---|---|---|"]
    for k in ("code_points_alone", "code_points_in_word", "texts", "mixed_script", "mixed_script_vocab_extended"):
        t_md.append(f"| {k} | {tok[k]['checked']:,} | {tok[k]['mismatching']:,} |")
    return "\n".join([
        "### Node vs Python: ids and logits on the dev sets", "",
        prov(ctx, "benchmarks/results/js/parity.json", "word-piece ids and logits of the same bundles in Node "
             "(onnxruntime-node) and Python, SST-2 and MRPC dev"), "\n".join(p_md), "",
        "### Batch-1 latency: Node, Python, chromium", "",
        prov(ctx, "benchmarks/results/js/bench-sst2-int8.json", "batch-1 p50/p95 with tokenization, 1 thread, Node "
             "and Python rounds interleaved (one file per row below, all three from one commit)",
             extra="measured before the Python runtime's speed-up (commit 807337a, later the same day): the Python "
             "column is the old runtime and no Node/Python ratio is quoted; the current Python figure for this "
             "bundle is the device profile's (section 'One figure per quantity per host')"),
        "\n".join(b_md), "",
        "### JavaScript tokenizer vs Rust `tokenizers`", "",
        prov(ctx, "benchmarks/results/js/tokenizer-diff.json", "word-piece ids of the JS tokenizer against the Rust "
             "tokenizer (counts of mismatching inputs)"), "\n".join(t_md), ""])


def cross_host_section(ctx: Ctx) -> str:
    out = []
    for rel, what in (("benchmarks/results/cross-host/results.json", "the trained quick bundles (7-bit) and their "
                       "8-bit re-exports"), ("benchmarks/results/cross-host/quick/results.json",
                                             "fixture bundles (random weights, 7- and 8-bit)")):
        r = ctx.json(rel)
        counts: dict = {}
        for s in r["selftests"]:
            c = counts.setdefault((s["host"], s["runtime"]), [0, 0])
            c[0 if s["ok"] else 1] += 1
        st = ["| host | runtime | selftests passed | failed |", "|---|---|---|---|"]
        st += [f"| {h} | {rt} | {ok} | {bad} |" for (h, rt), (ok, bad) in counts.items()]
        out += [f"### `{rel}`", "", prov(ctx, rel, f"golden-vector selftests and dev-set logits of {what} on the "
                "native host, x86-64 AVX2 under `qemu -cpu Haswell` and arm64 under qemu (correctness only; "
                "emulated timings are not reported)", command=r.get("command")),
                "\n".join(st), "", demote("\n".join(xh_compare.haswell_evidence(r))), ""]
    js = ctx.json("benchmarks/results/cross-host/js-wasm.json")
    eng = js["engines"]["onnxruntime"]
    out += ["### `benchmarks/results/cross-host/js-wasm.json`", "",
            prov(ctx, "benchmarks/results/cross-host/js-wasm.json", "logits of one bundle in Python (onnxruntime), "
                 "Node (onnxruntime-node) and chromium (onnxruntime-web wasm), batch 1 and batched, SST-2/MRPC dev",
                 host={"cpu_model": eng["cpu_model"], "isa_flags": eng["cpu_flags"]},
                 command="python " + js["command"].split(" --note ")[0] + " --note ..."),
            section_of(xh_js.markdown(js), "Summary")]
    return "\n".join(out)


def quant_range_section(ctx: Ctx) -> str:
    out = []
    for rel in ("benchmarks/results/quant-range/sst2.json", "benchmarks/results/quant-range/mrpc.json"):
        r = ctx.json(rel)
        m = r["metric"]
        lines = [f"| checkpoint | 7-bit {m} | 8-bit {m} | Δ points | label agreement | McNemar p |",
                 "|---|---|---|---|---|---|"]
        lines += [f"| {x['checkpoint']} | {100 * x['default'][m]:.2f} | {100 * x['vnni'][m]:.2f} | "
                  f"{x['delta_points']:+.2f} | {100 * x['label_agreement']:.2f}% | {x['paired']['p_value']:.3g} |"
                  for x in r["rows"]]
        lines.append(f"| mean | | | {r['mean_delta_points']:+.2f} | | |")
        out += [f"### {r['task']}", "", prov(ctx, rel, f"{r['task']} dev {m} of the same checkpoints exported with "
                "7-bit (preset default) and 8-bit (preset vnni) int8 weights, through the runtime"), "\n".join(lines), ""]
    return "\n".join(out)


def label_backends_section(ctx: Ctx) -> str:
    rel = "benchmarks/results/label-backends/label_backends.json"
    return prov(ctx, rel, "teacher labelling rate and dev agreement per backend (torch fp32/bf16, onnxruntime "
                "fp32/int8) on the same transfer rows, rotating rounds") + "\n" + label_backends.table(ctx.json(rel))


def sweep_section(ctx: Ctx) -> str:
    a, b = "benchmarks/results/sweep-sst2/sweep.json", "benchmarks/results/sweep-sst2/3ep/sweep.json"
    ra, rb = ctx.json(a), ctx.json(b)
    return "\n".join([
        "### 1 epoch per shape, measured in one pass", "",
        prov(ctx, a, "SST-2 dev accuracy, batch-1 latency, throughput and peak RSS of each student shape / quantization "
             "(1 epoch, seed 0)"), sweep_report.markdown(ra["rows"], ra.get("measure")), "",
        "### 3 epochs, 2 seeds: 100/64 against 150/128", "",
        prov(ctx, b, "SST-2 dev accuracy of two shapes at the quick preset's 3 epochs (no timing)"),
        sweep_report.markdown(rb["rows"], rb.get("measure"))])


def seeds_section(ctx: Ctx) -> str:
    out = []
    for rel, what in (("benchmarks/results/predistill-sst2/seeds.json", "SST-2: logits-only student vs pre-distilled "
                       "encoder init (with logits, with gold labels), 3 seeds, no time cap"),
                      ("benchmarks/results/predistill-mrpc/seeds.json", "MRPC: logits, logits + representation loss, "
                       "pre-distilled init (logits / gold), 3 seeds, no time cap"),
                      ("benchmarks/results/quick-seeds-sst2/seeds.json", "SST-2: the capped quick student (2.5-minute "
                       "cap) vs its gold-label baseline, seeds 1 and 2, on runs/quick-sst2's teacher and labels")):
        r = copy.deepcopy(ctx.json(rel))
        out += [f"### `{rel}`", "", prov(ctx, rel, what), seeds.markdown(r), ""]
    return "\n".join(out)


def few_labels_section(ctx: Ctx) -> str:
    rel = "benchmarks/results/few-labels/few_labels.json"
    r = ctx.json(rel)
    return prov(ctx, rel, f"{r['settings']['task']}: teacher fine-tuned on N labelled rows, the BiLSTM on those "
                "labels only, and the student distilled over the rest of the training text (labels unused), with "
                "and without augmentation") + "\n" + few_labels.markdown(r["cells"])


def quick_builds_section(ctx: Ctx) -> str:
    out = []
    for path in sorted((ctx.root / "benchmarks/results/quick-builds").glob("*.json")):
        task, rel = path.stem, str(path.relative_to(ctx.root))
        r = ctx.json(rel)
        s, st, cfg = r["summary"], r["stages"], r["build_config"]
        m = s["metric"]
        p = s["distill_vs_baseline"]
        hp = cfg.get("host")
        host = {"cpu_model": hp["cpu_model"], "arch": hp["arch"], "usable_cpus": hp["usable_cpus"],
                "isa_flags": None} if hp else None
        res = ["| teacher | student fp32 / int8 | int8 via the runtime | gold-label baseline | only student / only "
               "baseline right, McNemar p | bundle | transfer rows the student trained on |", "|---|---|---|---|---|---|---|"]
        res.append(f"| {100 * s['teacher']:.2f} | {100 * s['student_fp32']:.2f} / {100 * s['student_int8']:.2f} | "
                   f"{100 * r['validate']['runtime_dev'][m]:.2f} | {100 * s['baseline_no_distill']:.2f} | "
                   f"{p['a_only']} / {p['b_only']}, p = {p['p_value']:.3g} | {table.fmt_bytes(s['bundle_bytes'])} | "
                   f"{st['distill']['outputs']['train_rows']:,} |")
        names = ("teacher", "augment", "label", "distill", "baseline", "export", "validate")
        caps = {"teacher": cfg["finetune"].get("time_budget_min"), "label": cfg.get("label_time_budget_min"),
                "distill": cfg["distill"].get("time_budget_min"), "baseline": cfg.get("baseline_time_budget_min")}
        sec = ["| stage | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|",
               "| seconds | " + " | ".join(f"{st[n]['seconds']:.0f}" for n in names) + " |",
               "| cap, minutes | " + " | ".join("–" if caps.get(n) is None else f"{caps[n]:g}" for n in names) + " |"]
        t, d = st["teacher"]["outputs"]["dev"], st["distill"]["outputs"]["dev"]
        plan = ("; host plan: " + ", ".join(f"{k} {v}" for k, v in hp.items() if k in
                                            ("teacher_precision", "labeller", "int8_path", "threads", "quantization"))
                if hp else "; no host plan recorded (edgekd before the host plan)")
        out += [f"### {task}", "",
                prov(ctx, rel, f"the quick preset's build on {task} ({m}, dev), dev scores of every stage and their "
                     f"wall times{plan}", host=host),
                "\n".join(res), "", "\n".join(sec), "",
                f"Teacher: {t['examples_seen']:,} examples seen in {t['wall_s']:.0f} s; student stopped at epoch "
                f"{d['epoch']:g} of {cfg['distill']['epochs']} (cap {cfg['distill'].get('time_budget_min')} min).", ""]
    return "\n".join(out)


# ---- the document -------------------------------------------------------------------------------------------------

REMOVED = [
    "the `paper` preset's SST-2 runs (AdaDelta and Adam students, their baselines, the rerun, stage times, "
    "parameter counts, held-out in/out-of-domain gains): no committed result file",
    "the MRPC `paper` build (teacher, siamese student, baseline, timings) and the older MRPC quick build: no file",
    "the quick preset's earlier builds and clean-clone runs (uncapped, AVX2-plan, 8-epoch variants, wall times of "
    "the quickstart) and the 3-seed table on runs/e2-quick: no file (the capped quick builds and seeds now committed "
    "replace them)",
    "the quick-preset variants table (800 teacher steps, n_iter 3, patience ...): no file",
    "the side-by-side comparison of the `paper` student with fastText, TF-IDF and the baseline "
    "(runs/bench/sst2-adadelta.json was never committed)",
    "the transformer student's 2-epoch run (runs/tiny-sst2-2ep) and its training times: no file",
    "the transformer's batch-dependence figures (benchmarks/batch_dependence.py): no file",
    "peak RSS of `edgekd-run bench` before/after the speed-up (the perf rows came from an earlier loaded run whose "
    "file was overwritten): no file",
    "the Ray labelling engine timings (benchmarks/label_engines.py), the `--unlabeled` streaming memory figures, "
    "the teacher fused-AdamW step timing (benchmarks/teacher_step.py) and the TinyBERT step timings: no file",
    "node_modules sizes and the fp32-vs-int8 size/latency note in 'Embed in your app' (the sizes exist in "
    "bench-*.json but describe the dev checkout, not a result)",
]


def sections(ctx: Ctx) -> list[tuple[str, str]]:
    return [
        ("Headline: device profiles", headline(ctx)),
        ("Hosts", "Two CPUs ran these results: the VM changed between 2026-11-22 and 2026-12-03. A file that does "
                  "not record its CPU names the probable one with the evidence.\n\n" + hosts(ctx)),
        ("One figure per quantity per host", "Where two files measure the same quantity on the same host, the newest "
         "is the figure to quote; the others are listed here, and appear below only inside their own run's table, "
         "for comparisons within that run.\n\n" + quantities(ctx)),
        ("Device profiles, all systems", profiles_section(ctx)),
        ("Student families side by side (benchmarks/compare.py)", compare_section(ctx)),
        ("The static student family", static_section(ctx)),
        ("The quick preset's builds", quick_builds_section(ctx)),
        ("Seeds and ablations (benchmarks/seeds.py)", seeds_section(ctx)),
        ("Student shape sweep (edgekd sweep)", sweep_section(ctx)),
        ("Few labels (benchmarks/few_labels.py)", few_labels_section(ctx)),
        ("Runtime speed", perf_section(ctx)),
        ("JavaScript runtime", js_section(ctx)),
        ("Cross-host correctness", cross_host_section(ctx)),
        ("7-bit vs 8-bit int8 weights", quant_range_section(ctx)),
        ("Teacher labelling backends", label_backends_section(ctx)),
    ]


def render(root: Path = ROOT) -> dict[str, str]:
    """{path relative to root: text} of every generated file."""
    ctx = Ctx(Path(root))
    parts = ["# Results", "",
             "<!-- Generated by scripts/gen_results.py from committed JSON; do not edit. "
             "tests/test_results_doc.py fails when this file is stale. -->", "",
             "Every table below is generated from a committed JSON file under `benchmarks/results/` or "
             "`devices/results/` by `python scripts/gen_results.py`. Each section names what was measured, the host "
             "(CPU model and ISA), the date and the command. Host, date or command that a file does not record come "
             "from [`benchmarks/results/provenance.json`](../benchmarks/results/provenance.json). Ratios are computed "
             "within one file: hosts and loads differ between files.", ""]
    for title, body in sections(ctx):
        parts += [f"## {title}", "", body.strip(), ""]
    parts += ["## Claims without a result file", "",
              "Figures the README used to give that no committed file backs; they were removed, not re-measured:", ""]
    parts += [f"- {x}" for x in REMOVED] + [""]
    head = ("<!-- Generated by scripts/gen_results.py from devices/results/; do not edit. -->\n\n"
            + headline(ctx))
    return {OUT: "\n".join(parts).rstrip() + "\n", HEADLINE: head, README: readme_with_headline(root, ctx)}


FRONT = "benchmarks/results/static/compare-sst2.json"   # the newest side-by-side run of the student families


def front(ctx: Ctx) -> str:
    """The accuracy/latency front for the README: the student families and fastText in one interleaved run."""
    if not (ctx.root / FRONT).is_file():
        return ""
    r = ctx.json(FRONT)
    rows, cfg, h = r["rows"], r["config"], r["host"]
    md = table.markdown(rows, r["task"], r["metric"], r["data"]["dev"]["rows"], cfg["batch"], cfg["threads"], "")
    body = "\n".join(line for line in md.splitlines() if line.startswith("|"))
    return (f"The front on SST-2 dev, one interleaved run ({h['cpu_model']}, {isa(h['isa_flags'])}; "
            f"{r['created_at'][:10]}; `{command_text(ctx, FRONT, r.get('command')).split('`')[1]}`; "
            f"[`{FRONT}`](../{FRONT})):\n\n{body}\n")


def readme_with_headline(root: Path, ctx: Ctx) -> str:
    """README.md with the headline table between its markers (links made relative to the repository root)."""
    text = (Path(root) / README).read_text(encoding="utf-8")
    start, end = "<!-- headline:start -->\n", "<!-- headline:end -->"
    if start not in text or end not in text:
        raise SystemExit(f"{README}: the markers {start.strip()} ... {end} are missing")
    before, rest = text.split(start, 1)
    block = ("<!-- generated by scripts/gen_results.py: do not edit -->\n" + headline(ctx) + "\n"
             + front(ctx)).replace("](../", "](")
    return before + start + block + end + rest.split(end, 1)[1]


def stale(root: Path = ROOT) -> list[str]:
    """Generated files whose text on disk differs from what render() gives."""
    out = []
    for rel, text in render(root).items():
        p = Path(root) / rel
        if not p.exists() or p.read_text(encoding="utf-8") != text:
            out.append(rel)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale; write nothing")
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout to read results from and write docs into")
    a = ap.parse_args(argv)
    if a.check:
        bad = stale(a.root)
        for rel in bad:
            print(f"stale: {rel} (run: python scripts/gen_results.py)", file=sys.stderr)
        return 1 if bad else 0
    for rel, text in render(a.root).items():
        p = a.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
