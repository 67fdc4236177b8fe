"""The few-labels benchmark's table arithmetic on hand-built cell records."""
from __future__ import annotations

from benchmarks.few_labels import markdown


def cell(n, seed, t, b, d, a, p=0.01, pa=None):
    mc = {"distilled_vs_baseline": {"p_value": p}, "distilled_aug_vs_baseline": None if pa is None else {"p_value": pa}}
    return {"labelled": n, "seed": seed, "metric": "accuracy", "teacher": t, "baseline": b, "distilled": d,
            "distilled_aug": a, "mcnemar": mc}


def test_markdown_rows_gaps_and_means():
    cells = [cell(500, 1, 0.80, 0.70, 0.79, 0.80, pa=0.002), cell(500, 0, 0.82, 0.72, 0.81, 0.83),
             cell(2000, 0, 0.85, 0.78, 0.84, 0.85)]
    md = markdown(cells)
    blocks = md.split("**2000 labels**")
    assert "**500 labels**" in blocks[0] and len(blocks) == 2
    rows = [r for r in blocks[0].splitlines() if r.startswith("| ")]
    assert rows[1].startswith("| 0 | 82.00 | 72.00 | 81.00 | 83.00 | +9.00 | -1.00 | 0.01 / n/a |")   # seeds sorted
    assert rows[2].startswith("| 1 | 80.00 | 70.00 | 79.00 | 80.00 | +9.00 | -1.00 | 0.01 / 0.002 |")
    assert rows[3] == "| mean ± sd | 81.00 ± 1.41 | 71.00 ± 1.41 | 80.00 ± 1.41 | 81.50 ± 2.12 | +9.00 | -1.00 | |"
    assert "mean ± sd" not in blocks[1]                                        # one seed: no spread row
    assert "examples seen" not in md
    cells[2]["examples_seen"] = {"baseline": 60000, "distilled": 108378}
    assert "seed 0: 60,000 / 108,378 / 0" in markdown(cells).split("**2000 labels**")[1]


def test_write_results_keeps_a_restored_cells_counts_and_prefers_the_runs(tmp_path):
    import json

    from benchmarks.few_labels import write_results

    restored = cell(500, 0, 0.8, 0.7, 0.78, 0.78) | {"examples_seen": {"baseline": 15000, "distilled": 108378}}
    fresh = cell(500, 1, 0.8, 0.7, 0.79, 0.79) | {"examples_seen": {"baseline": 1}}   # stale: the runs win
    for c in (restored, fresh):
        d = tmp_path / "out" / "n500" / f"seed{c['seed']}"
        d.mkdir(parents=True)
        (d / "cell.json").write_text(json.dumps(c))
    m = tmp_path / "out" / "n500" / "seed1" / "plain" / "distill" / "student"
    m.mkdir(parents=True)
    (m / "metrics.json").write_text(json.dumps({"train_examples_seen": 4242}))
    cells = write_results(tmp_path / "out", tmp_path / "res", {})
    assert [c["examples_seen"] for c in cells] == [{"baseline": 15000, "distilled": 108378}, {"distilled": 4242}]
    assert json.loads((tmp_path / "res" / "few_labels.json").read_text())["cells"][0]["seed"] == 0
