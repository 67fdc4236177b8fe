"""The sweep report on hand-built records: joined rows, front flags, the Markdown table and the plot file."""
from __future__ import annotations

from edgekd.sweep.report import markdown, plot, sweep_rows


def train_rec(h, e, dev, stopped="epochs"):
    return {"point": f"h{h}-e{e}-m1-s0", "hidden": h, "embed": e, "min_count": 1, "seed": 0, "dev": dev,
            "epochs_done": 1.0, "stopped": stopped, "train_seconds": 10.0, "vocab_size": 1000,
            "params": {"total": 5000}}


def export_rec(h, e, quant, dev, nbytes):
    return {"point": f"h{h}-e{e}-m1-s0-{quant}", "train_point": f"h{h}-e{e}-m1-s0", "quant": quant, "dev": dev,
            "bundle_bytes": nbytes, "bundle": f"export/h{h}-e{e}-m1-s0-{quant}/bundle"}


def m(p50, tp=1000.0):
    return {"p50_ms": p50, "p95_ms": 2 * p50, "sent_per_s_1t": tp, "sent_per_s_2t": 2 * tp, "sent_per_cpu_s_1t": 3 * tp,
            "peak_rss_mb_1t": 60.0}


TRAIN = [train_rec(64, 64, 0.85), train_rec(150, 128, 0.87, stopped="time budget")]
EXPORT = [export_rec(64, 64, "default", 0.85, 1_000_000), export_rec(64, 64, "fp32", 0.851, 3_000_000),
          export_rec(150, 128, "default", 0.87, 2_000_000), export_rec(150, 128, "fp32", 0.86, 6_000_000),
          export_rec(300, 64, "default", 0.9, 9)]            # no training record: left out
MEASURED = {"h64-e64-m1-s0-default": m(0.3), "h64-e64-m1-s0-fp32": m(0.25),
            "h150-e128-m1-s0-default": m(0.5), "h150-e128-m1-s0-fp32": m(0.6)}


def test_rows_join_records_and_flag_both_fronts():
    rows = {r["point"]: r for r in sweep_rows(TRAIN, EXPORT, MEASURED)}
    assert set(rows) == set(MEASURED)
    # accuracy vs p50: 64 fp32 (0.851, 0.25) beats 64 default (0.85, 0.3); 150 default is most accurate;
    # 150 fp32 (0.86, 0.6) is beaten by 150 default (0.87, 0.5)
    assert {p for p, r in rows.items() if r["front"]} == {"h64-e64-m1-s0-fp32", "h150-e128-m1-s0-default"}
    # with bytes, the 1 MB default comes back; 150 fp32 is still beaten on all three
    assert {p for p, r in rows.items() if r["front3"]} == {"h64-e64-m1-s0-fp32", "h150-e128-m1-s0-default",
                                                          "h64-e64-m1-s0-default"}
    r = rows["h150-e128-m1-s0-default"]
    assert (r["hidden"], r["embed"], r["params"], r["p50_ms"], r["bundle_bytes"]) == (150, 128, 5000, 0.5, 2_000_000)


def test_unmeasured_rows_are_listed_but_on_no_front():
    rows = sweep_rows(TRAIN, EXPORT, {"h64-e64-m1-s0-default": m(0.3)})
    assert len(rows) == 4 and [r["point"] for r in rows if r["front"]] == ["h64-e64-m1-s0-default"]
    table = markdown(rows)
    assert table.count("| – | – | – | – | – | – |") == 3    # no timings, throughput or RSS for the unmeasured three


def test_markdown_sorts_by_accuracy_and_marks_fronts_and_time_budget(tmp_path):
    rows = sweep_rows(TRAIN, EXPORT, MEASURED)
    lines = [x for x in markdown(rows).splitlines() if x.startswith("| ")]
    assert lines[1].startswith("| ★ | 150 | 128 | 1 | 0 | default | 87.00 | 1.00* |")
    assert lines[-1].startswith("| ☆ | 64 | 64 | 1 | 0 | default | 85.00 |")
    assert "0.250 | 0.500 | 1,000 | 2,000 | 3,000 | 60 |" in lines[3]
    plot(rows, tmp_path / "p.png", "t")
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
