"""`--engine ray`: a Ray Data actor pool writes the local engine's cache bit for bit (singles and pairs, fp32 and
bf16, through `label_transfer_set` and the build's label stage), and a SIGKILLed `edgekd label --engine ray`
resumes to the bytes of an uninterrupted run. One small Ray (2 CPUs) serves the module; each Ray run costs
seconds of actor start-up (worker processes importing torch and transformers), so there are five of them."""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from edgekd.augment import AugmentConfig, build_transfer_set
from edgekd.cli import main
from edgekd.label import RayEngine, StaleCache, label_transfer_set, load_logits
from edgekd.tasks import load_split
from edgekd.teacher.model import cpu_has_bf16, load_teacher

if importlib.util.find_spec("ray") is None:
    if os.environ.get("CI"):
        pytest.fail("CI installs edgekd[scale]: ray must be importable here", pytrace=False)
    pytest.skip("ray is not installed (pip install 'edgekd[scale]')", allow_module_level=True)

REPO = Path(__file__).resolve().parents[2]
CHUNK = 48
BF16 = cpu_has_bf16()


@pytest.fixture(scope="module")
def ray_address():
    """A Ray for this module's in-process runs (a RayEngine reuses an initialised Ray); its address for the CLI."""
    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="WARNING")
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def transfer(tmp_path_factory, glue_dir):
    path = tmp_path_factory.mktemp("transfer") / "transfer.jsonl"
    build_transfer_set(load_split("sst2", "train", glue_dir, limit=130), path, AugmentConfig(n_iter=2), 0, tagger=None,
                       progress=False, task="sst2")
    return path




def test_ray_cache_equals_local_bit_for_bit_then_is_reused_or_refused(tmp_path, ray_address, transfer, teacher,
                                                                      one_thread, capsys):
    ray_engine = RayEngine(actors=2, threads=1)
    a = dict(chunk_rows=CHUNK, max_length=32, limit=250, progress=False)
    local = label_transfer_set(transfer, teacher, tmp_path / "local", **a)
    got = label_transfer_set(transfer, teacher, tmp_path / "ray", engine=ray_engine, **a)
    assert got.key == local.key and got.key["dtype"] == "fp32" and got.labelled == 250
    assert np.array_equal(load_logits(tmp_path / "ray", transfer), load_logits(tmp_path / "local", transfer))
    assert got.header["stats"]["engine"] == "ray" and got.header["stats"]["actors"] == 2
    assert {k for k in local.header if k != "stats"} == {k for k in got.header if k != "stats"}
    again = label_transfer_set(transfer, teacher, tmp_path / "ray", engine=ray_engine, **a)
    assert again.labelled == 0 and "up to date" in capsys.readouterr().err
    for change in (dict(max_length=64), dict(limit=None), dict(chunk_rows=32)):
        with pytest.raises(StaleCache, match="differs"):
            label_transfer_set(transfer, teacher, tmp_path / "ray", engine=ray_engine, **{**a, **change})


def test_ray_keeps_representations_like_local(tmp_path, ray_address, transfer, teacher, one_thread):
    from edgekd.label.store import load_representations

    a = dict(chunk_rows=CHUNK, max_length=32, limit=120, progress=False, representation=True)
    label_transfer_set(transfer, teacher, tmp_path / "local", **a)
    label_transfer_set(transfer, teacher, tmp_path / "ray", engine=RayEngine(actors=1, threads=1), **a)
    assert np.array_equal(load_logits(tmp_path / "ray", transfer), load_logits(tmp_path / "local", transfer))
    assert np.array_equal(load_representations(tmp_path / "ray"), load_representations(tmp_path / "local"))


def test_build_label_stage_on_ray_rebuilds_a_stale_cache_like_local(tmp_path, ray_address, tiny_teacher_dir,
                                                                     glue_dir, one_thread):
    """The build's label stage with `--engine ray` on a pair task with the quick preset's bf16 setting, over a
    stale cache it must relabel (rebuild=True)."""
    from edgekd.pipeline import steps
    from edgekd.pipeline.presets import preset
    from edgekd.tasks import get_task

    task, cfg = get_task("mrpc"), preset("quick", pair=True)
    pairs = tmp_path / "pairs.jsonl"
    build_transfer_set(load_split("mrpc", "train", glue_dir, limit=20), pairs, AugmentConfig.for_pairs(n_iter=2), 0,
                       tagger=None, progress=False)
    t = load_teacher(str(tiny_teacher_dir), task.num_labels, labels=task.labels, device="cpu")
    label_transfer_set(pairs, t, tmp_path / "stage" / "cache", max_length=32, progress=False)       # stale
    label_transfer_set(pairs, t, tmp_path / "local", max_length=cfg.label_max_length, bf16=cfg.label_bf16,
                       progress=False)
    inp = steps.BuildInputs(task=task, train=None, dev=None, progress=False,
                            label_engine=RayEngine(actors=1, threads=1))
    up = {"teacher": {"outputs": {"dir": str(tiny_teacher_dir)}}, "augment": {"outputs": {"path": str(pairs)}}}
    logs = []
    out = steps.label(steps.Ctx(cfg, inp, log=logs.append), tmp_path / "stage", up)
    assert any("relabelling" in m for m in logs) and out["labelled_now"] == out["rows"] > 0
    assert out["dtype"] == ("bf16" if BF16 else "fp32")
    assert np.array_equal(load_logits(out["dir"], pairs), load_logits(tmp_path / "local", pairs))


