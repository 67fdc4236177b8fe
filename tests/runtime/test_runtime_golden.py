"""Golden vectors: `selftest` passes on a good bundle, names the first mismatch on a re-signed tampered one, and
old bundles without golden.json still load (selftest then says why it cannot run)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgekd_runtime import Bundle
from edgekd_runtime.cli import main
from edgekd_runtime.golden import GoldenError, read_golden, selftest, tolerance
from edgekd_runtime.manifest import Manifest
from tamper import edit_golden, flip_golden_byte, flip_model_byte, resign


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def copy_of(bundles_dir, tmp_path):
    def make(name: str) -> Path:
        return Path(shutil.copytree(bundles_dir / name, tmp_path / name))
    return make


@pytest.mark.parametrize("name", ["single", "pair", "all8"])
@pytest.mark.parametrize("backend", ["onnxruntime", "numpy"])
def test_selftest_passes_on_every_fixture(bundles_dir, name, backend):
    r = selftest(bundles_dir / name, backend=backend)
    assert r.ok, r.failure
    man = Manifest.read(bundles_dir / name)
    assert r.models == tuple(m.file for m in man.models) and r.inputs >= 32
    for m in man.models:
        assert r.max_abs_diff[m.file] <= tolerance(m.precision, [20.0])


def test_golden_file_is_listed_and_checked(single_dir):
    man = Manifest.read(single_dir)
    assert man.golden == "golden.json"
    roles = {f.path: f.role for f in man.files}
    assert roles["golden.json"] == "golden"


def test_cli_selftest_exit_codes(single_dir, copy_of):
    ok = cli("selftest", single_dir)
    assert ok.exit_code == 0 and "selftest passed" in ok.stdout
    js = cli("selftest", single_dir, "--json", "--model", "fp32")
    assert js.exit_code == 0 and json.loads(js.stdout)["models"] == ["model.fp32.onnx"]
    bad = copy_of("single")
    flip_model_byte(bad, "model.int8.onnx")
    r = cli("selftest", bad)
    assert r.exit_code == 3
    assert "model.int8.onnx (batch 1) logits expected" in r.stderr and "input 'empty'" in r.stderr


@pytest.mark.parametrize("name", ["single", "pair"])
def test_one_byte_in_golden_file_fails(copy_of, name):
    b = copy_of(name)
    number = flip_golden_byte(b)
    r = selftest(b)
    assert not r.ok and "logits expected" in r.failure
    assert cli("selftest", b).exit_code == 3, number


@pytest.mark.parametrize("model", ["model.int8.onnx", "model.fp32.onnx"])
def test_one_byte_in_model_fails_even_with_checksums_updated(copy_of, model):
    b = copy_of("pair")
    flip_model_byte(b, model)
    Bundle.load(b, model=model)               # still a valid, loadable bundle: only the golden vectors notice
    r = selftest(b)
    assert not r.ok and model in r.failure


def test_changed_ids_are_named(copy_of):
    b = copy_of("single")

    def edit(g):
        rec = next(x for x in g["inputs"] if x["name"] == "plain_positive")
        rec["ids"][0] += 1
    edit_golden(b, edit)
    r = selftest(b)
    assert not r.ok and r.failure.startswith("input 'plain_positive'") and "ids expected" in r.failure


def test_wrong_truncation_flag_is_named(copy_of):
    b = copy_of("single")
    edit_golden(b, lambda g: next(x for x in g["inputs"] if x["name"] == "one_over_max_length").update(truncated=False))
    r = selftest(b)
    assert not r.ok and "truncated expected False got True" in r.failure


def test_bundle_without_golden_still_loads_but_cannot_selftest(copy_of):
    """A bundle exported before golden vectors existed (no `golden` field, no file): loads and predicts."""
    b = copy_of("single")
    man = json.loads((b / "manifest.json").read_text())
    man.pop("golden")
    man["files"] = [f for f in man["files"] if f["path"] != "golden.json"]
    (b / "golden.json").unlink()
    (b / "manifest.json").write_text(json.dumps(man))
    assert len(Bundle.load(b).predict(["a good film", ""])) == 2
    with pytest.raises(GoldenError, match="carries no golden vectors"):
        selftest(b)
    r = cli("selftest", b)
    assert r.exit_code == 3 and "re-export" in r.stderr


def test_malformed_golden_is_an_invalid_bundle(copy_of):
    b = copy_of("single")
    edit_golden(b, lambda g: g.update(version=99))
    with pytest.raises(GoldenError, match="golden version 99"):
        read_golden(b, Manifest.read(b))
    edit_golden(b, lambda g: g.update(version=1, labels=["x", "y"]))
    assert cli("selftest", b).exit_code == 3


def test_unsigned_golden_edit_is_a_checksum_error(copy_of):
    b = copy_of("single")
    p = b / "golden.json"
    p.write_text(p.read_text().replace('"empty"', '"EMPTY"', 1))
    r = cli("selftest", b)
    assert r.exit_code == 3 and "golden.json" in r.stderr and "sha256" in r.stderr


def test_tolerance_rule():
    assert tolerance("fp32", [100.0]) == 1e-5
    assert tolerance("int8", [0.1, -0.2]) == pytest.approx(0.05)
    assert tolerance("int8", [-8.0, 2.0]) == pytest.approx(0.4)


def test_resign_keeps_a_good_bundle_good(copy_of):
    b = copy_of("single")
    resign(b)
    assert selftest(b).ok


def test_batched_expectations_are_the_runtime_predict_output(single_dir):
    g = json.loads((single_dir / "golden.json").read_text(encoding="utf-8"))
    assert g["batched"] == {"batch_size": 64, "max_tokens": 512}
    b = Bundle.load(single_dir, model="model.int8.onnx")
    got = b.predict([x["text"] for x in g["inputs"]], batch_size=64, max_tokens=512).logits
    for x, row in zip(g["inputs"], got):
        assert x["expected"]["model.int8.onnx"]["batched_logits"] == [float(v) for v in row], x["name"]


def test_int8_row_may_match_either_batching_but_fp32_only_one():
    """The clean-clone case: an int8 row inside a batch moved 0.053 from its batch-1 logits (tolerance 0.05)."""
    from edgekd_runtime.golden import GoldenInput, _check_logits, _Mismatch
    exp = {"logits": [-0.00215, 0.03085], "label": "positive", "batched_logits": [0.04781, -0.02194]}
    g = GoldenInput("long_text", "t", None, (1,), None, True, {"m": exp})
    labels = ("negative", "positive")
    assert _check_logits(g, "m", "int8", [0.0478, -0.0219], labels, {"int8": 0.05}, "batched") < 1e-3
    with pytest.raises(_Mismatch, match="batch 1"):
        _check_logits(g, "m", "int8", [0.0478, -0.0219], labels, {"int8": 0.05}, "batch 1")
    with pytest.raises(_Mismatch, match="batched"):      # fp32 is batch-independent: only the batched value counts
        _check_logits(g, "m", "fp32", [-0.00215, 0.03085], labels, {"fp32": 1e-5}, "batched")


def test_golden_without_batched_logits_still_checks(copy_of):
    """Golden files written before `batched_logits` existed compare the batched run with the batch-1 logits."""
    b = copy_of("single")

    def edit(g):
        g.pop("batched")
        for x in g["inputs"]:
            for e in x["expected"].values():
                e.pop("batched_logits")
    edit_golden(b, edit)
    assert selftest(b).ok


def test_host_hint_names_the_cause_only_for_8bit_weights_on_x86_without_vnni():
    from edgekd_runtime.golden import host_hint

    eight = {"name": "vnni", "reduce_range": False, "golden_hosts": ["x86-64 with avx512_vnni", "arm64"]}
    avx2 = "flags : fpu avx avx2 fma\n"
    assert "no VNNI" in host_hint(eight, avx2, "x86_64") and "'vnni'" in host_hint(eight, avx2, "x86_64")
    assert host_hint(eight, avx2 + "flags : avx512_vnni\n", "x86_64") == ""
    assert host_hint(eight, avx2, "aarch64") == ""
    assert host_hint({**eight, "reduce_range": True}, avx2, "x86_64") == ""
    assert host_hint({}, avx2, "x86_64") == ""          # fp32-only bundles have no quantization record
