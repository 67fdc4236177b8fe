"""Smoke runs of benchmarks/compare.py: a tiny teacher, tiny student bundles and a few hundred real SST-2 rows, with
very few iterations; every row present and every number finite; the CLI; rows left out cleanly when fastText or
scikit-learn is missing."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from benchmarks.compare import CompareConfig, main, run_compare
from benchmarks.fasttext_baseline import FastTextSettings
from benchmarks.fasttext_baseline import available as fasttext_missing
from benchmarks.tfidf_baseline import available as sklearn_missing

FT = FastTextSettings(dim=16, bucket=10_000, cutoff=2_000, epoch=3, threads=1)
CFG = CompareConfig(latency_samples=12, warmup=2, rounds=2, batch=16, throughput_items=32, throughput_rounds=2,
                    min_round_s=0.02, rss_items=16, rss_skip=("teacher",))   # a torch child: ~5 s of imports


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, glue_dir):
    testing = pytest.importorskip("tests.helpers.checkpoints", reason="exporters' tiny-bundle helper not available")
    from edgekd.tasks import load_split

    root = tmp_path_factory.mktemp("bench")
    testing.make_tiny_bundle(root / "bundle", precision="both")
    testing.make_tiny_bundle(root / "nodistill", precision="int8", seed=1)
    tr = load_split("sst2", "train", glue_dir, limit=160)
    with open(root / "transfer.jsonl", "w") as f:
        for i, (t, y) in enumerate(zip(tr.texts, tr.labels)):
            f.write(json.dumps({"text": t, "label": int(y), "src": i, "aug": "orig"}) + "\n")
    (root / "logits").mkdir()
    np.save(root / "logits" / "logits.npy", np.random.default_rng(0).standard_normal((len(tr), 2)).astype(np.float32))
    (root / "logits" / "cache.json").write_text("{}")
    return root


@pytest.fixture(scope="module")
def record(inputs, tiny_teacher_dir, glue_dir):
    return run_compare("sst2", teacher=str(tiny_teacher_dir), bundle=str(inputs / "bundle"),
                       baseline_bundle=str(inputs / "nodistill"), transfer=str(inputs / "transfer.jsonl"),
                       logits=str(inputs / "logits"), data_dir=str(glue_dir), work=str(inputs / "work"),
                       limit_train=300, limit_dev=40, cfg=CFG, ft=FT, progress=lambda m: None)


def expected_rows() -> list[str]:
    rows = ["teacher", "student-int8", "student-fp32", "nodistill-int8"]
    rows += [] if fasttext_missing() else ["fasttext-gold", "fasttext-transfer"]
    return rows + ([] if sklearn_missing() else ["tfidf-lr"])


def test_every_row_is_measured_with_finite_numbers(record):
    assert record["errors"] == []
    rows = {r["system"]: r for r in record["rows"]}
    assert list(rows) == expected_rows()
    for name, r in rows.items():
        assert 0 <= r["accuracy"] <= 1 and r["metric_name"] == "accuracy" and r["metric"] == r["accuracy"]
        for key in ("p50_ms", "p95_ms", "throughput", "acc_per_ms"):
            assert math.isfinite(r[key]) and r[key] > 0, (name, key, r[key])
        assert r["size_bytes"] > 0 and r["latency_ms"]["n"] == CFG.latency_samples
        assert r["throughput_rounds"]["n"] == CFG.throughput_rounds and r["throughput_batch"] == CFG.batch
        if r["kind"] == "teacher":
            assert r["peak_rss_mb"] is None and r["rss"] is None        # skipped in this smoke run
        else:
            assert math.isfinite(r["peak_rss_mb"]) and r["peak_rss_mb"] > 0, (name, r["rss"])
            assert r["rss"]["torch_imported"] is False                  # students and baselines run torch-free
    assert rows["student-int8"]["size_bytes"] < rows["student-fp32"]["size_bytes"]
    assert rows["student-int8"]["throughput_threads"] == rows["teacher"]["throughput_threads"] == 2
    assert all(r["throughput_threads"] == 1 for r in rows.values() if r["kind"] in ("fasttext", "tfidf"))
    assert record["data"]["transfer"]["rows"] == 160 and record["data"]["dev"]["rows"] == 40


def test_markdown_and_verdict(record):
    md = record["markdown"]
    for name in expected_rows():
        assert f"| {name} |" in md
    assert "n/a |" in md.split("| teacher |")[1].splitlines()[0]        # teacher RSS not measured -> n/a
    assert record["verdict"]["text"].startswith("Verdict on the int8 student (student-int8): ")
    assert md.rstrip().endswith(record["verdict"]["text"])
    assert isinstance(record["verdict"]["within_teacher"], bool) and isinstance(record["verdict"]["pareto"], bool)
    if not fasttext_missing():
        assert any("unquantized .bin dev accuracy" in n for n in record["notes"])


def test_cli_reuses_trained_baselines_and_writes_json(record, inputs, glue_dir, tmp_path):
    work = inputs / "work"
    before = {p: p.stat().st_mtime_ns for p in work.rglob("*") if p.is_file()}
    out = tmp_path / "rec.json"
    res = CliRunner().invoke(main, ["--bundle", str(inputs / "bundle"), "--transfer", str(inputs / "transfer.jsonl"),
                                    "--logits", str(inputs / "logits"), "--data-dir", str(glue_dir), "--work",
                                    str(work), "--limit-train", "300", "--limit-dev", "40", "--quick",
                                    "--latency-samples", "5", "--batch", "16", "--throughput-items", "16",
                                    "--threads", "1",
                                    "--no-rss", "--ft-bucket", "10000", "--ft-cutoff", "2000", "--ft-epoch", "3",
                                    "--ft-threads", "1", "--ft-dim", "16", "--json", str(out)])
    assert res.exit_code == 0, res.output
    rec = json.loads(out.read_text())
    names = [r["system"] for r in rec["rows"]]
    assert names == [n for n in expected_rows() if n not in ("teacher", "nodistill-int8")]
    assert "| student-int8 |" in res.output and "teacher: not given (--teacher)" in res.output
    assert rec["config"]["threads"] == 1 and rec["rows"][0]["throughput_threads"] == 1
    assert "(batch 16, 1 thread) |" in res.output and "(1 thread) |" not in res.output.split("(batch 16")[1]
    assert {p: p.stat().st_mtime_ns for p in work.rglob("*") if p.is_file()} == before   # nothing retrained


def test_missing_fasttext_and_sklearn_leave_their_rows_out(inputs, glue_dir, monkeypatch, tmp_path):
    import sys

    for mod in ("fasttext", "sklearn"):
        monkeypatch.setitem(sys.modules, mod, None)                    # import now raises ImportError
    rec = run_compare("sst2", bundle=str(inputs / "bundle"), data_dir=str(glue_dir), work=str(tmp_path / "w"),
                      limit_train=50, limit_dev=16, cfg=CompareConfig(latency_samples=3, warmup=1, rounds=1,
                                                                      batch=8, throughput_items=8,
                                                                      throughput_rounds=1, min_round_s=0, rss=False),
                      progress=lambda m: None)
    assert [r["system"] for r in rec["rows"]] == ["student-int8", "student-fp32"] and rec["errors"] == []
    notes = " ".join(rec["notes"])
    assert "fastText rows left out: the `fasttext` module is not installed" in notes
    assert "TF-IDF row left out: scikit-learn is not installed" in notes
    assert "above fastText and TF-IDF in accuracy: n/a" in rec["verdict"]["text"]


def test_pair_task_mrpc_scores_f1_and_joins_pairs_for_word_baselines(tmp_path, glue_dir):
    testing = pytest.importorskip("tests.helpers.checkpoints", reason="exporters' tiny-bundle helper not available")
    testing.make_tiny_bundle(tmp_path / "pair", pair=True, precision="int8")
    rec = run_compare("mrpc", bundle=str(tmp_path / "pair"), data_dir=str(glue_dir), work=str(tmp_path / "w"),
                      limit_train=200, limit_dev=24, skip=("fasttext-transfer",), ft=FT,
                      cfg=CompareConfig(latency_samples=4, warmup=1, rounds=1, batch=8, throughput_items=8,
                                        throughput_rounds=1, min_round_s=0, rss=False), progress=lambda m: None)
    assert rec["errors"] == [] and rec["metric"] == "f1"
    rows = {r["system"]: r for r in rec["rows"]}
    assert "student-int8" in rows and "student-fp32" not in rows         # the bundle has int8 only
    expected = {"student-int8"} | (set() if fasttext_missing() else {"fasttext-gold"}) | \
        (set() if sklearn_missing() else {"tfidf-lr"})
    assert set(rows) == expected
    for r in rows.values():
        assert r["metric_name"] == "f1" and 0 <= r["metric"] <= 1 and 0 <= r["accuracy"] <= 1
    assert "| System | mrpc dev accuracy % | mrpc dev f1 % |" in rec["markdown"]
    with pytest.raises(ValueError, match="the bundle is for mrpc"):
        from benchmarks.lineup import student_entries
        from edgekd.tasks import get_task
        student_entries(str(tmp_path / "pair"), "student", "student", get_task("sst2"), 1)
