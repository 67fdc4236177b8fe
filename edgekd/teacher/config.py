"""The teacher's configs, torch-free. `TEACHER` (how the teacher reads text) is the one source of the lengths that
fine-tuning, labelling, the student stage's teacher dev score, the build presets and the device profiles' teacher
timing use; `FinetuneConfig` holds the fine-tuning settings."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class TeacherConfig:
    """The teacher's input limits. Lengths count word pieces with the special tokens, both sentences of a pair."""

    max_length: int = 128      # truncation of every teacher input (BERT-style [CLS] a [SEP] (b [SEP]))
    max_tokens: int = 8192     # padded-token budget per inference batch (rows x longest row)

    @staticmethod
    def input_length(per_sentence: int, pair: bool) -> int:
        """The teacher input length that keeps `per_sentence` word pieces of each sentence: + [CLS] and [SEP]
        (a pair: + [CLS], [SEP], [SEP])."""
        return 2 * per_sentence + 3 if pair else per_sentence + 2


TEACHER = TeacherConfig()


@dataclass(frozen=True)
class FinetuneConfig:
    """Teacher fine-tuning settings. Defaults: one epoch at lr 5e-5, batch 32 (the SST-2 88.5 reference run)."""

    lr: float = 5e-5
    batch_size: int = 32
    epochs: float = 1.0
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    max_length: int = TEACHER.max_length    # the teacher's truncation (see TeacherConfig)
    max_train_examples: int | None = None   # a random subset, for quick runs
    time_budget_min: float | None = None    # stop (keeping the best checkpoint) after this many minutes
    eval_every: int = 500                   # steps between dev evaluations (and at the end)
    bf16: bool = False                      # bf16 autocast (CPU with AVX-512/AMX, or CUDA)
    freeze_word_embeddings: bool = False    # keep the vocab x hidden table fixed: a lighter backward pass
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "FinetuneConfig":
        return cls(**d)
