"""The transformer student family: hooks round trip, init from the teacher's layers, the layer-wise stage."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from edgekd.distill.config import LayerwiseConfig
from edgekd.distill.layerwise import layerwise_distill
from edgekd.distill.prepare import Encoded
from edgekd.student.data import Ragged
from edgekd.student.registry import build_student, family, flat_state_dict, load_flat_state_dict
from edgekd.distill.tinybert import init_from_teacher, teacher_layers
from edgekd_contract.checkpoint import StudentConfig


def _cfg(**kw) -> StudentConfig:
    base = dict(kind="transformer", vocab_size=30, teacher_vocab_size=50, embed_dim=16, hidden_size=16,
                mlp_size=32, num_layers=1, num_heads=2, max_length=8, max_positions=64, dropout=0.0)
    return StudentConfig(**{**base, **kw})


def test_config_checks_heads_and_positions():
    with pytest.raises(ValueError, match="multiple of num_heads"):
        _cfg(num_heads=3)
    with pytest.raises(ValueError, match="max_positions"):
        _cfg(max_positions=10)
    assert _cfg(kind="transformer_pair").pair and not _cfg().pair and _cfg().family == "transformer"


def test_hooks_round_trip_and_counts():
    torch.manual_seed(0)
    a, b = build_student(_cfg()), build_student(_cfg())
    fam = family("transformer")
    table = np.random.default_rng(0).standard_normal((30, 16)).astype(np.float32)
    fam.init_embeddings(a, table)
    assert torch.equal(a.bert.embeddings.word_embeddings.weight[:30], torch.from_numpy(table))
    tensors = flat_state_dict(a)
    load_flat_state_dict(b, {**tensors, "vocab_map": torch.zeros(50, dtype=torch.long)})
    ids, lengths = torch.tensor([[3, 4, 5], [6, 0, 0]]), torch.tensor([3, 1])
    a.eval(), b.eval()
    assert torch.equal(a(ids, lengths), b(ids, lengths))
    counts = fam.param_counts(a)
    assert counts["embedding"] == 32 * 16 and counts["total"] == sum(p.numel() for p in a.parameters())
    tensors.pop("classifier.weight")
    with pytest.raises(KeyError, match="classifier.weight"):
        load_flat_state_dict(b, tensors)


def test_teacher_layers_follow_the_uniform_map():
    assert teacher_layers(3, 6) == (1, 3, 5) and teacher_layers(2, 6) == (2, 5) and teacher_layers(1, 2) == (1,)


def test_init_from_teacher_reproduces_the_teacher_when_all_layers_are_kept(teacher):
    """A student with every teacher layer and the whole vocabulary computes the teacher's logits exactly."""
    t = teacher.model
    tc = t.config
    vt = tc.vocab_size
    tok = teacher.tokenizer
    cls_id, sep_id = tok.cls_token_id, tok.sep_token_id
    cfg = _cfg(vocab_size=vt, teacher_vocab_size=vt, embed_dim=tc.hidden_size, hidden_size=tc.hidden_size,
               mlp_size=tc.intermediate_size, num_layers=tc.num_hidden_layers, num_heads=tc.num_attention_heads,
               max_positions=tc.max_position_embeddings)
    student = build_student(cfg)
    note = init_from_teacher(student, t, np.arange(vt), cls_id, sep_id, list(range(tc.num_hidden_layers)))
    assert note == {"init": "teacher_layers", "layers": [0, 1]}
    enc = tok(["a fine film", "bad"], padding=True, return_tensors="pt")
    ids = enc["input_ids"][:, 1:-1].clone()                          # pieces without [CLS]/[SEP]
    lengths = enc["attention_mask"].sum(1) - 2
    ids[ids == sep_id] = tok.pad_token_id
    student.eval()
    with torch.no_grad():
        want = t(**enc).logits
        got = student(ids, lengths)
    assert torch.allclose(got, want, atol=1e-5)
    with pytest.raises(ValueError, match="teacher's width"):
        init_from_teacher(build_student(_cfg(embed_dim=8, hidden_size=8, num_layers=2)), t, np.arange(30), 1, 2,
                          [0, 1])


def test_layerwise_stage_lowers_the_layer_losses(teacher, one_thread):
    """A narrow random student with a learned projection: the stage runs, records its losses, and they fall."""
    torch.manual_seed(0)
    vt = teacher.model.config.vocab_size
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 8, 64)
    store = Ragged(rng.integers(2, 30, int(lengths.sum())).astype(np.int32),
                   np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
    kept = np.arange(30) + 5                                         # student id v -> teacher id v + 5
    ids = {"cls": teacher.tokenizer.cls_token_id, "sep": teacher.tokenizer.sep_token_id, "pad": 0}
    student = build_student(_cfg(embed_dim=8, hidden_size=8, mlp_size=16, num_heads=2, num_layers=1))
    cfg = LayerwiseConfig(init="random", rows=64, epochs=1, batch_size=16, lr=1e-2)
    first = layerwise_distill(student, teacher.model, Encoded(store, None), kept, ids, cfg, progress=False)
    later = layerwise_distill(student, teacher.model, Encoded(store, None), kept, ids,
                              LayerwiseConfig(init="random", rows=64, epochs=3, batch_size=16, lr=1e-2), progress=False)
    assert first["steps"] == 4 and first["layer_map"] == [2] and 0.0 <= first["teacher_share"] <= 1.0
    assert sum(later["mean_losses"].values()) < sum(first["mean_losses"].values())
    assert vt > 35
