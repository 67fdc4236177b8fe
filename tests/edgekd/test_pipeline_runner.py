"""The stage runner: skip when up to date, rerun exactly the affected stages, and say why."""
from __future__ import annotations

import pytest

from edgekd.pipeline.runner import Stage, run_stages


def _chain(calls: list, a_cfg: dict, b_cfg: dict, data: str = "d1"):
    def run_a(d, up):
        calls.append("a"); (d / "a.txt").write_text(str(a_cfg)); return {"n": 1}

    def run_b(d, up):
        calls.append("b"); (d / "b.txt").write_text(str(up["a"]["outputs"])); return {}

    def run_c(d, up):
        calls.append("c"); return {}

    return [Stage("a", a_cfg, run_a, data=data, artifacts=("a.txt",)),
            Stage("b", b_cfg, run_b, deps=("a",), artifacts=("b.txt",)),
            Stage("c", {}, run_c, deps=("a",))]


def test_skip_rerun_and_reasons(tmp_path):
    calls, logs = [], []
    run_stages(_chain(calls, {"lr": 1}, {"x": 1}), tmp_path, log=logs.append)
    assert calls == ["a", "b", "c"]
    calls.clear(); logs.clear()
    res = run_stages(_chain(calls, {"lr": 1}, {"x": 1}), tmp_path, log=logs.append)
    assert calls == [] and all(r.status == "skipped" for r in res.values())
    # a change in b's config reruns b only
    res = run_stages(_chain(calls, {"lr": 1}, {"x": 2}), tmp_path, log=logs.append)
    assert calls == ["b"] and "x: 1 -> 2" in res["b"].reason
    calls.clear()
    # a change upstream reruns a and everything that reads it
    res = run_stages(_chain(calls, {"lr": 2}, {"x": 2}), tmp_path, log=logs.append)
    assert calls == ["a", "b", "c"] and "upstream changed: a" in res["c"].reason
    calls.clear()
    # data change and a deleted artifact are detected
    res = run_stages(_chain(calls, {"lr": 2}, {"x": 2}, data="d2"), tmp_path, log=logs.append)
    assert res["a"].reason == "input data changed"
    calls.clear()
    (tmp_path / "b" / "b.txt").unlink()
    res = run_stages(_chain(calls, {"lr": 2}, {"x": 2}, data="d2"), tmp_path, log=logs.append)
    assert calls == ["b"] and "artifact missing" in res["b"].reason


def test_interrupted_stage_reruns(tmp_path):
    calls = []
    stages = _chain(calls, {"lr": 1}, {"x": 1})

    def boom(d, up):
        raise KeyboardInterrupt

    broken = [stages[0], Stage("b", {"x": 1}, boom, deps=("a",)), stages[2]]
    try:
        run_stages(broken, tmp_path, log=lambda s: None)
    except KeyboardInterrupt:
        pass
    calls.clear()
    run_stages(stages, tmp_path, log=lambda s: None)
    assert calls == ["b", "c"]


def test_summary_paired_test_reads_students_under_the_run_folder(tmp_path, glue_dir):
    """The recorded stage paths may be relative to another working directory: the test looks under OUT."""
    import json

    import numpy as np

    from edgekd.pipeline.chain import summarize
    from edgekd.pipeline.runner import StageResult
    from edgekd.tasks import get_task, load_split

    task = get_task("sst2")
    dev = load_split(task, "dev", glue_dir).head(10)
    for name, pred in (("distill", dev.labels), ("baseline", 1 - dev.labels)):
        d = tmp_path / name / "student"
        d.mkdir(parents=True)
        (d / "dev_predictions.json").write_text(json.dumps({"predictions": np.asarray(pred).tolist()}))
    rec = lambda name: StageResult(name, "skipped", "up to date", 0.0,  # noqa: E731
                                   {"outputs": {"dir": f"elsewhere/{name}/student", "dev": {"accuracy": 0.5}}})
    results = {"teacher": rec("teacher"), "distill": rec("distill"), "baseline": rec("baseline")}
    s = summarize(task, results, dev=dev, out=tmp_path)
    assert s["distill_vs_baseline"]["a_only"] == 10 and s["distill_vs_baseline"]["b_only"] == 0
    assert "distill_vs_baseline" not in summarize(task, results, dev=dev, out=tmp_path / "missing")


def _keys(inp, **overrides):
    """Every stage key of the build for `inp`, computed without running anything."""
    from edgekd.pipeline.chain import make_stages
    from edgekd.pipeline.presets import build_config
    from edgekd.pipeline.runner import stage_key

    records = {}
    for s in make_stages(build_config("quick", inp.task.pair, **overrides), inp, log=lambda m: None):
        records[s.name] = {"key": stage_key(s, records), "config": dict(s.config), "data": s.data}
    return records


