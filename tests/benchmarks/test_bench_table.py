"""The comparison's arithmetic and text on hand-built rows: accuracy per ms, the four verdict answers, the table."""
from __future__ import annotations

from benchmarks.table import acc_per_ms, fmt_bytes, fmt_ms, markdown, verdict


def row(name, kind, acc, p50, metric=None, size=1000, tp=100.0, rss=50.0):
    return {"system": name, "kind": kind, "metric_name": "accuracy", "metric": acc if metric is None else metric,
            "accuracy": acc, "size_bytes": size, "p50_ms": p50, "throughput": tp, "throughput_batch": 64,
            "throughput_threads": 2, "peak_rss_mb": rss}


def table(student_acc=0.88, student_p50=0.05):
    return [row("teacher", "teacher", 0.897, 20.0), row("student-int8", "student", student_acc, student_p50),
            row("student-fp32", "student", 0.881, 0.2), row("nodistill-int8", "nodistill", 0.85, 0.1),
            row("fasttext-gold", "fasttext", 0.81, 0.028, tp=39000, rss=47),
            row("fasttext-transfer", "fasttext", 0.83, 0.03, tp=39000, rss=47),
            row("tfidf-lr", "tfidf", 0.83, 3.9, tp=3200, rss=173)]


def test_acc_per_ms_is_percent_per_millisecond_and_none_when_unmeasured():
    assert acc_per_ms(row("x", "student", 0.85, 0.5)) == 170.0
    assert acc_per_ms(row("x", "student", 0.85, None)) is None
    assert acc_per_ms(row("x", "student", None, 0.5)) is None


def test_verdict_all_goals_met():
    v = verdict(table(student_acc=0.88, student_p50=0.01))      # 8800 %/ms beats fastText's ~2900
    assert v["best_acc_per_ms"] is True and v["within_teacher"] is True and v["above_baselines"] is True
    assert v["pareto"] is True and abs(v["gap_points"] - 1.7) < 1e-9
    assert "the best accuracy-per-ms point: YES" in v["text"] and "within 2 points of its teacher: YES" in v["text"]


def test_verdict_says_plainly_where_the_goal_is_missed():
    v = verdict(table(student_acc=0.82, student_p50=0.3))
    assert v["best_acc_per_ms"] is False and v["best_system"] == "fasttext-gold"
    assert v["within_teacher"] is False and abs(v["gap_points"] - 7.7) < 1e-9
    assert v["above_baselines"] is False                        # 82.0 < fasttext-transfer 83.0 and tfidf 83.0
    assert v["pareto"] is False and "fasttext-transfer" in v["dominated_by"]
    assert "best is fasttext-gold" in v["text"] and "-7.7 points" in v["text"]


def test_verdict_unmeasured_baselines_are_not_a_pass():
    rows = [r for r in table() if r["kind"] != "tfidf"]
    v = verdict(rows)
    assert v["above_baselines"] is None and "not measured: tfidf" in v["text"]
    v = verdict([r for r in table() if r["system"] != "teacher"])
    assert v["within_teacher"] is None
    assert verdict([r for r in table() if r["system"] != "student-int8"])["best_acc_per_ms"] is None


def test_verdict_uses_the_task_metric_for_the_teacher_gap():
    rows = table()
    rows[0]["metric"], rows[1]["metric"] = 0.90, 0.885             # e.g. MRPC F1: 1.5 points apart
    rows[0]["metric_name"] = rows[1]["metric_name"] = "f1"
    rows[1]["accuracy"] = 0.80                                      # accuracy far below, but the gap is on F1
    assert verdict(rows)["within_teacher"] is True


def test_markdown_has_one_line_per_row_and_the_verdict():
    rows = table()
    rows[4]["throughput_threads"] = 1
    v = verdict(rows)
    md = markdown(rows, "sst2", "accuracy", 872, 64, 2, v["text"])
    lines = [l for l in md.splitlines() if l.startswith("| ")]
    assert len(lines) == 1 + len(rows)                              # header + rows
    assert "| fasttext-gold | 81.0 | 1.00 kB | 28 µs | 39,000 (1 thread) | 47 MB | 2,893 |" in md
    assert md.rstrip().endswith(v["text"])
    assert "f1" not in md
    assert "dev f1 %" in markdown(rows, "mrpc", "f1", 408, 64, 2)


def test_formatting():
    assert fmt_bytes(6_142_404) == "6.14 MB" and fmt_bytes(438_000_000) == "438 MB" and fmt_bytes(None) == "n/a"
    assert fmt_ms(0.028) == "28 µs" and fmt_ms(0.35) == "0.350 ms" and fmt_ms(21.04) == "21.0 ms"
