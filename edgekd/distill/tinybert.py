"""The transformer student's `student_init` for `distill`: load the teacher, copy its mapped layers into the
student (when widths match and init="teacher"), run the layer-wise stage, and let the teacher go again."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from .config import LayerwiseConfig
from .layerwise import layerwise_distill
from .prepare import Prepared


def tinybert_init(teacher_dir: str | Path, cfg: LayerwiseConfig, progress: bool = True
                  ) -> Callable[[Any, Prepared], dict]:
    """A `distill(student_init=...)` callback for transformer students."""

    def init(model, prep: Prepared) -> dict:
        from ..student.transformer import init_from_teacher, teacher_layers
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
