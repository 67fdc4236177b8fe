"""The seeds benchmark's table arithmetic on hand-built per-seed records."""
from __future__ import annotations

import pytest

from benchmarks.seeds import markdown, parse_arm


def rec(seed, d, b, a_only, b_only, p):
    return {"seed": seed, "distilled": d, "distilled_final": d - 0.01, "baseline": b, "baseline_final": b,
            "a_only": a_only, "b_only": b_only, "p_value": p}


def test_markdown_rows_mean_sd_and_worst_gain():
    r = {"metric": "accuracy", "seeds": [rec(0, 0.875, 0.862, 47, 36, 0.27), rec(1, 0.880, 0.850, 60, 34, 0.01),
                                          rec(2, 0.870, 0.866, 40, 37, 0.82)]}
    md = markdown(r)
    lines = md.splitlines()
    assert len(lines) == 2 + 3 + 1
    assert "| 0 | distilled | 87.50 / 86.50 | 86.20 / 86.20 | +1.30 | 47 | 36 | 0.27 |" in lines
    assert r["mean"]["distilled"] == pytest.approx((87.5, 0.5))
    assert r["mean"]["baseline"][0] == pytest.approx(85.9333, abs=1e-3)
    assert "(min +0.40)" in lines[-1] and "+1.57" in lines[-1]


def test_two_arms_each_against_the_baseline_and_the_second_against_the_first():
    def seed(k, logits, reps):
        return {"seed": k, "baseline": 0.86, "baseline_final": 0.86, "logits": logits, "logits_final": logits,
                "reps": reps, "reps_final": reps,
                "vs_baseline": {"logits": {"a_only": 40, "b_only": 30, "p_value": 0.28},
                                "reps": {"a_only": 50, "b_only": 30, "p_value": 0.03}},
                "vs_first": {"reps": {"a_only": 20, "b_only": 10, "p_value": 0.1}}}
    r = {"metric": "accuracy", "arms": {"logits": {}, "reps": {"repr_weight": 1.0}},
         "seeds": [seed(0, 0.87, 0.88), seed(1, 0.871, 0.885)]}
    lines = markdown(r).splitlines()
    assert "| 0 | reps | 88.00 / 88.00 | 86.00 / 86.00 | +2.00 | 50 | 30 | 0.03 |" in lines
    assert "| 1 | reps | +1.40 | 20 | 10 | 0.1 |" in lines
    assert r["mean"]["reps"][0] == pytest.approx(88.25) and r["mean"]["logits"][0] == pytest.approx(87.05)
    assert any(line.startswith("| mean ± sd | reps | 88.25 ± 0.35") and "+2.25 (min +2.00)" in line for line in lines)


def test_parse_arm():
    assert parse_arm("logits") == ("logits", {})
    assert parse_arm("reps:repr_weight=1.5,loss=hard_soft") == ("reps", {"repr_weight": 1.5, "loss": "hard_soft"})
    for bad in ("", "baseline", "a b", "x:repr_weight"):
        with pytest.raises(ValueError):
            parse_arm(bad)


def test_cli_rejects_bad_seed_list(tmp_path):
    from click.testing import CliRunner

    from benchmarks.seeds import main

    r = CliRunner().invoke(main, [str(tmp_path), "--seeds", "0,x", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "comma-separated integers" in r.output



def test_a_finished_student_is_reused_and_a_killed_one_retrained(tmp_path, monkeypatch):
    import json

    import edgekd.student_stage as stage
    from benchmarks.seeds import _trainer
    from edgekd.distill.config import DistillConfig

    cfg, calls = DistillConfig(), []

    class Task:
        metric = "accuracy"

    def fake_train(task, rows, dev, d, **kw):
        calls.append(d)
        rec = {"distill_config": kw["cfg"].to_dict(), "dev": {"accuracy": 0.9}, "history": [{"accuracy": 0.8}],
               "stopped": "epochs done"}
        (d / "metrics.json").write_text(json.dumps(rec))
        return rec

    monkeypatch.setattr(stage, "train_student", fake_train)
    for name, rec in (("done", {"stopped": "epochs done"}), ("killed", {})):
        d = tmp_path / name
        d.mkdir()
        (d / "metrics.json").write_text(json.dumps({**rec, "distill_config": cfg.to_dict(), "dev": {"accuracy": 0.5},
                                                    "history": [{"accuracy": 0.5}]}))
        (d / "dev_predictions.json").write_text(json.dumps({"predictions": [0, 1]}))
    train = _trainer(Task(), None, "teacher", None, 1, False)
    assert train(tmp_path / "done", None, cfg)[0] == 0.5 and calls == []
    assert train(tmp_path / "killed", None, cfg)[0] == 0.9 and calls == [tmp_path / "killed"]
