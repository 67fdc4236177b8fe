"""The bundle: files and checksums, a truthful tokenizer spec, dev-set validation, budgets, archives, no torch."""
from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass

import numpy as np
import onnx
import pytest
from tokenizers import Tokenizer

from edgekd_exporters import BudgetError, Budgets, Parity, export_bundle
from edgekd_exporters import validate
from edgekd_exporters.bundle import bundle_bytes
from edgekd_exporters.graph import INIT_VOCAB_MAP
from edgekd_runtime.encoding import encode
from edgekd_runtime.manifest import MANIFEST_FILE, Manifest, sha256_file

from tests.helpers.checkpoints import TINY_TEXTS, make_random_checkpoint, make_tiny_bundle


@dataclass(frozen=True)
class Dev:
    texts: tuple[str, ...]
    labels: np.ndarray
    text_pairs: tuple[str, ...] | None = None


def _dev(pair: bool, labels=None) -> Dev:
    texts = TINY_TEXTS * 6
    lab = np.arange(len(texts)) % 2 if labels is None else labels
    return Dev(texts, np.asarray(lab, np.int64), tuple(reversed(texts)) if pair else None)


@pytest.fixture(scope="module", params=(False, True), ids=("single", "pair"))
def bundle(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("b") / "bundle"
    return out, make_tiny_bundle(out, pair=request.param, precision="both")


def test_manifest_lists_every_file_with_its_checksum(bundle):
    out, man = bundle
    assert Manifest.read(out) == Manifest.from_dict(man.to_dict())
    listed = {f.path for f in man.files}
    assert listed | {MANIFEST_FILE} == {p.name for p in out.iterdir()}
    for f in man.files:
        assert f.sha256 == sha256_file(out / f.path) and f.bytes == (out / f.path).stat().st_size
    assert {m.precision for m in man.models} == {"int8", "fp32"} and man.default_model == "model.int8.onnx"
    assert man.quantization["name"] == "default" and man.student["kind"] in ("bilstm", "siamese_bilstm")
    assert man.pair == (man.student["kind"] == "siamese_bilstm")
    assert man.models[0].inputs == (("input_ids", "lengths", "input_ids_b", "lengths_b") if man.pair
                                    else ("input_ids", "lengths"))
    assert (out / "README.md").read_text().startswith("# edgekd student")


def test_tokenizer_spec_is_true_to_the_shipped_tokenizer(bundle):
    out, man = bundle
    tok = Tokenizer.from_file(str(out / man.tokenizer.file))
    assert tok.get_vocab_size() == man.tokenizer.vocab_size
    assert tok.id_to_token(man.tokenizer.pad_id) == "[PAD]" and tok.id_to_token(man.tokenizer.unk_id) == "[UNK]"
    assert tok.encode("€", add_special_tokens=False).ids == [man.tokenizer.unk_id]   # no piece for "€"
    assert encode(tok, [""], 8, man.tokenizer.pad_id, man.tokenizer.empty_id).ids.tolist() == [[man.tokenizer.empty_id]]
    for spec in man.models:
        model = onnx.load(str(out / spec.file))
        vm = next(t for t in model.graph.initializer if t.name == INIT_VOCAB_MAP)
        assert tuple(vm.dims) == (man.tokenizer.vocab_size,)


def test_dev_metrics_recorded_and_budget_failure_raises(tmp_path):
    ckpt = make_random_checkpoint(tmp_path / "ckpt", "bilstm", seed=1)
    man = export_bundle(ckpt, tmp_path / "ok", dev_data=_dev(False))
    d = man.metrics["int8_vs_fp32_dev"]
    assert d["metric"] == "accuracy" and d["rows"] == len(_dev(False).texts)
    assert 0 <= d["argmax_agreement"] <= 1 and "drop_points" in d and man.metrics["fp32_dev"]["accuracy"] >= 0
    # Labels = the fp32 predictions: fp32 scores 100%, so the drop is >= 0 and a negative budget must break.
    strict = Budgets(max_drop_points=-0.01)
    with pytest.raises(BudgetError, match="int8 accuracy drop .* > budget -0.01"):
        export_bundle(ckpt, tmp_path / "bad", dev_data=_fp32_labelled(ckpt, tmp_path), budgets=strict)
    assert not (tmp_path / "bad").exists() and not (tmp_path / "bad.tmp").exists()
    forced = export_bundle(ckpt, tmp_path / "forced", dev_data=_fp32_labelled(ckpt, tmp_path), budgets=strict,
                           allow_budget_break=True)
    assert forced.metrics["budget_broken"] and "Budgets broken" in (tmp_path / "forced" / "README.md").read_text()


def _fp32_labelled(ckpt, tmp_path) -> Dev:
    """Dev data whose labels are the fp32 model's own predictions (fp32 accuracy = 100%)."""
    export_bundle(ckpt, tmp_path / "fp32only", precision="fp32")
    tok = Tokenizer.from_file(str(ckpt / "tokenizer.json"))
    dev = _dev(False)
    probe = validate.dev_probe(dev, tok, 32, 0, 100)
    labels = validate.ort_logits(onnx.load(str(tmp_path / "fp32only" / "model.fp32.onnx")), probe).argmax(1)
    return Dev(dev.texts, labels)


def test_size_budget(tmp_path):
    with pytest.raises(BudgetError, match="bytes > budget 1000"):
        make_tiny_bundle(tmp_path / "b", budgets=Budgets(max_bundle_bytes=1000))


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_archive(tmp_path, kind):
    make_tiny_bundle(tmp_path / "bundle", archive=kind)
    arc = tmp_path / f"bundle.{kind}"
    names = (tarfile.open(arc).getnames() if kind == "tar" else zipfile.ZipFile(arc).namelist())
    assert sorted(names) == sorted(f"bundle/{p.name}" for p in (tmp_path / "bundle").iterdir())


def test_parity_without_a_reference_is_recorded_as_not_measured(tmp_path):
    ckpt = make_random_checkpoint(tmp_path / "ckpt")
    man = export_bundle(ckpt, tmp_path / "b")
    assert man.metrics["parity_torch_fp32"] == {"measured": False, "reason": "no reference model given"}


def test_parity_against_a_given_reference_and_its_budget(tmp_path):
    ckpt = make_random_checkpoint(tmp_path / "ckpt", "siamese_bilstm")
    seen = []

    def off_by(delta):
        def reference(probe):
            seen.append(len(probe))
            return validate.ort_logits(onnx.load(str(tmp_path / "ref" / "model.fp32.onnx")), probe) + delta
        return reference

    export_bundle(ckpt, tmp_path / "ref", precision="fp32")
    par = export_bundle(ckpt, tmp_path / "b", dev_data=_dev(True), precision="fp32",
                        parity=Parity(off_by(0.0))).metrics["parity_torch_fp32"]
    assert par["measured"] and par["max_abs_diff"] == 0.0 and par["rows"] == 96 + len(_dev(True).texts) == sum(seen)
    with pytest.raises(BudgetError, match="max abs logit diff 0.01 > 0.0001"):
        export_bundle(ckpt, tmp_path / "c", precision="fp32", parity=Parity(off_by(0.01)))


def test_another_metric_needs_its_scorer(tmp_path):
    ckpt = make_random_checkpoint(tmp_path / "ckpt")
    with pytest.raises(ValueError, match="metric 'f1' needs its scorer"):
        export_bundle(ckpt, tmp_path / "b", dev_data=_dev(False), metric="f1")
    f1 = export_bundle(ckpt, tmp_path / "b", dev_data=_dev(False), metric="f1",
                       scorer=lambda y, p: {"accuracy": 0.5, "f1": 0.25}).metrics["int8_vs_fp32_dev"]
    assert f1["metric"] == "f1" and f1["fp32"] == {"accuracy": 0.5, "f1": 0.25} and f1["drop_points"] == 0.0


def test_export_never_imports_torch_or_the_core(tmp_path):
    code = ("import sys; from tests.helpers.checkpoints import make_tiny_bundle; "
            f"make_tiny_bundle({str(tmp_path / 'b')!r}, pair=True); "
            "assert 'torch' not in sys.modules, 'torch was imported'; "
            "assert not [m for m in sys.modules if m.split('.')[0] == 'edgekd'], 'the training core was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert json.loads((tmp_path / "b" / MANIFEST_FILE).read_text())["pair"] is True


def test_refuses_to_overwrite_a_foreign_folder(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "precious.txt").write_text("x")
    with pytest.raises(FileExistsError, match="not an edgekd bundle"):
        make_tiny_bundle(tmp_path / "b")
    make_tiny_bundle(tmp_path / "ok")
    make_tiny_bundle(tmp_path / "ok", precision="fp32")    # a bundle may be replaced
    assert bundle_bytes(tmp_path / "ok") > 0 and not (tmp_path / "ok" / "model.int8.onnx").exists()
