"""`edgekd sweep` end to end on a tiny build folder (tiny teacher, 200 real SST-2 rows with fake cached logits):
train, export with two presets, measure, report; resume after a killed point; refusals; the CLI."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from edgekd.pipeline.presets import preset
from edgekd.sweep import steps
from edgekd.sweep.grid import GridSpec
from edgekd.sweep.run import SweepOptions, run_sweep
from edgekd.tasks import load_split

FAST = dict(epochs=1, time_budget_min=0, measure_threads=(1,), rounds=1, iters=20, min_seconds=0.05, threads=1, progress=False)


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory, tiny_teacher_dir, glue_dir):
    """What `edgekd sweep` reads from a finished build, with made-up teacher logits that carry the gold label."""
    root = tmp_path_factory.mktemp("build")
    train = load_split("sst2", "train", glue_dir, limit=200)
    (root / "teacher").mkdir()
    (root / "teacher" / "model").symlink_to(tiny_teacher_dir, target_is_directory=True)
    (root / "augment").mkdir()
    (root / "augment" / "transfer.jsonl").write_text("".join(
        json.dumps({"text": t, "label": int(y), "src": i, "aug": "orig"}) + "\n"
        for i, (t, y) in enumerate(zip(train.texts, train.labels))))
    cache = root / "label" / "cache"
    cache.mkdir(parents=True)
    logits = np.random.default_rng(0).normal(0, 1, (200, 2)).astype(np.float32)
    logits[np.arange(200), train.labels] += 2.0
    np.save(cache / "logits.npy", logits)
    (cache / "cache.json").write_text("{}")
    cfg = preset("quick", pair=False)
    cfg = replace(cfg, student=replace(cfg.student, mlp_size=8, max_length=32),
                  distill=replace(cfg.distill, batch_size=20))
    (root / "build_config.json").write_text(json.dumps(cfg.to_dict()))
    (root / "summary.json").write_text(json.dumps({"task": "sst2"}))
    return root


def test_tiny_sweep_then_resume_after_a_killed_point(build_dir, glue_dir, tmp_path, monkeypatch):
    out = tmp_path / "sweep"
    grid = GridSpec(hidden=(4, 8), embed=(8,), quant=("default", "fp32"))
    real_train = steps.train_point
    calls: list[str] = []

    def killed_on_second(point, task, rows, dev, out, **k):
        calls.append(point.id)
        if len(calls) == 2:
            (out / "student").mkdir()
            (out / "student" / "half-written").write_text("x")
            raise KeyboardInterrupt
        return real_train(point, task, rows, dev, out, **k)

    monkeypatch.setattr(steps, "train_point", killed_on_second)
    opts = SweepOptions(grid=grid, data_dir=str(glue_dir), **FAST)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(build_dir, out, opts, log=lambda m: None)
    first = (out / "train" / "h4-e8-m1-s0" / "record.json").read_text()
    assert not (out / "train" / "h8-e8-m1-s0" / "record.json").exists()

    calls.clear()
    logs: list[str] = []
    rec = run_sweep(build_dir, out, replace(opts, measure=False), log=logs.append)
    assert calls == ["h8-e8-m1-s0"]                      # only the killed point trains again
    assert (out / "train" / "h4-e8-m1-s0" / "record.json").read_text() == first
    assert not (out / "train" / "h8-e8-m1-s0" / "student" / "half-written").exists()
    assert "train [1/2] h4-e8-m1-s0: done earlier" in logs[0]
    assert len(rec["rows"]) == 4 and not any(r["front"] or "p50_ms" in r for r in rec["rows"])   # not measured

    # nothing left to train or export; --measure-only times every bundle of the folder
    calls.clear()
    rec = run_sweep(build_dir, out, replace(opts, measure_only=True), log=lambda m: None)
    assert calls == []
    rows = {r["point"]: r for r in rec["rows"]}
    assert set(rows) == {f"h{h}-e8-m1-s0-{q}" for h in (4, 8) for q in ("default", "fp32")}
    for r in rows.values():
        assert 0 <= r["dev"] <= 1 and r["bundle_bytes"] > 0 and r["p50_ms"] > 0 and r["p95_ms"] >= r["p50_ms"]
        assert r["sent_per_s_1t"] > 0 and r["sent_per_cpu_s_1t"] > 0 and r["peak_rss_mb_1t"] > 0
        assert "sent_per_s_2t" not in r
        assert (out / r["bundle"] / "manifest.json").is_file()
    # the fp32 bundle scores what the checkpoint scored; int8 is smaller than fp32
    h4 = json.loads(first)
    assert rows["h4-e8-m1-s0-fp32"]["dev"] == pytest.approx(h4["dev"])
    assert rows["h4-e8-m1-s0-default"]["bundle_bytes"] < rows["h4-e8-m1-s0-fp32"]["bundle_bytes"]
    assert any(r["front"] for r in rows.values())
    for ext in ("json", "md", "png"):
        assert (out / f"sweep.{ext}").stat().st_size > 0
    assert json.loads((out / "sweep.json").read_text())["rows"] == json.loads(json.dumps(rec["rows"]))
    table = [line for line in (out / "sweep.md").read_text().splitlines() if line.startswith("|")]
    assert len(table) == 2 + 4                            # head, separator, one line per bundle


def test_a_folder_trained_with_other_settings_is_refused(build_dir, glue_dir, tmp_path):
    out = tmp_path / "sweep"
    opts = SweepOptions(grid=GridSpec(hidden=(4,), embed=(8,)), data_dir=str(glue_dir), measure=False,
                        **{**FAST, "epochs": 1})
    run_sweep(build_dir, out, opts, log=lambda m: None)
    with pytest.raises(ValueError, match=r"other settings \(distill\)"):
        run_sweep(build_dir, out, replace(opts, epochs=2), log=lambda m: None)


def test_not_a_build_folder(tmp_path):
    from edgekd.sweep.inputs import read_build
    from edgekd.tasks import DataError

    with pytest.raises(DataError, match="not a finished `edgekd build` folder .*build_config.json"):
        read_build(tmp_path)


def test_cli_help_and_bad_grids(build_dir):
    from edgekd.cli import main

    r = CliRunner().invoke(main, ["sweep", "--help"])
    assert r.exit_code == 0 and "--measure-only" in r.output and "--time-budget" in r.output
    for args, msg in ((["--hidden", "64,x"], "--hidden: expected comma-separated integers"),
                      (["--embedding", "0"], "embed values must be >= 1"),
                      (["--quant", "int4"], "unknown preset(s) ['int4']"),
                      (["--seeds", "1,1"], "repeated seeds value")):
        r = CliRunner().invoke(main, ["sweep", str(build_dir), *args])
        assert r.exit_code == 2 and msg in r.output, (args, r.output)
