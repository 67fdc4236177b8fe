"""Ratio and budget arithmetic (hand-computed) and the interleaving harness with fake systems."""
from __future__ import annotations

import pytest

from edgekd.profiling.harness import _split, interleaved_latency, interleaved_throughput
from edgekd.profiling.stats import best_throughput, budget_verdict, check_budget, compare, ratio
from edgekd.profiling.systems import System
from edgekd_runtime.summaries import format_bytes, latency_summary, rate_summary


def test_latency_summary_by_hand():
    s = latency_summary([0.001, 0.002, 0.003, 0.004, 0.005])     # seconds -> ms
    # numpy's linear percentile: position q*(n-1) = 4q, so p95 = 4 + 0.8*(5-4) = 4.8 and p99 = 4.96
    assert s["p50"] == pytest.approx(3.0) and s["p25"] == pytest.approx(2.0) and s["p75"] == pytest.approx(4.0)
    assert s["iqr"] == pytest.approx(2.0) and s["p95"] == pytest.approx(4.8) and s["p99"] == pytest.approx(4.96)
    assert (s["min"], s["max"], s["n"]) == (pytest.approx(1.0), pytest.approx(5.0), 5)
    with pytest.raises(ValueError):
        latency_summary([])


def test_rate_summary_and_ratio():
    assert rate_summary([10.0, 30.0, 20.0]) == {"n": 3, "median": 20.0, "min": 10.0, "max": 30.0}
    assert ratio(10, 4) == 2.5
    assert ratio(None, 4) is None and ratio(4, None) is None and ratio(4, 0) is None


def _row(name, p50, p95, rss, size, tp, kind="student", timing_only=False):
    return {"system": name, "kind": kind, "timing_only": timing_only, "peak_rss_mb": rss, "size_bytes": size,
            "latency_ms": {"p50": p50, "p95": p95},
            "throughput": {str(b): {"median": v, "min": v, "max": v} for b, v in tp.items()}}


def test_compare_student_with_teacher_by_hand():
    student = _row("s", p50=0.4, p95=0.5, rss=80.0, size=3_000_000, tp={1: 2000.0, 64: 20000.0})
    teacher = _row("t", p50=22.0, p95=30.0, rss=680.0, size=91_000_000, tp={1: 45.0, 64: 75.0}, kind="teacher")
    c = compare(student, teacher)
    assert c["speedup_p50"] == pytest.approx(55.0)          # 22 / 0.4
    assert c["speedup_p95"] == pytest.approx(60.0)          # 30 / 0.5
    assert c["throughput_speedup_batch1"] == pytest.approx(2000 / 45)
    assert c["throughput_speedup_best"] == pytest.approx(20000 / 75)
    assert c["memory_ratio"] == pytest.approx(8.5)          # 680 / 80
    assert c["size_ratio"] == pytest.approx(91 / 3)
    assert best_throughput(teacher) == (64, 75.0)
    ref = _row("bert-base", 128.0, 140.0, None, 438_000_000, {1: 8.0}, kind="reference", timing_only=True)
    c = compare(student, ref)
    assert c["timing_only"] and c["memory_ratio"] is None and c["speedup_p50"] == pytest.approx(320.0)


def test_budget_verdicts():
    assert check_budget(4.9, 5) == {"value": 4.9, "budget": 5.0, "pass": True}
    assert check_budget(5.0, 5)["pass"] is True and check_budget(5.01, 5)["pass"] is False
    assert check_budget(None, 5)["pass"] is None
    ok = _row("s", 0.4, 4.9, 150.0, 1, {})
    assert budget_verdict(ok, 5.0, 200.0)["pass"] is True
    fat = _row("s", 0.4, 4.9, 250.0, 1, {})
    v = budget_verdict(fat, 5.0, 200.0)
    assert v["latency_p95_ms"]["pass"] is True and v["peak_rss_mb"]["pass"] is False and v["pass"] is False
    assert budget_verdict(_row("s", 0.4, 4.9, None, 1, {}), 5.0, 200.0)["pass"] is None   # unmeasured is not a pass


def _fake(name, log, kind="student"):
    def predict(items):
        log.append((name, len(items)))
        return None
    return System(name=name, kind=kind, backend="x", device="cpu", precision="fp32", size_bytes=1,
                  predict=predict, spec={})


def test_split():
    assert _split(10, 3) == [4, 3, 3] and _split(2, 5) == [1, 1, 0, 0, 0] and sum(_split(301, 7)) == 301


def test_latency_is_interleaved_round_robin_with_rotation():
    log: list = []
    a, b = _fake("a", log), _fake("b", log)
    times = interleaved_latency([a, b], ["x", "y", "z"], {"a": 4, "b": 2}, rounds=2, warmup=1)
    wall, cpu = times["a"]
    assert len(wall) == len(cpu) == 4 and len(times["b"][0]) == 2 and all(t >= 0 for t in wall + cpu)
    timed = [n for n, _ in log[2:]]                      # after one warm-up call each
    assert timed == ["a", "a", "b", "b", "a", "a"]       # round 0 starts with a, round 1 with b
    assert all(k == 1 for _, k in log)                   # batch 1 only


def test_throughput_covers_each_system_batch_size_and_round():
    log: list = []
    a, b = _fake("a", log), _fake("b", log, kind="reference")
    tp = interleaved_throughput([a, b], [f"s{i}" for i in range(10)], {"a": [1, 4], "b": [1]},
                                {"a": 8, "b": 2}, rounds=3)
    assert sorted(tp["a"]) == [1, 4] and sorted(tp["b"]) == [1]
    assert all(len(w) == len(c) == 3 and all(x > 0 for x in w + c) for w, c in tp["a"].values())
    calls_a4 = [k for n, k in log if n == "a" and k == 4]
    assert len(calls_a4) == 1 + 3 * 2                    # one warm-up batch, then 8 items = 2 batches per round


def test_fast_systems_repeat_a_throughput_round_until_it_lasts_long_enough():
    import time

    log: list = []
    fast = _fake("fast", log)
    slow_log: list = []
    slow = System(name="slow", kind="teacher", backend="x", device="cpu", precision="fp32", size_bytes=1,
                  predict=lambda items: (slow_log.append(len(items)), time.sleep(0.02)), spec={})
    tp = interleaved_throughput([fast, slow], ["a", "b", "c", "d"], {"fast": [2], "slow": [2]},
                                {"fast": 4, "slow": 4}, rounds=1, min_round_s=0.03)
    assert len([k for n, k in log if n == "fast"]) > 1 + 2 * 2      # repeated beyond one pass of 2 batches
    assert len(slow_log) == 1 + 2                                  # 2 batches x 20 ms already last 30 ms
    wall, cpu = tp["slow"][2]
    assert wall[0] < 110                                           # 4 items in >= 40 ms of wall clock ...
    assert cpu[0] > 2 * wall[0]                                    # ... but sleeping costs almost no CPU


def test_measure_config_json_round_trip():
    import json

    from edgekd.profiling.harness import MeasureConfig

    cfg = MeasureConfig(references=("bert-base",), reference_batch_sizes=(1, 4), rss=False)
    assert MeasureConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_format_bytes_three_significant_digits():
    assert [format_bytes(n) for n in (812, 1000, 6_142_404, 43_300_000, 438_000_000, 2_500_000_000)] == \
        ["812 B", "1.00 kB", "6.14 MB", "43.3 MB", "438 MB", "2.50 GB"]
    assert format_bytes(None) == "–" and format_bytes(None, missing="n/a") == "n/a"
