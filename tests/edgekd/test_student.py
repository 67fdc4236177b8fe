"""Student modules: shapes, padding invariance, siamese features, checkpoint round-trip."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from edgekd.student.bilstm import siamese_features
from edgekd.student.checkpoint import load_checkpoint, save_checkpoint
from edgekd.student.registry import FAMILIES, build_student, family
from edgekd_contract.checkpoint import StudentConfig, load_numpy_weights


def tiny(kind="bilstm", **kw) -> StudentConfig:
    base = dict(kind=kind, vocab_size=50, teacher_vocab_size=80, embed_dim=8, hidden_size=6, mlp_size=5,
                labels=("a", "b", "c"))
    return StudentConfig(**{**base, **kw})


def batch(rng, b=4, t=7, v=50):
    lengths = torch.from_numpy(rng.integers(1, t + 1, size=b))
    ids = torch.from_numpy(rng.integers(2, v, size=(b, t)))
    ids[torch.arange(t)[None, :] >= lengths[:, None]] = 0
    return ids, lengths


@pytest.mark.parametrize("kind", ["bilstm", "siamese_bilstm"])
def test_shapes(kind):
    torch.manual_seed(0)
    cfg = tiny(kind)
    m = build_student(cfg).eval()
    ids, lengths = batch(np.random.default_rng(0))
    feats = m.encoder(ids, lengths)
    assert feats.shape == (4, 2 * cfg.hidden_size)
    out = m(ids, lengths, ids.flip(0), lengths.flip(0)) if cfg.pair else m(ids, lengths)
    assert out.shape == (4, cfg.num_labels) and torch.isfinite(out).all()
    assert m.hidden.in_features == cfg.feature_size == 2 * cfg.hidden_size * (4 if cfg.pair else 1)


def test_padding_never_changes_the_output():
    torch.manual_seed(0)
    m = build_student(tiny()).eval()
    ids, lengths = batch(np.random.default_rng(1))
    base = m(ids, lengths)
    for extra in (1, 5):
        padded = torch.cat([ids, torch.zeros(ids.shape[0], extra, dtype=ids.dtype)], dim=1)
        torch.testing.assert_close(m(padded, lengths), base, rtol=0, atol=1e-6)
    # garbage (not just PAD) past each row's length must not matter either
    noisy = ids.clone()
    noisy[torch.arange(ids.shape[1])[None, :] >= lengths[:, None]] = 7
    torch.testing.assert_close(m(noisy, lengths), base, rtol=0, atol=1e-6)
    # a row alone gives the same answer as in a batch
    torch.testing.assert_close(m(ids[:1, :int(lengths[0])], lengths[:1]), base[:1], rtol=0, atol=1e-6)


def test_unpadded_fast_path_equals_packed_path():
    """A batch without padding skips packing; appending one pad column forces packing: same logits."""
    torch.manual_seed(0)
    m = build_student(tiny()).eval()
    ids = torch.from_numpy(np.random.default_rng(6).integers(2, 50, size=(5, 9)))
    lengths = torch.full((5,), 9)
    padded = torch.cat([ids, torch.zeros(5, 1, dtype=ids.dtype)], dim=1)
    torch.testing.assert_close(m(ids, lengths), m(padded, lengths), rtol=0, atol=1e-6)


def test_max_pool_keeps_negative_states():
    """All-negative features must survive the pooling: masked positions are -inf, not zero."""
    torch.manual_seed(0)
    m = build_student(tiny()).eval()
    ids, lengths = batch(np.random.default_rng(2), b=3, t=6)
    h = m.cfg.hidden_size
    with torch.no_grad():
        for b in (m.encoder.lstm.bias_ih_l0, m.encoder.lstm.bias_ih_l0_reverse):
            # gate order i, f, g, o: open input/output gates, candidate ~ -1, so every state is about tanh(-1)
            b.copy_(torch.cat([torch.full((h,), 10.0), torch.zeros(h), torch.full((h,), -10.0), torch.full((h,), 10.0)]))
        lengths[:] = torch.tensor([1, 3, 6])
        feats = m.encoder(ids, lengths)
    assert (feats < 0).all()


def test_siamese_features():
    h1 = torch.tensor([[1.0, -2.0]])
    h2 = torch.tensor([[3.0, 4.0]])
    assert siamese_features(h1, h2).tolist() == [[1.0, -2.0, 3.0, 4.0, 3.0, -8.0, 2.0, 6.0]]
    torch.manual_seed(0)
    m = build_student(tiny("siamese_bilstm")).eval()
    ids, lengths = batch(np.random.default_rng(3))
    ids_b, lengths_b = batch(np.random.default_rng(4))
    expected = m.head(siamese_features(m.encoder(ids, lengths), m.encoder(ids_b, lengths_b)))
    torch.testing.assert_close(m(ids, lengths, ids_b, lengths_b), expected)


def test_siamese_padding_never_changes_the_output():
    torch.manual_seed(0)
    m = build_student(tiny("siamese_bilstm")).eval()
    ids, lengths = batch(np.random.default_rng(7), t=5)
    ids_b, lengths_b = batch(np.random.default_rng(8), t=9)
    base = m(ids, lengths, ids_b, lengths_b)
    pad = lambda x, k: torch.cat([x, torch.zeros(x.shape[0], k, dtype=x.dtype)], dim=1)  # noqa: E731
    torch.testing.assert_close(m(pad(ids, 6), lengths, ids_b, lengths_b), base, rtol=0, atol=1e-6)
    torch.testing.assert_close(m(ids, lengths, pad(ids_b, 3), lengths_b), base, rtol=0, atol=1e-6)
    # one pair alone, unpadded, gives the same answer as inside the batch
    one = m(ids[:1, :int(lengths[0])], lengths[:1], ids_b[:1, :int(lengths_b[0])], lengths_b[:1])
    torch.testing.assert_close(one, base[:1], rtol=0, atol=1e-6)


@pytest.mark.parametrize("kind", ["bilstm", "siamese_bilstm"])
def test_checkpoint_round_trip(tmp_path, kind):
    torch.manual_seed(0)
    cfg = tiny(kind)
    m = build_student(cfg).eval()
    vocab_map = np.arange(80) % 50
    tok = tmp_path / "tokenizer.json"
    tok.write_text("{}")
    save_checkpoint(tmp_path / "ck", cfg, m, vocab_map, tok, {"dev": {"accuracy": 0.5}})
    cfg2, m2, vm2 = load_checkpoint(tmp_path / "ck")
    assert cfg2 == cfg and np.array_equal(vm2, vocab_map) and vm2.dtype == np.int64
    ids, lengths = batch(np.random.default_rng(5))
    args = (ids, lengths, ids.flip(0), lengths.flip(0)) if cfg.pair else (ids, lengths)
    torch.testing.assert_close(m2(*args), m(*args), rtol=0, atol=0)
    names = set(load_numpy_weights(tmp_path / "ck"))
    assert {"vocab_map", "embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0_reverse", "hidden.weight",
            "out.bias"} <= names
    assert json.loads((tmp_path / "ck" / "metrics.json").read_text())["dev"]["accuracy"] == 0.5
    # saving again over an existing checkpoint replaces it atomically (no leftovers)
    save_checkpoint(tmp_path / "ck", cfg, m, vocab_map, tok)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck", "tokenizer.json"]


def test_every_checkpoint_kind_has_a_family_with_the_hooks():
    from edgekd_contract.checkpoint import KINDS

    assert set(FAMILIES) == set(KINDS)
    for kind in KINDS:
        fam = family(kind)
        m = fam.build(tiny(kind, **({"hidden_size": 8} if kind.startswith("static") else {})))   # pools E itself
        emb = fam.word_embeddings(m)       # transformers add two rows after the vocabulary: [CLS], [SEP]
        extra = 2 if m.cfg.family == "transformer" else 0
        assert m.cfg.kind == kind and tuple(emb.shape) == (m.cfg.vocab_size + extra, m.cfg.embed_dim)
        assert fam.param_counts(m)["embedding"] == emb.numel()
        table = np.arange(m.cfg.vocab_size * m.cfg.embed_dim, dtype=np.float32).reshape(m.cfg.vocab_size, -1)
        fam.init_embeddings(m, table)
        assert np.array_equal(fam.word_embeddings(m).detach().numpy()[:m.cfg.vocab_size], table)
        names = set(fam.flat_state_dict(m))
        assert any(n.endswith("embedding.weight") or n.endswith("word_embeddings.weight") for n in names)
    with pytest.raises(ValueError, match="unknown student kind 'gpt'"):
        family("gpt")
