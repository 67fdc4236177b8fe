"""TinyBERT's intermediate-layer stage for transformer students: embedding, attention-score and hidden-state MSE
under a layer mapping, against a teacher run on the fly, before the logit stage of `train_loop`.

Why on the fly: the teacher's attention scores for 20k SST-2 rows are ~1 GB (3 layers x 12 heads x T^2) and its
hidden states another ~0.2 GB per mapped layer, against one extra teacher forward per student step (see the
`teacher_share` this stage records: the teacher's part of the stage's wall time).
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from ..batching import length_buckets
from ..layer_losses import attention_scores, tinybert_layer_losses, uniform_layer_map
from .config import LayerwiseConfig
from .prepare import Encoded


class QKRecorder:
    """Forward hooks on every layer's query/key projections; `scores(heads)` -> per-layer (B, h, T, T)."""

    def __init__(self, bert) -> None:
        self.q: list[torch.Tensor] = []
        self.k: list[torch.Tensor] = []
        self.handles = []
        for layer in bert.encoder.layer:
            att = layer.attention.self
            self.handles.append(att.query.register_forward_hook(lambda m, i, o: self.q.append(o)))
            self.handles.append(att.key.register_forward_hook(lambda m, i, o: self.k.append(o)))

    def scores(self, heads: int) -> list[torch.Tensor]:
        out = [attention_scores(q, k, heads) for q, k in zip(self.q, self.k)]
        self.q, self.k = [], []
        return out

    def close(self) -> None:
        for h in self.handles:
            h.remove()


def _teacher_targets(teacher, t_rec: QKRecorder, args, kept_t: torch.Tensor, teacher_ids: dict[str, int]):
    """The teacher's hidden states and attention scores for a batch `args` of student ids (no gradients)."""
    from edgekd_exporters.bert_student import bert_inputs

    with torch.no_grad():
        t_args = [kept_t[a] if i % 2 == 0 else a for i, a in enumerate(args)]
        x, types, mask = bert_inputs(t_args[0], t_args[1], teacher_ids["cls"], teacher_ids["sep"], teacher_ids["pad"],
                                     *t_args[2:])
        t_out = teacher.bert(input_ids=x, token_type_ids=types, attention_mask=mask, output_hidden_states=True)
        return t_out.hidden_states, t_rec.scores(teacher.bert.config.num_attention_heads)


def layerwise_distill(model, teacher, tr: Encoded, kept: np.ndarray, teacher_ids: dict[str, int],
                      cfg: LayerwiseConfig, progress: bool = True) -> dict[str, Any]:
    """Train `model` (a BertStudent) on the layer losses against `teacher` (a BertForSequenceClassification) over a
    seeded subset of `tr` (student ids; kept[v] = teacher id of student id v). teacher_ids: cls, sep, pad."""
    rng = np.random.default_rng(cfg.seed)
    n = min(cfg.rows, len(tr))
    if n == 0:
        return {"skipped": True}
    sub = np.sort(rng.choice(len(tr), n, replace=False))
    s_cfg, t_cfg = model.bert.config, teacher.bert.config
    lmap = uniform_layer_map(s_cfg.num_hidden_layers, t_cfg.num_hidden_layers)
    proj = (torch.nn.Linear(s_cfg.hidden_size, t_cfg.hidden_size) if s_cfg.hidden_size != t_cfg.hidden_size
            else torch.nn.Identity())      # TinyBERT's learned W_h, shared by all layers; not exported
    params = [p for p in [*model.parameters(), *proj.parameters()] if p.requires_grad]
    opt = torch.optim.Adam(params, lr=cfg.lr)
    s_rec, t_rec = QKRecorder(model.bert), QKRecorder(teacher.bert)
    kept_t = torch.from_numpy(np.asarray(kept, dtype=np.int64))
    teacher.eval()
    model.train()
    t0, t_teacher, steps, totals = time.perf_counter(), 0.0, 0, {"embedding": 0.0, "attention": 0.0, "hidden": 0.0}
    deadline = None if cfg.time_budget_min is None else t0 + 60 * cfg.time_budget_min
    stopped = "epochs done"
    try:
        for epoch in range(cfg.epochs):
            batches = length_buckets(tr.lengths()[sub], cfg.batch_size, rng)
            for idx in tqdm(batches, disable=not progress, desc=f"layerwise {epoch + 1}/{cfg.epochs}", unit="batch",
                            mininterval=1.0):
                args = tr.batch(sub[idx])                                   # student ids (+ lengths)
                t1 = time.perf_counter()
                t_hidden, t_scores = _teacher_targets(teacher, t_rec, args, kept_t, teacher_ids)
                t_teacher += time.perf_counter() - t1
                s_out, s_mask = model.encode(*args, hidden_states=True)
                terms = tinybert_layer_losses(s_out.hidden_states, t_hidden,
                                              s_rec.scores(s_cfg.num_attention_heads), t_scores, s_mask, lmap, proj)
                loss = sum(terms.values())
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                opt.step()
                steps += 1
                for k, v in terms.items():
                    totals[k] += v.item()
                if deadline is not None and time.perf_counter() > deadline:
                    stopped = "time budget"
                    break
            if stopped != "epochs done":
                break
    finally:
        s_rec.close()
        t_rec.close()
    wall = time.perf_counter() - t0
    return {"config": cfg.to_dict(), "layer_map": list(lmap), "rows": int(n), "steps": steps, "stopped": stopped,
            "mean_losses": {k: v / max(steps, 1) for k, v in totals.items()}, "seconds": round(wall, 1),
            "steps_per_s": round(steps / wall, 3) if wall else 0.0,
            "teacher_share": round(t_teacher / wall, 3) if wall else 0.0}
