"""Family hooks shared by the students whose word-piece table is `model.embedding` and whose checkpoint names drop
an `encoder.` prefix (the BiLSTM and static families): `edgekd.student.registry`'s table and weight hooks."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn


def init_embeddings(model: nn.Module, table: np.ndarray) -> None:
    """Start from the (V, E) table (row PAD_ID zero)."""
    with torch.no_grad():
        model.embedding.weight.copy_(torch.from_numpy(table))


def word_embeddings(model: nn.Module) -> nn.Parameter:
    return model.embedding.weight


def param_counts(model: nn.Module) -> dict[str, int]:
    total = sum(p.numel() for p in model.parameters())
    embed = model.embedding.weight.numel()
    return {"total": int(total), "embedding": int(embed), "without_embeddings": int(total - embed)}


def flat_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """state_dict under the checkpoint names (the `encoder.` prefix dropped)."""
    return {k.removeprefix("encoder."): v.detach().contiguous() for k, v in model.state_dict().items()}


def load_flat_state_dict(model: nn.Module, tensors: dict[str, torch.Tensor]) -> None:
    """Inverse of `flat_state_dict`; extra entries such as `vocab_map` are ignored."""
    mapped = {}
    for k in model.state_dict():
        flat = k.removeprefix("encoder.")
        if flat not in tensors:
            raise KeyError(f"checkpoint lacks tensor {flat!r}")
        mapped[k] = tensors[flat]
    model.load_state_dict(mapped, strict=True)
