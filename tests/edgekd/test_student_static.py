"""The static student family: torch module, one training step, export to a bundle whose golden vectors pass in
Python and Node, and `edgekd build --student static` end to end on the tiny fixture."""
from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from edgekd.student.registry import build_student, family, flat_state_dict
from edgekd_contract.checkpoint import StudentConfig

REPO = Path(__file__).resolve().parents[2]


def cfg(kind="static", **kw) -> StudentConfig:
    base = dict(kind=kind, vocab_size=50, teacher_vocab_size=80, embed_dim=8, hidden_size=8, mlp_size=6,
                labels=("a", "b"), dropout=0.0)
    return StudentConfig(**{**base, **kw})


def test_config_rules():
    assert cfg().feature_size == 16 and cfg(kind="static_pair").feature_size == 64 and cfg().family == "static"
    with pytest.raises(ValueError, match="hidden_size .* must equal embed_dim"):
        cfg(hidden_size=7)


def test_pooling_is_mean_and_max_over_real_tokens_only():
    torch.manual_seed(0)
    m = build_student(cfg()).eval()
    ids = torch.tensor([[5, 6, 7, 0, 0], [9, 0, 0, 0, 0]])
    lengths = torch.tensor([3, 1])
    emb = m.embedding.weight.detach()
    want = torch.stack([torch.cat([emb[[5, 6, 7]].mean(0), emb[[5, 6, 7]].max(0).values]),
                        torch.cat([emb[9], emb[9]])])
    assert torch.allclose(m.features(ids, lengths), want, atol=1e-6)
    # padding never counts: wider padding (even with non-pad ids past the length) changes nothing
    wide = torch.cat([ids, torch.full((2, 3), 11)], dim=1)
    assert torch.allclose(m(ids, lengths), m(wide, lengths), atol=1e-6)


def test_pair_features_and_a_training_step():
    torch.manual_seed(0)
    m = build_student(cfg(kind="static_pair")).eval()
    a, la = torch.tensor([[3, 4, 0]]), torch.tensor([2])
    b, lb = torch.tensor([[5, 6, 7, 8]]), torch.tensor([4])
    u, v = m.encoder(a, la), m.encoder(b, lb)
    assert torch.allclose(m.features(a, la, b, lb), torch.cat([u, v, u * v, (u - v).abs()], -1))
    m.train()
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    before = {k: p.detach().clone() for k, p in m.named_parameters()}
    loss = ((m(a, la, b, lb) - torch.tensor([[1.0, -1.0]])) ** 2).mean()
    loss.backward()
    opt.step()
    assert all(not torch.equal(before[k], p) for k, p in m.named_parameters()), "every weight trains"
    fam = family("static_pair")
    assert set(fam.flat_state_dict(m)) == {"embedding.weight", "hidden.weight", "hidden.bias", "out.weight",
                                           "out.bias"}
    assert fam.param_counts(m)["embedding"] == 50 * 8


def _checkpoint(out: Path, kind: str) -> Path:
    from tests.helpers.checkpoints import make_tokenizer, random_weights, write_checkpoint

    tok = make_tokenizer()
    c = StudentConfig(kind=kind, task="mrpc" if kind.endswith("pair") else "sst2", vocab_size=120,
                      teacher_vocab_size=tok.get_vocab_size(), embed_dim=16, hidden_size=16, mlp_size=12,
                      dropout=0.0, max_length=32)
    torch.manual_seed(0)
    m = build_student(c).eval()
    with torch.no_grad():
        m.embedding.weight.normal_()
        m.embedding.weight[0] = 0
    weights = {k: v.numpy() for k, v in flat_state_dict(m).items()}
    weights["vocab_map"] = random_weights(replace(c, kind="bilstm", hidden_size=2))["vocab_map"]
    return write_checkpoint(out, c, weights, tok)


