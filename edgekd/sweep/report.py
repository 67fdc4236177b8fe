"""The sweep's results: one row per bundle (training record + export record + measurements), the Pareto fronts,
a JSON record, a Markdown table and a PNG of dev accuracy against batch-1 latency (marker area = bundle bytes)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Sequence

from edgekd_runtime.summaries import format_bytes

from .pareto import key, pareto_front

FRONT = ((key("dev"), "max"), (key("p50_ms"), "min"))                          # what the plot shows
FRONT3 = ((key("dev"), "max"), (key("p50_ms"), "min"), (key("bundle_bytes"), "min"))


def sweep_rows(train: Sequence[Mapping], export: Sequence[Mapping], measured: Mapping[str, Mapping]) -> list[dict]:
    """One row per finished export, with its training record's fields and its measurements (when measured); rows
    on a front get front=True (accuracy vs p50) and front3=True (accuracy vs p50 vs bytes)."""
    by_train = {t["point"]: t for t in train}
    rows = []
    for e in export:
        t = by_train.get(e["train_point"])
        if t is None:
            continue
        rows.append({**{k: t[k] for k in ("hidden", "embed", "min_count", "seed", "epochs_done", "stopped",
                                          "train_seconds", "vocab_size")},
                     "params": t["params"]["total"], "fp32_dev_checkpoint": t["dev"], **e,
                     **measured.get(e["point"], {}), "front": False, "front3": False})
    timed = [r for r in rows if "p50_ms" in r]
    for name, objectives in (("front", FRONT), ("front3", FRONT3)):
        for i in pareto_front(timed, objectives):
            timed[i][name] = True
    return rows


def _ms(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _n(x: float | None) -> str:
    return "–" if x is None else f"{x:,.0f}"


def markdown(rows: Sequence[Mapping], measure: Mapping | None = None) -> str:
    """The table, most accurate first; ★ = on the accuracy/latency front, ☆ = only on the 3-way front (+bytes)."""
    threads = tuple(measure["settings"]["threads"]) if measure else (1, 2)
    head = ("| | hidden | emb | min count | seed | quant | dev acc % | epochs | vocab | bundle | p50 ms | p95 ms | "
            + " | ".join(f"sent/s {t}t" for t in threads) + f" | sent/CPU-s {threads[0]}t | peak RSS MB |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in sorted(rows, key=lambda r: (-r["dev"], r.get("p50_ms", float("inf")))):
        mark = "★" if r["front"] else "☆" if r["front3"] else ""
        ep = r.get("epochs_done")
        rss = r.get(f"peak_rss_mb_{threads[0]}t")
        lines.append(f"| {mark} | {r['hidden']} | {r['embed']} | {r['min_count']} | {r['seed']} | {r['quant']} | "
                     f"{100 * r['dev']:.2f} | {'–' if ep is None else f'{ep:.2f}'}"
                     f"{'*' if r.get('stopped') == 'time budget' else ''} | {r['vocab_size']:,} | "
                     f"{format_bytes(r['bundle_bytes'])} | {_ms(r.get('p50_ms'))} | {_ms(r.get('p95_ms'))} | "
                     + " | ".join(_n(r.get(f"sent_per_s_{t}t")) for t in threads)
                     + f" | {_n(r.get(f'sent_per_cpu_s_{threads[0]}t'))} | {'–' if rss is None else format(rss, '.0f')} |")
    notes = ["", "★ on the Pareto front of dev accuracy vs batch-1 p50 latency; ☆ on the front only once bundle "
             "bytes count too. epochs*: stopped by the per-point time budget. Latency: `predict([text])` with "
             f"tokenization, {threads[0]} thread(s); sent/s: `predict(all dev texts)` with the library's default "
             f"batching at each thread count, wall clock; sent/CPU-s: the same per CPU-second of the measuring process "
             f"(what an idle core would give; unaffected by other jobs on a shared host); peak RSS: fresh process, "
             f"{threads[0]} thread(s)."]
    if measure:
        s = measure["settings"]
        notes.append(f"Measured in one pass: {s['rounds']} round(s) over all bundles, medians; {s['iters']} "
                     f"latency iterations; texts {s['texts']}; load avg after each round {s['loadavg_1min_after_rounds']}.")
    return "\n".join(lines + notes) + "\n"


def plot(rows: Sequence[Mapping], path: str | Path, title: str) -> None:
    """Accuracy (%) against batch-1 p50 latency (ms); marker area proportional to bundle bytes; the front joined."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    timed = [r for r in rows if "p50_ms" in r]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    quants = sorted({r["quant"] for r in timed})
    biggest = max((r["bundle_bytes"] for r in timed), default=1)
    for q, color in zip(quants, ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")):
        sel = [r for r in timed if r["quant"] == q]
        ax.scatter([r["p50_ms"] for r in sel], [100 * r["dev"] for r in sel], alpha=0.6, color=color, label=q,
                   s=[20 + 600 * r["bundle_bytes"] / biggest for r in sel], edgecolors="k", linewidths=0.5)
    for r in timed:
        ax.annotate(f"{r['hidden']}/{r['embed']}" + (f" m{r['min_count']}" if r["min_count"] > 1 else ""),
                    (r["p50_ms"], 100 * r["dev"]), fontsize=7, xytext=(4, 4), textcoords="offset points")
    front = sorted((r for r in timed if r["front"]), key=lambda r: r["p50_ms"])
    ax.step([r["p50_ms"] for r in front], [100 * r["dev"] for r in front], where="post", color="k", lw=1,
            ls="--", label="Pareto front")
    ax.set_xlabel("batch-1 p50 latency, ms (1 thread, tokenization included)")
    ax.set_ylabel("dev accuracy, %")
    ax.set_title(title + "\nlabels: hidden/embedding; marker area ∝ bundle bytes", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, title="quantization", title_fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(out: str | Path, record: dict[str, Any], title: str) -> dict[str, Path]:
    """sweep.json (the whole record), sweep.md and sweep.png under `out`; their paths."""
    out = Path(out)
    paths = {ext: out / f"sweep.{ext}" for ext in ("json", "md", "png")}
    paths["json"].write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    paths["md"].write_text(markdown(record["rows"], record.get("measure")), encoding="utf-8")
    plot(record["rows"], paths["png"], title)
    return paths
