"""A tiny random transformer student: checkpoint -> ONNX (torch.onnx.export) -> int8 -> bundle -> every runtime
check: parity with torch, the Python runtime's predictions, golden selftest, and the numpy backend's refusal."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from edgekd_contract.checkpoint import StudentConfig  # noqa: E402
from edgekd_exporters import Parity, export_bundle  # noqa: E402
from edgekd_exporters.bert_student import BertStudent, bert_inputs, load_student  # noqa: E402
from edgekd_exporters.validate import Probe  # noqa: E402
from edgekd_runtime import Bundle  # noqa: E402
from edgekd_runtime.encoding import encode  # noqa: E402
from edgekd_runtime.errors import BackendUnavailableError  # noqa: E402
from edgekd_runtime.golden import selftest  # noqa: E402
from tests.helpers.checkpoints import TINY_TEXTS, make_tokenizer, random_weights, write_checkpoint  # noqa: E402


def _checkpoint(out: Path, pair: bool) -> tuple[Path, StudentConfig, dict]:
    tok = make_tokenizer()
    cfg = StudentConfig(kind="transformer_pair" if pair else "transformer", task="mrpc" if pair else "sst2",
                        vocab_size=200, teacher_vocab_size=tok.get_vocab_size(), embed_dim=32, hidden_size=32,
                        mlp_size=64, dropout=0.0, max_length=16, num_layers=2, num_heads=4, max_positions=64)
    torch.manual_seed(0)
    weights = {k: v.numpy() for k, v in BertStudent(cfg).state_dict().items()}
    weights["vocab_map"] = random_weights(StudentConfig(vocab_size=200, teacher_vocab_size=cfg.teacher_vocab_size,
                                                        embed_dim=4, hidden_size=2, mlp_size=2))["vocab_map"]
    return write_checkpoint(out, cfg, weights, tok), cfg, weights


def _reference(cfg, weights):
    model, vmap = load_student(cfg, weights), np.asarray(weights["vocab_map"])

    def logits(p: Probe) -> np.ndarray:
        args = [torch.from_numpy(vmap[p.a.ids]), torch.from_numpy(p.a.lengths)]
        if p.b is not None:
            args += [torch.from_numpy(vmap[p.b.ids]), torch.from_numpy(p.b.lengths)]
        with torch.no_grad():
            return model(*args).numpy()
    return logits


def test_bert_inputs_place_specials_and_token_types():
    ids, types, mask = bert_inputs(torch.tensor([[5, 6, 7], [8, 0, 0]]), torch.tensor([3, 1]), 100, 101, 0,
                                   torch.tensor([[9, 0], [10, 11]]), torch.tensor([1, 2]))
    assert ids.tolist() == [[100, 5, 6, 7, 101, 9, 101, 0], [100, 8, 101, 10, 11, 101, 0, 0]]
    assert types.tolist() == [[0, 0, 0, 0, 0, 1, 1, 0], [0, 0, 0, 1, 1, 1, 0, 0]]
    assert mask.tolist() == [[1, 1, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 0, 0]]
    ids, types, mask = bert_inputs(torch.tensor([[5, 6], [8, 0]]), torch.tensor([2, 1]), 100, 101)
    assert ids.tolist() == [[100, 5, 6, 101], [100, 8, 101, 0]] and types.sum() == 0
    assert mask.tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]


@pytest.mark.parametrize("pair", [False, True], ids=["single", "pair"])
def test_transformer_bundle_matches_torch_and_passes_selftest(tmp_path, pair):
    ckpt, cfg, weights = _checkpoint(tmp_path / "ckpt", pair)
    man = export_bundle(ckpt, tmp_path / "bundle", precision="both",
                        parity=Parity(reference=_reference(cfg, weights)))
    assert man.student["kind"] == cfg.kind and man.quantization["name"] == "transformer"
    assert man.metrics["parity_torch_fp32"]["max_abs_diff"] < 1e-5
    texts = [(a, b) for a, b in zip(TINY_TEXTS, TINY_TEXTS[::-1])] if pair else list(TINY_TEXTS)
    ref_model = load_student(cfg, weights)
    vmap = np.asarray(weights["vocab_map"])
    for precision, atol in (("fp32", 1e-5), ("int8", 0.1)):
        b = Bundle.load(tmp_path / "bundle", model=precision)
        got = b.predict(texts)
        spec = b.manifest.tokenizer
        sides = [[t[0] for t in texts], [t[1] for t in texts]] if pair else [texts]
        enc = [encode(b.tokenizer, side, b.max_length, pad_id=spec.pad_id, empty_id=spec.empty_id) for side in sides]
        args = []
        for e in enc:
            args += [torch.from_numpy(vmap[e.ids]), torch.from_numpy(e.lengths)]
        with torch.no_grad():
            want = ref_model(*args).numpy()
        assert np.abs(got.logits - want).max() < atol, precision
    report = selftest(tmp_path / "bundle")
    assert report.ok, report.failure
    with pytest.raises(BackendUnavailableError, match="numpy backend runs BiLSTM bundles only"):
        Bundle.load(tmp_path / "bundle", backend="numpy")


def test_load_student_names_a_missing_or_misshapen_tensor(tmp_path):
    _, cfg, weights = _checkpoint(tmp_path / "ckpt", False)
    w = dict(weights)
    w.pop("classifier.bias")
    with pytest.raises(KeyError, match="classifier.bias"):
        load_student(cfg, w)
    w = dict(weights, **{"classifier.bias": np.zeros(3, np.float32)})
    with pytest.raises(ValueError, match="classifier.bias"):
        load_student(cfg, w)