def test_unlabeled_file_content_and_option_are_in_the_augment_and_label_keys(tmp_path, glue_dir):
    from dataclasses import replace

    from edgekd.augment.unlabeled import UnlabeledOptions
    from edgekd.pipeline.presets import build_config
    from edgekd.pipeline.steps import BuildInputs
    from edgekd.tasks import get_task, load_split

    train, dev = load_split("sst2", "train", glue_dir, limit=50), load_split("sst2", "dev", glue_dir)
    inp = BuildInputs(task=get_task("sst2"), train=train, dev=dev)
    plain = _keys(inp)
    cfg = build_config("quick", False)
    # without --unlabeled the augment config is as before; its data covers the dev rows it keeps out
    assert plain["augment"]["config"] == {"augment": cfg.augment.to_dict(), "seed": cfg.augment_seed,
                                          "no_pos": cfg.no_pos}
    assert plain["augment"]["data"] == train.fingerprint() + dev.fingerprint()
    f, g = tmp_path / "u.txt", tmp_path / "same.txt"
    f.write_text("one line\nanother line\n")
    g.write_text("one line\nanother line\n")
    a = _keys(replace(inp, unlabeled=UnlabeledOptions(f)))
    assert a["teacher"]["key"] == plain["teacher"]["key"]
    assert all(a[k]["key"] != plain[k]["key"] for k in ("augment", "label", "distill"))
    assert _keys(replace(inp, unlabeled=UnlabeledOptions(g)))["label"]["key"] == a["label"]["key"]   # content, not name
    f.write_text("one line\nanother line, edited\n")
    b = _keys(replace(inp, unlabeled=UnlabeledOptions(f)))
    c = _keys(replace(inp, unlabeled=UnlabeledOptions(f, augment=True)))
    assert len({a["label"]["key"], b["label"]["key"], c["label"]["key"]}) == 3
    assert b["baseline"]["key"] == plain["baseline"]["key"]          # the gold-label baseline does not read it


def test_repr_weight_keys_the_label_and_distill_stages_only(glue_dir):
    from edgekd.pipeline.steps import BuildInputs
    from edgekd.tasks import get_task, load_split

    inp = BuildInputs(task=get_task("sst2"), train=load_split("sst2", "train", glue_dir, limit=50),
                      dev=load_split("sst2", "dev", glue_dir))
    plain, rep = _keys(inp), _keys(inp, repr_weight=1.0)
    assert "repr_weight" not in plain["distill"]["config"]["distill"]   # builds made before the option keep their keys
    assert "representation" not in plain["label"]["config"] and rep["label"]["config"]["representation"] is True
    assert rep["distill"]["config"]["distill"]["repr_weight"] == 1.0
    assert {k for k in plain if plain[k]["key"] != rep[k]["key"]} == {"label", "distill", "export", "validate",
                                                                      "profile"}
    assert _keys(inp, repr_weight=0.0)["distill"]["key"] == plain["distill"]["key"]


def test_few_labels_preset_seed_and_baseline_epochs(glue_dir):
    from edgekd.pipeline.chain import make_stages
    from edgekd.pipeline.presets import build_config, preset
    from edgekd.pipeline.steps import BuildInputs
    from edgekd.tasks import get_task, load_split

    cfg = build_config("few-labels", False, seed=7)
    assert (cfg.finetune.seed, cfg.augment_seed, cfg.distill.seed) == (7, 7, 7)
    assert cfg.augment.n_iter == 0 and not cfg.profile and cfg.finetune.max_train_examples is None
    assert not build_config("few-labels", False, profile=True).profile          # the preset's own "off" wins
    assert build_config("few-labels", False, n_iter=2).augment.n_iter == 2
    gold = cfg.gold_distill()
    assert (gold.loss, gold.alpha, gold.epochs, gold.seed) == ("ce", 0.0, 30, 7) and cfg.distill.epochs == 3
    assert preset("quick", False).gold_distill().epochs == preset("quick", False).distill.epochs
    inp = BuildInputs(task=get_task("sst2"), train=load_split("sst2", "train", glue_dir, limit=50),
                      dev=load_split("sst2", "dev", glue_dir))
    stages = {s.name: s for s in make_stages(cfg, inp, log=lambda m: None)}
    assert stages["baseline"].config["distill"] == gold.key_dict() and "profile" not in stages


def test_runtime_score_check_allows_the_familys_batching_drift_and_no_more():
    from edgekd.pipeline.steps import check_runtime_score

    rec = {"accuracy": 0.8761}
    assert check_runtime_score("accuracy", {"accuracy": 0.8819}, rec, "transformer") == 0.01
    with pytest.raises(RuntimeError, match="0.8819 differs from the export's 0.8761 by more than 0.005"):
        check_runtime_score("accuracy", {"accuracy": 0.8819}, rec, "bilstm")
    with pytest.raises(RuntimeError, match="does not behave as validated"):
        check_runtime_score("accuracy", {"accuracy": 0.8900}, rec, "transformer")
    assert check_runtime_score("f1", {"f1": 0.5}, {}, "bilstm") == 0.005      # nothing recorded: nothing to compare


def test_a_forced_stage_reruns_what_reads_it(tmp_path):
    # a forced stage keeps its key but makes new artifacts (a retrained student): its readers must not be skipped
    calls = []
    run_stages(_chain(calls, {"lr": 1}, {"x": 1}), tmp_path, log=lambda m: None)
    calls.clear()
    res = run_stages(_chain(calls, {"lr": 1}, {"x": 1}), tmp_path, log=lambda m: None, force=("a",))
    assert calls == ["a", "b", "c"] and res["b"].reason == "upstream reran: a"
    calls.clear()
    run_stages(_chain(calls, {"lr": 1}, {"x": 1}), tmp_path, log=lambda m: None, force=("b",))
    assert calls == ["b"]
