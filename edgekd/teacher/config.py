"""How the teacher reads text, in one place (torch-free): fine-tuning, labelling, the student stage's teacher dev
score, the build presets and the device profiles' teacher timing all take their lengths from `TEACHER`."""
from __future__ import annotations

from dataclasses import dataclass


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
