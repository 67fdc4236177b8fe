"""The report writer: JSON, Markdown table rows and the PNG plot, from a hand-built record."""
from __future__ import annotations

import json

from edgekd.profiling.report import markdown, report_paths, system_rows, write_report
from edgekd.profiling.stats import budget_verdict, compare


def _row(name, kind, p50, rss, size, tp, metric=None, timing_only=False):
    r = {"system": name, "kind": kind, "backend": "torch" if kind != "student" else "onnxruntime", "device": "cpu",
         "precision": "int8" if kind == "student" else "fp32", "timing_only": timing_only, "size_bytes": size,
         "metric": metric, "peak_rss_mb": rss, "cuda_peak_mb": None,
         "latency_ms": {"p50": p50, "p95": 1.5 * p50, "p99": 2 * p50, "p25": 0.9 * p50, "p75": 1.1 * p50},
         "cpu_latency_ms": {"p50": 0.8 * p50},
         "throughput": {str(b): {"median": v, "min": 0.9 * v, "max": 1.1 * v, "n": 3} for b, v in tp.items()}}
    r["budget"] = budget_verdict(r, 5.0, 200.0)
    return r


def record():
    rows = [_row("student-int8-onnxruntime", "student", 0.4, 90.0, 2_500_000, {1: 2400.0, 8: 9000.0},
                 metric={"accuracy": 0.8612}),
            _row("teacher-cpu", "teacher", 21.0, 680.0, 91_000_000, {1: 46.0, 8: 70.0}, metric={"accuracy": 0.885}),
            _row("bert-base-cpu", "reference", 128.0, 1100.0, 438_000_000, {1: 7.8}, timing_only=True)]
    comps = [compare(rows[0], b) for b in rows[1:]]
    return {
        "profile": {"name": "cpu-1t", "description": "test box", "threads": 1, "batch_sizes": [1, 8],
                    "latency_budget_p95_ms": 5.0, "memory_budget_mb": 200.0},
        "host": {"cpu_model": "AMD EPYC", "arch": "x86-64", "isa_flags": ["avx2"], "usable_cpus": 2, "gpu": None,
                 "python": "3.11", "libraries": {"onnxruntime": "1.31.1", "torch": None}},
        "created_at": "2025-01-01T00:00:00+00:00", "elapsed_s": 12.0,
        "load_average": {"start": [1.0, 1.0, 1.0], "end": [1.0, 1.0, 1.0]},
        "bundle": {"id": "sst2-0123456789"},
        "data": {"task": "sst2", "metric": "accuracy", "items": 872, "source": "/x/SST-2/dev.tsv"},
        "measure": {"latency_samples": 300, "student_latency_samples": 2000, "reference_latency_samples": 10,
                    "rounds": 5, "warmup": 10, "throughput_rounds": 3},
        "systems": rows, "comparisons": comps,
        "headline": {"student": "student-int8-onnxruntime", "latency_p50_ms": 0.4, "latency_p95_ms": 0.6,
                     "peak_rss_mb": 90.0, "size_bytes": 2_500_000, "budget_pass": True,
                     "vs": {c["baseline"]: c for c in comps}},
        "notes": ["No GPU is present: the teacher was timed on CPU only."],
        "errors": [{"system": "student-fp32-numpy", "error": "UnsupportedOpError: nope"}],
    }


def test_system_rows_cells():
    rows = system_rows(record())
    assert len(rows) == 3
    s, t, ref = rows
    assert s[:6] == ["student-int8-onnxruntime", "onnxruntime", "cpu", "int8", "86.1", "2.50 MB"]
    assert s[6:11] == ["0.400", "0.600", "0.800", "0.360–0.440", "0.320"]
    assert s[11] == "2,400 (2,160–2,640)" and s[12] == "9,000 (8,100–9,900)"
    assert s[13:] == ["90", "pass"]
    assert t[4] == "88.5" and t[6] == "21.0" and t[-1] == "FAIL"     # 680 MB > 200 MB budget
    assert ref[0] == "bert-base-cpu (timing only)" and ref[4] == "–" and ref[12] == "–" and ref[5] == "438 MB"   # edgekd_runtime.summaries.format_bytes


def test_markdown_has_key_numbers_tables_notes_and_errors():
    md = markdown(record())
    assert "# edgekd profile: `sst2-0123456789` on `cpu-1t`" in md
    assert "vs `teacher-cpu`: 52.5x faster at batch 1 (p50)" in md          # 21 / 0.4
    assert "vs `bert-base-cpu`: 320x faster" in md                           # 128 / 0.4
    assert "7.6x less peak memory, 36.4x smaller" in md                      # 680/90, 91/2.5
    assert md.count("\n| student-int8-onnxruntime |") == 3                   # systems table + 2 ratio rows
    assert "| CPU ms p50 | items/s @1 | items/s @8 |" in md and "No GPU is present" in md
    assert "`student-fp32-numpy`: UnsupportedOpError" in md


def test_write_report_writes_three_files(tmp_path):
    rec = record()
    paths = write_report(rec, tmp_path)
    assert paths == report_paths(tmp_path, rec)
    assert paths["json"] == tmp_path / "cpu-1t" / "sst2-0123456789.json"
    assert json.loads(paths["json"].read_text()) == json.loads(json.dumps(rec))
    assert paths["md"].read_text().startswith("# edgekd profile")
    png = paths["png"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
