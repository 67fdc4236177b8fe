"""The transformer student family (TinyBERT-style): a small `transformers` BertModel + classifier.

The torch module itself (`BertStudent`) lives in `edgekd_exporters.bert_student`, so the exporter can rebuild it
from a checkpoint without the training core; this module holds the family hooks of `edgekd.student.registry` and
the initialisation from the teacher's own layers (`edgekd.distill.tinybert.init_from_teacher`).
"""
from __future__ import annotations

import numpy as np
import torch

from edgekd_contract.checkpoint import StudentConfig
from edgekd_contract.kinds import kind_for
from edgekd_exporters.bert_student import BertStudent

FAMILY = "transformer"
# See `edgekd.student.bilstm.RUNTIME_SCORE_TOLERANCE`: 3-layer transformer int8 on SST-2 dev, batch 1 vs the
# runtime's batches, 99.20% argmax agreement (max |dlogit| 0.86).
RUNTIME_SCORE_TOLERANCE = 0.01


def student_config(task, shape) -> StudentConfig:
    """`shape.num_layers` layers of the teacher's width (MiniLM-L6: 384 wide, 12 heads, FFN 1536) unless the shape
    sets another `embed_dim` (then `mlp_size` defaults to 4x it), so it can start from the teacher's own layers."""
    from ..student_stage import StudentShape

    width = shape.embed_dim if shape.embed_dim != StudentShape.embed_dim else 384
    return StudentConfig(kind=kind_for(FAMILY, task.pair), task=task.name, labels=task.label_names, embed_dim=width,
                         hidden_size=width, mlp_size=shape.mlp_size or 4 * width, dropout=shape.dropout,
                         max_length=shape.max_length, num_layers=shape.num_layers, num_heads=shape.num_heads,
                         max_positions=2 * shape.max_length + 3)   # [CLS] a [SEP] b [SEP]


def build_preset(cfg, pair: bool, layers: int | None = None):
    """A BuildConfig with a TinyBERT student: `layers` (default 3) of the teacher's layers (uniform map), 6000 rows
    of the layer-wise stage (teacher on the fly), then the logit loss (Adam 1e-4, batch 32, linear decay) on up to
    60k cached transfer rows, the whole student stage within 14 minutes. No gold-label baseline (a random-init
    transformer on gold labels alone says little about the distillation; the BiLSTM build has it)."""
    from dataclasses import replace

    from ..distill.config import LayerwiseConfig
    from ..student_stage import StudentShape

    d = replace(cfg.distill, lr=1e-4, batch_size=32, epochs=1, lr_schedule="linear", patience=0,
                eval_every=100 if pair else 400, max_train_rows=60_000, time_budget_min=14.0,
                embed_init="random")
    return replace(cfg, student=StudentShape(family=FAMILY, num_layers=layers or 3), distill=d,
                   layerwise=LayerwiseConfig(rows=6000), baseline=False)


def default_lr(optimizer: str) -> float | None:
    """Fine-tuning BERT layers: Adam's 1e-3 default is for the BiLSTM."""
    return 1e-4 if optimizer == "adam" else None


def student_init(teacher_dir, cfg, layerwise, progress: bool = True):
    """TinyBERT's start for a distilled student: the teacher's mapped layers, then the layer-wise stage (given at
    most half of the student's time budget when it has none of its own)."""
    from dataclasses import replace

    from ..distill.tinybert import tinybert_init

    if layerwise.time_budget_min is None and cfg.time_budget_min:
        layerwise = replace(layerwise, time_budget_min=cfg.time_budget_min / 2)
    return tinybert_init(teacher_dir, layerwise, progress=progress)


def distill_key(cfg) -> dict:
    """The layer-wise stage's settings are part of the distill stage's key."""
    return {"layerwise": cfg.layerwise.to_dict()}


def build(cfg: StudentConfig) -> BertStudent:
    return BertStudent(cfg)


def init_embeddings(model: BertStudent, table: np.ndarray) -> None:
    """Install the (V, E) word-piece table into rows 0..V-1 ([CLS] and [SEP], rows V and V+1, keep theirs)."""
    with torch.no_grad():
        model.bert.embeddings.word_embeddings.weight[:len(table)].copy_(torch.from_numpy(table))


def word_embeddings(model: BertStudent) -> torch.nn.Parameter:
    return model.bert.embeddings.word_embeddings.weight


def param_counts(model: BertStudent) -> dict[str, int]:
    total = sum(p.numel() for p in model.parameters())
    embed = model.bert.embeddings.word_embeddings.weight.numel()
    return {"total": int(total), "embedding": int(embed), "without_embeddings": int(total - embed)}


def flat_state_dict(model: BertStudent) -> dict[str, torch.Tensor]:
    """The torch state_dict as is (`bert.*`, `classifier.*`): the names `BertStudent` loads in the exporter."""
    return {k: v.detach().contiguous() for k, v in model.state_dict().items()}


def load_flat_state_dict(model: BertStudent, tensors: dict[str, torch.Tensor]) -> None:
    """Inverse of `flat_state_dict`; extra entries such as `vocab_map` are ignored."""
    own = model.state_dict()
    missing = [k for k in own if k not in tensors]
    if missing:
        raise KeyError(f"checkpoint lacks tensor {missing[0]!r}")
    model.load_state_dict({k: tensors[k] for k in own}, strict=True)