def _done(out: Path) -> int:
    try:
        return len(json.loads((out / "progress.json").read_text())["done"])
    except (OSError, ValueError, KeyError):
        return 0


def test_sigkilled_ray_driver_resumes_to_the_uninterrupted_bytes(tmp_path, ray_address, tiny_teacher_dir, transfer,
                                                                 teacher, one_thread):
    """SIGKILL `edgekd label --engine ray` (which started its own Ray) after a few chunks, rerun it joined to a
    running cluster (--ray-address), and get the cache of an uninterrupted local run."""
    chunk = 4
    ref = label_transfer_set(transfer, teacher, tmp_path / "ref", chunk_rows=chunk, progress=False)
    out = tmp_path / "c"
    cmd = [sys.executable, "-m", "edgekd.cli", "label", str(transfer), "--out", str(out), "--teacher",
           str(tiny_teacher_dir), "--chunk-rows", str(chunk), "--quiet", "--engine", "ray", "--actors", "2",
           "--threads", "1"]
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *(str(REPO / d) for d in ("runtime", "exporters", "contract")),
                                         env.get("PYTHONPATH", "")])
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while _done(out) < 2 and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        os.kill(p.pid, signal.SIGKILL)
        log = p.communicate(timeout=30)[0].decode(errors="replace")
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)        # whatever of its own Ray outlived it (its reaper ends the rest)
        except ProcessLookupError:
            pass
    assert p.returncode == -signal.SIGKILL, log
    k, n = _done(out), ref.header["n_chunks"]
    assert 2 <= k < n, f"killed after {k} of {n} chunks\n{log}"
    assert not json.loads((out / "cache.json").read_text())["complete"]

    r = subprocess.run(cmd + ["--ray-address", ray_address], env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"resuming {out}: {k} of {n} chunks already done" in r.stderr
    head = json.loads((out / "cache.json").read_text())
    assert head["complete"] and head["key"] == ref.key and head["stats"]["engine"] == "ray"
    assert head["stats"]["rows_labelled_this_run"] < ref.key["rows"]
    assert np.array_equal(load_logits(out, transfer), load_logits(tmp_path / "ref", transfer))
    assert not (out / "progress.json").exists()


@pytest.mark.real_teacher
def test_packaged_minilm_on_ray_equals_local(tmp_path, ray_address, transfer, one_thread):
    from edgekd.teacher import default_teacher_dir

    torch.manual_seed(0)                        # the packaged MiniLM has no head: a seeded fresh one
    t = load_teacher(str(default_teacher_dir()), 2, device="cpu")
    a = dict(chunk_rows=32, max_length=64, limit=96, progress=False)
    label_transfer_set(transfer, t, tmp_path / "local", **a)
    label_transfer_set(transfer, t, tmp_path / "ray", engine=RayEngine(actors=1, threads=1), **a)
    assert np.array_equal(load_logits(tmp_path / "ray", transfer), load_logits(tmp_path / "local", transfer))


def test_engine_options_a_local_ray_too_small_and_a_missing_ray(tmp_path, transfer, monkeypatch, capsys):
    from edgekd.label import EngineUnavailable
    from edgekd.label.ray_engine import _check_fits

    have = {"cluster_cpus": 2.0, "cluster_gpus": 0}
    _check_fits(RayEngine(cpus_per_actor=2), True, have)
    with pytest.raises(EngineUnavailable, match="1 GPUs per actor, the cluster has 0"):
        _check_fits(RayEngine(gpus_per_actor=1), True, have)             # a Ray started here cannot grow: refuse
    _check_fits(RayEngine(cpus_per_actor=4), False, have)                # a joined cluster may autoscale: wait
    assert "waiting for the Ray cluster to scale up: 4 CPUs per actor" in capsys.readouterr().err
    r = CliRunner().invoke(main, ["label", str(transfer), "--out", str(tmp_path / "c"), "--actors", "2"])
    assert r.exit_code == 2 and "need --engine ray" in r.output
    r = CliRunner().invoke(main, ["label", str(transfer), "--out", str(tmp_path / "c"), "--engine", "ray",
                                  "--actors", "3-1"])
    assert r.exit_code == 2 and "min <= max" in r.output
    monkeypatch.setitem(sys.modules, "ray", None)           # as if `pip install edgekd[train]` without [scale]
    r = CliRunner().invoke(main, ["label", str(transfer), "--out", str(tmp_path / "c"), "--engine", "ray"])
    assert r.exit_code == 3 and "pip install 'edgekd[scale]'" in r.output, r.output
    assert not (tmp_path / "c").exists()
