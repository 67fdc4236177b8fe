"""The stage runner: skip when up to date, rerun exactly the affected stages, and say why."""
from __future__ import annotations

from edgekd.build.stages import Stage, run_stages


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
