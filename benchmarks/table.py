"""Pure arithmetic and text of the comparison: accuracy per millisecond, the verdict on the project's goal, and the
Markdown table. Rows are plain dicts (the JSON compare.py writes), so these functions are tested on hand-built rows.

A row: {"system", "kind" ("teacher" | "student" | "nodistill" | "fasttext" | "tfidf"), "metric_name", "metric",
"accuracy" (both fractions in [0, 1]), "size_bytes", "p50_ms", "throughput" (sent/s), "throughput_batch",
"throughput_threads", "peak_rss_mb"}; any measurement may be None (not measured), which is never a pass.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from edgekd_runtime.summaries import format_bytes

STUDENT = "student-int8"
TEACHER = "teacher"
GOAL_POINTS = 2.0            # the int8 student must be within this many points of its teacher's metric


def acc_per_ms(row: Mapping[str, Any]) -> float | None:
    """Accuracy in percent per millisecond of batch-1 p50 latency (higher is better); None if either is unknown."""
    acc, p50 = row.get("accuracy"), row.get("p50_ms")
    if acc is None or p50 is None or not p50 > 0:
        return None
    return 100.0 * float(acc) / float(p50)


def _yes(flag: bool | None) -> str:
    return {True: "YES", False: "NO", None: "n/a"}[flag]


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}"


def verdict(rows: Sequence[Mapping[str, Any]], student: str = STUDENT, teacher: str = TEACHER,
            points: float = GOAL_POINTS) -> dict[str, Any]:
    """The project's goal checked on the table: four answers (True / False / None = not measured) and a sentence."""
    by = {r["system"]: r for r in rows}
    s = by.get(student)
    if s is None or s.get("accuracy") is None:
        return {"student": student, "best_acc_per_ms": None, "within_teacher": None, "above_baselines": None,
                "pareto": None, "text": f"Verdict: no {student} row was measured, so the goal cannot be checked."}
    scored = [r for r in rows if acc_per_ms(r) is not None]
    best = max(scored, key=acc_per_ms) if scored else None
    best_ok = None if best is None or acc_per_ms(s) is None else best["system"] == student
    t = by.get(teacher)
    gap = None if t is None or t.get("metric") is None or s.get("metric") is None else \
        100.0 * (float(t["metric"]) - float(s["metric"]))
    within = None if gap is None else gap <= points + 1e-9
    others = [r for r in rows if r.get("kind") in ("fasttext", "tfidf")]
    measured = [r for r in others if r.get("accuracy") is not None]
    kinds_seen = {r["kind"] for r in measured}
    above = None if kinds_seen != {"fasttext", "tfidf"} else all(s["accuracy"] > r["accuracy"] for r in measured)
    dominated = [r["system"] for r in rows if r is not s and r.get("accuracy") is not None
                 and r.get("p50_ms") is not None and s.get("p50_ms") is not None
                 and r["accuracy"] >= s["accuracy"] and r["p50_ms"] <= s["p50_ms"]
                 and (r["accuracy"] > s["accuracy"] or r["p50_ms"] < s["p50_ms"])]
    pareto = None if s.get("p50_ms") is None else not dominated
    parts = []
    if best_ok is None:
        parts.append("best accuracy-per-ms point: n/a (not measured)")
    else:
        parts.append(f"the best accuracy-per-ms point: {_yes(best_ok)} ({student} {acc_per_ms(s):,.0f} %/ms"
                     + ("" if best_ok else f"; best is {best['system']} at {acc_per_ms(best):,.0f} %/ms") + ")")
    metric = s.get("metric_name", "accuracy")
    parts.append(f"within {points:g} points of its teacher: {_yes(within)}"
                 + ("" if gap is None else f" ({metric} {_pct(s['metric'])} vs {_pct(t['metric'])}, "
                                           f"{-gap:+.1f} points)"))
    base = ", ".join(f"{r['system']} {_pct(r['accuracy'])}" for r in measured) or "none measured"
    missing = {"fasttext", "tfidf"} - kinds_seen
    parts.append(f"above fastText and TF-IDF in accuracy: {_yes(above)} ({_pct(s['accuracy'])} vs {base}"
                 + (f"; not measured: {', '.join(sorted(missing))}" if missing else "") + ")")
    parts.append(f"on the accuracy/latency Pareto front: {_yes(pareto)}"
                 + (f" (dominated by {', '.join(dominated)})" if dominated else ""))
    text = f"Verdict on the int8 student ({student}): " + "; ".join(parts) + "."
    return {"student": student, "best_acc_per_ms": best_ok, "best_system": best["system"] if best else None,
            "within_teacher": within, "gap_points": gap, "above_baselines": above, "pareto": pareto,
            "dominated_by": dominated, "text": text}


# ---- formatting ------------------------------------------------------------------------------------------------

def fmt_bytes(n: int | None) -> str:
    return format_bytes(n, missing="n/a")


def fmt_ms(ms: float | None) -> str:
    if ms is None or not math.isfinite(ms):
        return "n/a"
    if ms < 1:
        return f"{ms * 1000:.0f} µs" if ms < 0.1 else f"{ms:.3f} ms"
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms"


def fmt_rate(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def fmt_num(x: float | None, unit: str = "") -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return (f"{x:,.0f}" if x >= 100 else f"{x:.3g}") + unit


def markdown(rows: Sequence[Mapping[str, Any]], task: str, metric_name: str, dev_items: int,
             batch: int, threads: int, verdict_text: str | None = None) -> str:
    """The Markdown table (one line per row, in the given order), then the verdict line."""
    metric_col = [] if metric_name == "accuracy" else [f"{task} dev {metric_name} %"]
    head = ["System", f"{task} dev accuracy %", *metric_col, "Size on disk", "Batch-1 p50 (1 thread)",
            f"Throughput, sent/s (batch {batch}, {threads} thread{'s' * (threads != 1)})", "Peak RSS",
            "Accuracy % per ms"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        tp = fmt_rate(r.get("throughput"))
        if r.get("throughput") is not None and r.get("throughput_threads") not in (None, threads):
            tp += f" ({r['throughput_threads']} thread)"
        cells = [r["system"], _pct(r.get("accuracy")), *([_pct(r.get("metric"))] if metric_col else []),
                 fmt_bytes(r.get("size_bytes")), fmt_ms(r.get("p50_ms")), tp,
                 fmt_num(r.get("peak_rss_mb"), " MB"), fmt_num(acc_per_ms(r))]
        lines.append("| " + " | ".join(cells) + " |")
    out = "\n".join(lines) + f"\n\n{dev_items} dev items; each number is a median (see the JSON for spreads).\n"
    return out + (f"\n{verdict_text}\n" if verdict_text else "")
