"""Write a profile record as `<out>/<profile>/<bundle-id>.json`, a Markdown table (`.md`) and a latency-vs-batch-size
plot (`.png`, log scale, students vs teacher vs references)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from edgekd_runtime.summaries import format_bytes

from .stats import verdict_text


def report_paths(out_root: str | Path, record: Mapping[str, Any]) -> dict[str, Path]:
    base = Path(out_root) / record["profile"]["name"] / record["bundle"]["id"]
    return {ext: base.with_suffix(f".{ext}") for ext in ("json", "md", "png")}


def write_report(record: Mapping[str, Any], out_root: str | Path) -> dict[str, Path]:
    """Write the three files and return their paths."""
    paths = report_paths(out_root, record)
    paths["json"].parent.mkdir(parents=True, exist_ok=True)
    paths["json"].write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    paths["md"].write_text(markdown(record), encoding="utf-8")
    plot(record, paths["png"])
    return paths


def _f(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "–"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def _ms(x: float | None) -> str:
    """About three significant digits: 0.412, 4.12, 41.2, 412."""
    if x is None:
        return "–"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}" if x >= 1 else f"{x:.3f}"


def _x(r: float | None) -> str:
    return "–" if r is None else (f"{r:,.0f}x" if r >= 100 else f"{r:.1f}x")


def system_rows(record: Mapping[str, Any]) -> list[list[str]]:
    """Cells of the systems table, one list per system (also used by the tests)."""
    metric = record["data"]["metric"]
    sizes = record["profile"]["batch_sizes"]
    rows = []
    for r in record["systems"]:
        lat = r["latency_ms"]
        cpu = (r.get("cpu_latency_ms") or {}).get("p50")
        tp = [r["throughput"].get(str(b)) for b in sizes]
        m = r.get("metric") or {}
        rss = _f(r.get("peak_rss_mb"), 0) + (f" (GPU {_f(r['cuda_peak_mb'], 0)})" if r.get("cuda_peak_mb") else "")
        rows.append([r["system"] + (" (timing only)" if r.get("timing_only") else ""), r["backend"], r["device"],
                     r["precision"], "–" if metric not in m else f"{100 * m[metric]:.1f}", format_bytes(r.get("size_bytes")),
                     _ms(lat["p50"]), _ms(lat["p95"]), _ms(lat["p99"]), f"{_ms(lat['p25'])}–{_ms(lat['p75'])}", _ms(cpu),
                     *[("–" if t is None else f"{_f(t['median'], 0)} ({_f(t['min'], 0)}–{_f(t['max'], 0)})") for t in tp],
                     rss, verdict_text(r["budget"]["pass"])])
    return rows


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(record: Mapping[str, Any]) -> str:
    p, h, d, m = record["profile"], record["host"], record["data"], record["measure"]
    libs = ", ".join(f"{k} {v}" for k, v in h["libraries"].items() if v)
    out = [f"# edgekd profile: `{record['bundle']['id']}` on `{p['name']}`", "",
           f"{p['description']}.", "",
           f"- **Measured on the profile's hardware**: {h['cpu_model']}, {h['arch']} "
           f"({', '.join(h['isa_flags'])}), {h['usable_cpus']} usable CPUs, GPU: {h['gpu'] or 'none'}; "
           f"{p['threads']} thread(s); {record['created_at']}.",
           f"- Libraries: {libs}; Python {h['python']}.",
           f"- Data: {d['task']} dev, {d['items']} items (`{Path(d['source']).name}`). Batch-1 latency includes "
           f"tokenization: {m['student_latency_samples']} calls per student, {m['latency_samples']} for the teacher, "
           f"{m['reference_latency_samples']} for reference architectures, in {m['rounds']} interleaved rounds after "
           f"{m['warmup']} warm-up calls; throughput: median (min–max) of {m['throughput_rounds']} interleaved rounds.",
           f"- Load average at start/end: {record['load_average']['start']} / {record['load_average']['end']}; "
           f"whole run {record['elapsed_s']} s.", ""]
    hl = record["headline"]
    if hl.get("student"):
        budget = f"p95 ≤ {p['latency_budget_p95_ms']} ms, peak RSS ≤ {p['memory_budget_mb']} MB"
        out += ["## Key numbers", "",
                f"- Student `{hl['student']}`: batch-1 p50 {_ms(hl['latency_p50_ms'])} ms, p95 "
                f"{_ms(hl['latency_p95_ms'])} ms, peak RSS {_f(hl['peak_rss_mb'], 0)} MB, "
                f"{format_bytes(hl['size_bytes'])} on disk. Budgets ({budget}): **{verdict_text(hl['budget_pass'])}**."]
        for base, c in hl["vs"].items():
            out.append(f"- vs `{base}`: {_x(c['speedup_p50'])} faster at batch 1 (p50), {_x(c['speedup_p95'])} at "
                       f"p95, {_x(c['throughput_speedup_best'])} best-batch throughput, {_x(c['memory_ratio'])} less "
                       f"peak memory, {_x(c['size_ratio'])} smaller.")
        out.append("")
    sizes = p["batch_sizes"]
    header = ["System", "Backend", "Device", "Precision", f"{d['metric']} %", "Size", "p50 ms", "p95 ms", "p99 ms",
              "IQR ms", "CPU ms p50", *[f"items/s @{b}" for b in sizes], "Peak RSS MB", "Budget"]
    out += ["## Systems", "", _table(header, system_rows(record)), "",
            "Latencies are batch-1 wall-clock times; *CPU ms p50* is the process CPU time of the same calls (all "
            "threads), which does not grow while the call waits for a core on a busy host. Throughput: items/s at "
            "each batch size, median (min–max) over rounds; the JSON also has items per CPU-second.", ""]
    comp = [[c["student"], c["baseline"] + (" (timing only)" if c["timing_only"] else ""), _x(c["speedup_p50"]),
             _x(c["speedup_p95"]), _x(c["throughput_speedup_batch1"]), _x(c["throughput_speedup_best"]),
             _x(c["memory_ratio"]), _x(c["size_ratio"])] for c in record["comparisons"]]
    out += ["## Ratios (baseline / student: above 1 favours the student)", "",
            _table(["Student", "Baseline", "Speedup p50 @1", "Speedup p95 @1", "Throughput @1", "Throughput best",
                    "Memory", "Size"], comp), ""]
    if record["notes"]:
        out += ["## Notes", ""] + [f"- {n}" for n in record["notes"]] + [""]
    if record["errors"]:
        out += ["## Not measured", ""] + [f"- `{e['system']}`: {e['error']}" for e in record["errors"]] + [""]
    return "\n".join(out)


def plot(record: Mapping[str, Any], path: str | Path) -> None:
    """Milliseconds per batch against batch size (log-log); error bars span the rounds' min–max."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = {"student": "-", "teacher": "--", "reference": ":"}
    fig, ax = plt.subplots(figsize=(7.5, 5))
    markers = "os^vDPX*"
    for k, r in enumerate(record["systems"]):
        tp = sorted(((int(b), s) for b, s in r["throughput"].items()), key=lambda t: t[0])
        if not tp:
            continue
        bs = [b for b, _ in tp]
        ms = [1e3 * b / s["median"] for b, s in tp]
        lo = [m - 1e3 * b / s["max"] for (b, s), m in zip(tp, ms)]
        hi = [1e3 * b / s["min"] - m for (b, s), m in zip(tp, ms)]
        ax.errorbar(bs, ms, yerr=[lo, hi], linestyle=styles.get(r["kind"], "-"), marker=markers[k % len(markers)],
                    capsize=3, label=r["system"] + (" (timing only)" if r.get("timing_only") else ""))
    ax.set_xscale("log", base=2)
    sizes = record["profile"]["batch_sizes"]
    ax.set_xticks(sizes, [str(b) for b in sizes])
    ax.set_yscale("log")
    ax.set_xlabel("batch size")
    ax.set_ylabel("ms per batch (tokenization included)")
    p = record["profile"]
    ax.set_title(f"{record['bundle']['id']} on {p['name']} ({p['threads']} thread(s))")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
