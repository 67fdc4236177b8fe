"""Start a task student from a pre-distilled encoder (`edgekd pretrain-student`, see `edgekd.pretrain`).

It lives here, below both `distill.train` (which calls it for `--init-from`) and `edgekd.pretrain` (which makes
the encoder), so neither imports the other's package back.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from edgekd_contract.checkpoint import UNK_ID, StudentConfig, load_numpy_weights

PRETRAIN_TASK = "pretrain"     # StudentConfig.task of a pre-distilled encoder (its head is a placeholder)


def init_from_pretrained(model, vocab, pretrained_dir: str | Path) -> dict:
    """Copy a pre-distilled encoder into `model` (a task student built for `vocab`): the LSTM weights, and every
    embedding row whose word piece the pre-trained vocabulary also holds (the others keep their initial rows).
    ValueError when the shapes differ."""
    import torch

    src = Path(pretrained_dir)
    pcfg = StudentConfig.read(src)
    cfg = model.cfg
    if (pcfg.embed_dim, pcfg.hidden_size) != (cfg.embed_dim, cfg.hidden_size):
        raise ValueError(f"--init-from {src}: the pre-trained encoder has embedding {pcfg.embed_dim} and hidden "
                         f"{pcfg.hidden_size}; this student has {cfg.embed_dim} and {cfg.hidden_size} "
                         "(pre-train with the same --embed-dim/--hidden-size)")
    w = load_numpy_weights(src)
    if len(w["vocab_map"]) != vocab.teacher_vocab_size:
        raise ValueError(f"--init-from {src}: made with a tokenizer of {len(w['vocab_map'])} pieces, this teacher "
                         f"has {vocab.teacher_vocab_size}")
    rows = w["vocab_map"][vocab.kept]                    # pre-trained row of each student row's piece
    hit = np.flatnonzero(rows > UNK_ID)
    with torch.no_grad():
        emb = model.embedding.weight
        emb[torch.from_numpy(hit)] = torch.from_numpy(w["embedding.weight"][rows[hit]]).to(emb.dtype)
        for name, p in model.encoder.lstm.named_parameters():
            p.copy_(torch.from_numpy(w[f"lstm.{name}"]))
    return {"init_from": str(src), "embedding_rows_copied": int(len(hit)), "embedding_rows": int(vocab.size)}
