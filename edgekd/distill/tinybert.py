"""The transformer student's `student_init` for `distill`: load the teacher, copy its mapped layers into the
student (when widths match and init="teacher"), run the layer-wise stage, and let the teacher go again."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from ..layer_losses import uniform_layer_map
from .config import LayerwiseConfig
from .layerwise import layerwise_distill
from .prepare import Prepared


def tinybert_init(teacher_dir: str | Path, cfg: LayerwiseConfig, progress: bool = True
                  ) -> Callable[[Any, Prepared], dict]:
    """A `distill(student_init=...)` callback for transformer students."""

    def init(model, prep: Prepared) -> dict:
        from ..teacher.model import load_teacher

        teacher = load_teacher(str(teacher_dir), model.cfg.num_labels, device="cpu").model
        tok = prep.tokenizer
        ids = {"cls": tok.token_to_id("[CLS]"), "sep": tok.token_to_id("[SEP]"), "pad": tok.token_to_id("[PAD]")}
        if None in ids.values():
            raise ValueError(f"the teacher's tokenizer lacks one of [CLS]/[SEP]/[PAD] ({ids})")
        info: dict[str, Any] = {"init": "random"}
        if cfg.init == "teacher":
            layers = teacher_layers(model.cfg.num_layers, teacher.config.num_hidden_layers)
            info = init_from_teacher(model, teacher, prep.vocab.kept, ids["cls"], ids["sep"], layers)
        info["layerwise"] = layerwise_distill(model, teacher, prep.tr, prep.vocab.kept, ids, cfg, progress)
        return info

    return init


def teacher_layers(n_student: int, n_teacher: int) -> tuple[int, ...]:
    """0-based teacher layers a student of `n_student` layers starts from: the top layer of each of n_student
    equal groups, i.e. the layers the uniform map makes it learn (6 -> 3: 1, 3, 5)."""
    return tuple(g - 1 for g in uniform_layer_map(n_student, n_teacher))


def init_from_teacher(model, teacher: torch.nn.Module, kept: np.ndarray, cls_id: int, sep_id: int,
                      layers: Sequence[int]) -> dict:
    """Copy the teacher's (a BertForSequenceClassification) embeddings, encoder `layers` (0-based, one per student
    layer), pooler and classifier into a student of the same width; `kept[v]` = teacher id of student row v.
    Returns a note for metrics.json."""
    s, t = model.bert, teacher.bert
    if len(layers) != len(s.encoder.layer):
        raise ValueError(f"{len(layers)} teacher layers given for a student of {len(s.encoder.layer)}")
    if s.config.hidden_size != t.config.hidden_size or s.config.num_attention_heads != t.config.num_attention_heads:
        raise ValueError("init from the teacher's layers needs the teacher's width and heads "
                         f"({t.config.hidden_size}, {t.config.num_attention_heads}); use a random init")
    with torch.no_grad():
        rows = torch.from_numpy(np.concatenate([kept, [cls_id, sep_id]]).astype(np.int64))
        s.embeddings.word_embeddings.weight.copy_(t.embeddings.word_embeddings.weight[rows])
        for name in ("position_embeddings", "token_type_embeddings", "LayerNorm"):
            _copy(getattr(s.embeddings, name), getattr(t.embeddings, name))
        for mine, theirs in zip(s.encoder.layer, layers):
            _copy(mine, t.encoder.layer[theirs])
        _copy(s.pooler, t.pooler)
        _copy(model.classifier, teacher.classifier)
    return {"init": "teacher_layers", "layers": list(layers)}


def _copy(dst: torch.nn.Module, src: torch.nn.Module) -> None:
    """dst <- src, for modules of one shape (position tables may be shorter in the student)."""
    theirs = src.state_dict()
    dst.load_state_dict({k: v[:dst.state_dict()[k].shape[0]] if v.dim() else v for k, v in theirs.items()})
