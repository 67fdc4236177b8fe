"""The ONNX teacher: exported fp32 matches the torch teacher on the same batches; int8 runs; the gate is exact."""
from __future__ import annotations

import numpy as np
import pytest

from edgekd.teacher.model import teacher_logits
from edgekd.teacher.onnx import OrtTeacher, agreement_gate, export_teacher_onnx

TEXTS = ["a good film", "the worst movie ever made , truly awful and long", "", "fun", "not bad at all " * 20]



def test_fp32_onnx_matches_torch_and_int8_runs(teacher, tmp_path):
    want = teacher_logits(teacher, TEXTS, max_length=32)
    fp32 = OrtTeacher(export_teacher_onnx(teacher, tmp_path / "t.fp32.onnx", "fp32"), teacher.tokenizer, threads=1)
    got = fp32.logits(TEXTS, max_length=32)
    np.testing.assert_allclose(got, want, atol=1e-4)
    int8 = OrtTeacher(export_teacher_onnx(teacher, tmp_path / "t.int8.onnx", "int8"), teacher.tokenizer, threads=1)
    q = int8.logits(TEXTS, max_length=32)
    assert q.shape == want.shape and np.isfinite(q).all()
    assert (tmp_path / "t.int8.onnx").stat().st_size < (tmp_path / "t.fp32.onnx").stat().st_size
    assert not (tmp_path / "t.int8.fp32.tmp.onnx").exists()


def test_pairs_go_through_the_same_encoding(teacher, tmp_path):
    fp32 = OrtTeacher(export_teacher_onnx(teacher, tmp_path / "t.onnx", "fp32"), teacher.tokenizer, threads=1)
    pairs = list(reversed(TEXTS))
    np.testing.assert_allclose(fp32.logits(TEXTS, pairs, max_length=40),
                               teacher_logits(teacher, TEXTS, pairs, max_length=40), atol=1e-4)


def test_agreement_gate_by_hand():
    ref = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.0, 3.0]], dtype=np.float32)
    cand = ref.copy()
    cand[2] = [0.0, 1.0]                       # one flipped argmax; squared diffs 4 and 0 on that row
    g = agreement_gate(ref, cand, min_agreement=0.75)
    assert g.agreement == 0.75 and g.passed and g.rows == 4
    assert g.logit_mse == pytest.approx(4.0 / 8) and g.max_abs_diff == 2.0
    assert not agreement_gate(ref, cand).passed           # default gate: 99%
    with pytest.raises(ValueError, match="shapes differ"):
        agreement_gate(ref, cand[:3])


def test_gate_refuses_a_broken_onnx_teacher_and_accepts_the_intact_one(teacher, tmp_path, glue_dir):
    import onnx
    from onnx import numpy_helper

    from edgekd.tasks import load_split

    dev = load_split("sst2", "dev", glue_dir).head(200).texts
    path = export_teacher_onnx(teacher, tmp_path / "t.onnx", "fp32")
    ref = teacher_logits(teacher, dev, max_length=32)
    assert agreement_gate(ref, OrtTeacher(path, teacher.tokenizer, threads=1).logits(dev, max_length=32)).passed
    model = onnx.load(str(path))
    head = next(i for i in model.graph.initializer if i.name.startswith("classifier") and "weight" in i.name
                or list(numpy_helper.to_array(i).shape) == [2, teacher.model.config.hidden_size])
    w = numpy_helper.to_array(head)
    head.CopyFrom(numpy_helper.from_array(w[::-1].copy(), head.name))       # swap the two classes' rows
    onnx.save(model, str(tmp_path / "broken.onnx"))
    g = agreement_gate(ref, OrtTeacher(tmp_path / "broken.onnx", teacher.tokenizer, threads=1).logits(dev, max_length=32))
    assert not g.passed and g.agreement < 0.9 and g.logit_mse > 0