@pytest.mark.parametrize("kind", ["static", "static_pair"])
def test_export_golden_python_and_node(kind, tmp_path):
    import onnx

    from edgekd.export import export_student
    from edgekd_runtime.golden import selftest

    ckpt = _checkpoint(tmp_path / "ckpt", kind)
    man = export_student(ckpt, tmp_path / "bundle", precision="both")
    assert man.quantization["name"] == "static" and man.quantization["lstm"] == "fp32"
    assert man.metrics["parity_torch_fp32"]["measured"] and man.metrics["parity_torch_fp32"]["max_abs_diff"] < 1e-4
    ops = {n.op_type for n in onnx.load(str(tmp_path / "bundle" / "model.int8.onnx")).graph.node}
    assert {"Gather", "ReduceSum", "ReduceMax", "MatMul"} <= ops and not ops & {"LSTM", "DynamicQuantizeLSTM", "Loop"}
    init = {t.name: t.data_type for t in onnx.load(str(tmp_path / "bundle" / "model.int8.onnx")).graph.initializer}
    assert init["embedding_q"] == onnx.TensorProto.INT8 and "embedding" not in init
    assert "static" in (tmp_path / "bundle" / "README.md").read_text()
    rep = selftest(tmp_path / "bundle")
    assert rep.ok, rep
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not installed")
    r = subprocess.run([node, str(REPO / "runtime/js/bin/edgekd-run-js.js"), "selftest", str(tmp_path / "bundle")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_build_preset_and_cli_choice():
    from click.testing import CliRunner

    from edgekd.commands.build import build as build_cmd
    from edgekd.pipeline.presets import build_config

    c = build_config("quick", False, student="static")
    assert c.student.family == "static" and c.distill.epochs >= 6 and c.baseline
    assert "static" in CliRunner().invoke(build_cmd, ["--help"]).output


@pytest.mark.e2e
def test_build_static_student(tiny_teacher_dir, glue_dir, tmp_path):
    from edgekd.pipeline.chain import BuildInputs, build
    from edgekd.pipeline.presets import build_config
    from edgekd.tasks import get_task, load_split
    from edgekd_runtime import Bundle
    from edgekd_runtime.golden import selftest

    task = get_task("sst2")
    inp = BuildInputs(task, load_split(task, "train", glue_dir, limit=200), load_split(task, "dev", glue_dir).head(60),
                      teacher=str(tiny_teacher_dir), device="cpu-1t", threads=1, progress=False)
    c = build_config("quick", False, student="static", profile=False, baseline=False)
    c = replace(c, finetune=replace(c.finetune, max_train_examples=None, eval_every=50, max_length=64),
                augment=replace(c.augment, n_iter=1), student=replace(c.student, embed_dim=16, mlp_size=8),
                distill=replace(c.distill, epochs=2, eval_every=0, time_budget_min=None), max_drop=100.0)
    s = build(c, inp, tmp_path, log=lambda m: None)
    assert set(s["stages"]) == {"teacher", "augment", "label", "distill", "export", "validate"}
    assert all(v["status"] == "ran" for v in s["stages"].values())
    ck = json.loads((tmp_path / "distill" / "student" / "config.json").read_text())
    assert ck["kind"] == "static" and ck["embed_dim"] == ck["hidden_size"] == 16
    b = Bundle.load(tmp_path / "export" / "bundle")
    assert b.manifest.quantization["name"] == "static" and selftest(tmp_path / "export" / "bundle").ok
    v = json.loads((tmp_path / "validate" / "validate.json").read_text())
    assert v["tolerance"] == family("static").RUNTIME_SCORE_TOLERANCE
    s2 = build(c, inp, tmp_path, log=lambda m: None)
    assert all(v["status"] == "skipped" for v in s2["stages"].values()), s2["stages"]


@pytest.mark.e2e
def test_cli_build_student_static(tiny_teacher_dir, glue_dir, tmp_path):
    """`edgekd build --student static` through the command line, on a 200-row slice and the tiny teacher."""
    from click.testing import CliRunner

    from edgekd.cli import main

    for split, n in (("train", 200), ("dev", 60)):
        lines = (glue_dir / "SST-2" / f"{split}.tsv").read_text().splitlines()
        (tmp_path / f"{split}.tsv").write_text("\n".join(lines[:n + 1]) + "\n")
    r = CliRunner().invoke(main, ["build", "--train-file", str(tmp_path / "train.tsv"), "--dev-file",
                                  str(tmp_path / "dev.tsv"), "--text-col", "sentence", "--label-col", "label",
                                  "--labels", "0,1", "--teacher", str(tiny_teacher_dir), "--student", "static",
                                  "--out", str(tmp_path / "run"), "--n-iter", "1", "--epochs", "1", "--no-baseline",
                                  "--no-profile", "--no-pos", "--threads", "1", "--no-progress"])
    assert r.exit_code == 0, r.output
    s = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert {k for k, v in s["stages"].items() if v["status"] == "ran"} == {"teacher", "augment", "label", "distill",
                                                                           "export", "validate"}
    man = json.loads((tmp_path / "run" / "export" / "bundle" / "manifest.json").read_text())
    assert man["student"]["kind"] == "static" and man["quantization"]["name"] == "static"


def test_sweep_grid_has_one_static_point_per_embedding_width():
    from edgekd.sweep.grid import GridSpec, parse_families
    from edgekd.sweep.steps import point_shape
    from edgekd.student_stage import StudentShape

    g = GridSpec(hidden=(64, 150), embed=(64, 384), families=parse_families("bilstm,static"))
    ids = [p.id for p in g.train_points()]
    assert ids == ["h64-e64-m1-s0", "h64-e384-m1-s0", "h150-e64-m1-s0", "h150-e384-m1-s0", "static-e64-m1-s0",
                   "static-e384-m1-s0"]      # BiLSTM ids as before families; static has no hidden axis
    shape = point_shape(StudentShape(mlp_size=200), g.train_points()[-1])
    assert (shape.family, shape.embed_dim, shape.hidden_size, shape.mlp_size) == ("static", 384, None, None)
    with pytest.raises(ValueError, match="unknown student family"):
        parse_families("bilstm,gru")
