"""TinyBERT's layer-wise losses against hand-computed values."""
from __future__ import annotations

import math

import pytest
import torch

from edgekd.layer_losses import (attention_mse, attention_scores, hidden_mse, tinybert_layer_losses,
                                 uniform_layer_map)


def test_uniform_layer_map():
    assert uniform_layer_map(3, 6) == (2, 4, 6)
    assert uniform_layer_map(4, 6) == (1, 3, 4, 6)
    assert uniform_layer_map(2, 6) == (3, 6)
    assert uniform_layer_map(6, 6) == (1, 2, 3, 4, 5, 6)
    with pytest.raises(ValueError, match="cannot map"):
        uniform_layer_map(7, 6)


def test_attention_scores_split_heads_and_scale():
    q = torch.tensor([[[1.0, 2.0, 3.0, 4.0]]])          # (B=1, T=1, D=4), 2 heads of width 2
    k = torch.tensor([[[1.0, 0.0, 0.0, 1.0]]])
    s = attention_scores(q, k, heads=2)
    assert s.shape == (1, 2, 1, 1)
    # head 0: (1*1 + 2*0) / sqrt(2); head 1: (3*0 + 4*1) / sqrt(2)
    assert s.flatten().tolist() == pytest.approx([1 / math.sqrt(2), 4 / math.sqrt(2)])


def test_hidden_mse_ignores_padding():
    s = torch.tensor([[[1.0, 1.0], [5.0, 5.0]]])        # (1, 2, 2); position 1 is padding
    t = torch.zeros(1, 2, 2)
    assert float(hidden_mse(s, t, torch.tensor([[1, 0]]))) == pytest.approx(1.0)    # (1 + 1) / 2
    assert float(hidden_mse(s, t, torch.tensor([[1, 1]]))) == pytest.approx(13.0)   # (1 + 1 + 25 + 25) / 4


def test_attention_mse_over_real_pairs_and_heads():
    s = torch.zeros(1, 2, 2, 2)
    s[0, 0] = torch.tensor([[1.0, 2.0], [3.0, 4.0]])    # head 0; head 1 agrees with the teacher
    t = torch.zeros(1, 2, 2, 2)
    assert float(attention_mse(s, t, torch.tensor([[1, 0]]))) == pytest.approx(0.5)   # pair (0,0): 1, over 2 heads
    assert float(attention_mse(s, t, torch.tensor([[1, 1]]))) == pytest.approx(3.75)  # (1+4+9+16)/4/2
    with pytest.raises(ValueError, match="attention shapes differ"):
        attention_mse(s, torch.zeros(1, 1, 2, 2), torch.tensor([[1, 1]]))


def test_tinybert_layer_losses_follow_the_map_and_projection():
    mask = torch.tensor([[1, 1]])
    s_hidden = [torch.ones(1, 2, 1), torch.full((1, 2, 1), 2.0)]            # embeddings, layer 1 (width 1)
    t_hidden = [torch.zeros(1, 2, 2), torch.full((1, 2, 2), 9.0), torch.ones(1, 2, 2)]  # width 2
    s_scores = [torch.full((1, 1, 2, 2), 3.0)]
    t_scores = [torch.full((1, 1, 2, 2), 9.0), torch.ones(1, 1, 2, 2)]
    project = lambda x: torch.cat([x, x], dim=-1)                          # noqa: E731  width 1 -> 2
    out = tinybert_layer_losses(s_hidden, t_hidden, s_scores, t_scores, mask, layer_map=(2,), project=project)
    assert float(out["embedding"]) == pytest.approx(1.0)    # (1 - 0)^2
    assert float(out["hidden"]) == pytest.approx(1.0)       # student layer 1 (2) vs teacher layer 2 (1)
    assert float(out["attention"]) == pytest.approx(4.0)    # (3 - 1)^2, teacher layer 2's scores
    with pytest.raises(ValueError, match="layer_map"):
        tinybert_layer_losses(s_hidden, t_hidden, s_scores, t_scores, mask, layer_map=(1, 2))
