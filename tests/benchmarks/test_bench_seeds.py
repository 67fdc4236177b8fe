"""The seeds benchmark's table arithmetic on hand-built per-seed records."""
from __future__ import annotations

import pytest

from benchmarks.seeds import markdown


def rec(seed, d, b, a_only, b_only, p):
    return {"seed": seed, "distilled": d, "distilled_final": d - 0.01, "baseline": b, "baseline_final": b,
            "a_only": a_only, "b_only": b_only, "p_value": p}


def test_markdown_rows_mean_sd_and_worst_gain():
    r = {"metric": "accuracy", "seeds": [rec(0, 0.875, 0.862, 47, 36, 0.27), rec(1, 0.880, 0.850, 60, 34, 0.01),
                                          rec(2, 0.870, 0.866, 40, 37, 0.82)]}
    md = markdown(r)
    lines = md.splitlines()
    assert len(lines) == 2 + 3 + 1
    assert "| 0 | 87.50 / 86.50 | 86.20 / 86.20 | +1.30 | 47 | 36 | 0.27 |" in lines
    assert r["mean"]["distilled"] == pytest.approx((87.5, 0.5))
    assert r["mean"]["baseline"][0] == pytest.approx(85.9333, abs=1e-3)
    assert "(min +0.40)" in lines[-1] and "+1.57" in lines[-1]


def test_cli_rejects_bad_seed_list(tmp_path):
    from click.testing import CliRunner

    from benchmarks.seeds import main

    r = CliRunner().invoke(main, [str(tmp_path), "--seeds", "0,x", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "comma-separated integers" in r.output

