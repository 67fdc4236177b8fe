"""The contract side of the student-family registry: which `StudentConfig.kind`s exist, the family each belongs
to, which of them read sentence pairs, the config fields a family checks, and the tensors its checkpoint holds.

Torch-free (the exporters read it). A new family is one `ContractFamily` entry in `FAMILIES` here, plus its
training module (`edgekd.student.registry`) and its exporter graph (`edgekd_exporters.families`); no other file
of the contract names a family.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


def _pooled(cfg: Any) -> int:
    """2 * hidden_size per sentence, times 4 for pairs ([h1, h2, h1*h2, |h1-h2|])."""
    return 2 * cfg.hidden_size * (4 if cfg.pair else 1)


def _check_transformer(cfg: Any) -> None:
    if cfg.embed_dim % cfg.num_heads:
        raise ValueError(f"StudentConfig.embed_dim {cfg.embed_dim} is not a multiple of num_heads {cfg.num_heads}")
    if cfg.max_positions < 2 * cfg.max_length + 3:
        raise ValueError(f"StudentConfig.max_positions {cfg.max_positions} < 2 * max_length + 3")


def _check_static(cfg: Any) -> None:
    if cfg.hidden_size != cfg.embed_dim:
        raise ValueError(f"static students pool the embeddings themselves: hidden_size ({cfg.hidden_size}) must "
                         f"equal embed_dim ({cfg.embed_dim})")


@dataclass(frozen=True)
class ContractFamily:
    """One student family as the checkpoint contract sees it."""

    single: str                                   # the kind of its single-sentence students
    pair: str | None                              # the kind of its sentence-pair students (None: no pairs)
    tensors: str                                  # the checkpoint's tensor names and shapes (documentation)
    check: Callable[[Any], None] | None = None    # extra validation of a StudentConfig of this family
    feature_size: Callable[[Any], int] = _pooled  # width of the pooled state the head reads

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.single,) + ((self.pair,) if self.pair else ())


_RNN_TENSORS = """\
  vocab_map                      int64 (Vt,)   teacher id -> student id; unseen ids -> UNK_ID
  embedding.weight               (V, E)        row PAD_ID is all zeros
  lstm.weight_ih_l0              (4H, E)       PyTorch gate order i, f, g, o
  lstm.weight_hh_l0              (4H, H)
  lstm.bias_ih_l0, lstm.bias_hh_l0             (4H,)
  lstm.*_reverse                               the same for the backward direction
  hidden.weight (M, F), hidden.bias (M,)       ReLU layer over the max-pooled (or siamese) features
  out.weight (C, M), out.bias (C,)             logits
(F = 2H single, 8H pairs)"""

_BERT_TENSORS = """\
A `transformers` BertModel plus a classifier, under their own torch state_dict names (`bert.*`, `classifier.*`;
the exporters rebuild the module with `edgekd_exporters.bert_student`), and vocab_map. The word-embedding table
has V + 2 rows: the pruned vocabulary, then [CLS] (id V) and [SEP] (id V + 1), which the model itself places
around the word pieces. E = width, L = num_layers; `hidden_size` equals E and `mlp_size` is the feed-forward
width."""

_STATIC_TENSORS = """\
  vocab_map                      int64 (Vt,)   teacher id -> student id; unseen ids -> UNK_ID
  embedding.weight               (V, E)        row PAD_ID is all zeros
  hidden.weight (M, F), hidden.bias (M,)       ReLU layer over [mean, max] of the real tokens' rows
  out.weight (C, M), out.bias (C,)             logits
(`hidden_size` equals E; F = 2E single, 8E pairs: [u, v, u*v, |u-v|] of the two sentences' [mean, max])"""

# family name -> its kinds and checkpoint layout. Order matters only for listings (the first is the default).
FAMILIES: dict[str, ContractFamily] = {
    "bilstm": ContractFamily("bilstm", "siamese_bilstm", _RNN_TENSORS),
    "transformer": ContractFamily("transformer", "transformer_pair", _BERT_TENSORS, check=_check_transformer),
    "static": ContractFamily("static", "static_pair", _STATIC_TENSORS, check=_check_static),
}
DEFAULT_FAMILY = next(iter(FAMILIES))

KIND_FAMILY: dict[str, str] = {k: name for name, f in FAMILIES.items() for k in f.kinds}
DEFAULT_KIND = FAMILIES[DEFAULT_FAMILY].single


def family_of(kind: str) -> str:
    """The family name of a student kind; ValueError for an unknown kind."""
    try:
        return KIND_FAMILY[kind]
    except KeyError:
        raise ValueError(f"StudentConfig.kind must be one of {tuple(KIND_FAMILY)}, got {kind!r}") from None


def contract_family(kind: str) -> ContractFamily:
    return FAMILIES[family_of(kind)]


def is_pair(kind: str) -> bool:
    return contract_family(kind).pair == kind


def kind_for(family: str, pair: bool) -> str:
    """The kind of `family` for single sentences or pairs; ValueError when the family has no pair kind."""
    f = FAMILIES[family]
    if pair and f.pair is None:
        raise ValueError(f"student family {family!r} does not take sentence pairs")
    return f.pair if pair else f.single
