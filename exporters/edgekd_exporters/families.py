"""The exporter side of the student-family registry: per family, the function that builds its fp32 ONNX graph,
its default quantization preset (and any preset it adds), and how the bundle's model card describes it.

Keyed by family name; a checkpoint's kind maps to its family through the contract (`edgekd_contract.kinds`).
Graph builders are named as "module:function" and imported on first use, so a family whose export needs torch
(the transformer) never loads it for the others. A new family is its graph module plus one entry here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Callable, Mapping

from edgekd_contract.kinds import KIND_FAMILY, family_of


@dataclass(frozen=True)
class ExportFamily:
    graph: str                         # "module:function": (StudentConfig, weights) -> fp32 onnx.ModelProto
    quant: str = "default"             # the preset "default" means for this family
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)   # named QuantSpec fields it adds
    card_model: str = "{siamese}BiLSTM classifier"           # model card: "A distilled {card_model} ({kind})"
    card_student: str = ("Embedding {vocab_size} x {embed_dim}, one bidirectional LSTM of {hidden_size} per "
                         "direction, max-pooled, ReLU layer of {mlp_size}.")


FAMILIES: dict[str, ExportFamily] = {
    "bilstm": ExportFamily("edgekd_exporters.graph:build_bilstm_graph"),
    # torch.onnx.export of the torch module (needs torch and transformers); every weight MatMul int8 (dynamic, per
    # channel) and int8 word embeddings, no LSTM. Its model card keeps the historical BiLSTM wording (bundles stay
    # byte-identical across the registry refactor).
    "transformer": ExportFamily("edgekd_exporters.bert_student:build_transformer_graph", quant="transformer",
                                presets={"transformer": {"lstm": "fp32", "matmul": "int8"}}),
    # Gather (int8 rows) -> masked mean and max -> MatMuls; no recurrence, so nothing for an LSTM quantizer.
    "static": ExportFamily("edgekd_exporters.static_student:build_static_graph", quant="static",
                           presets={"static": {"lstm": "fp32"}},
                           card_model="{siamese}static-embedding classifier",
                           card_student="Embedding {vocab_size} x {embed_dim} (the teacher's word pieces), mean- "
                                        "and max-pooled over the real tokens, ReLU layer of {mlp_size}; no "
                                        "recurrence."),
}


def export_family(kind: str) -> ExportFamily:
    return FAMILIES[family_of(kind)]


def graph_builder(kind: str) -> Callable:
    """The fp32 graph builder of the family of `kind`."""
    module, _, fn = export_family(kind).graph.partition(":")
    return getattr(import_module(module), fn)


def default_quant(kind: str | None) -> str:
    """The preset "default" stands for with students of `kind` (plain "default" for None or an unknown kind)."""
    return export_family(kind).quant if kind in KIND_FAMILY else "default"


def family_presets() -> dict[str, dict[str, Any]]:
    """{preset name: QuantSpec fields} that the families add to the named presets, in registry order."""
    return {name: dict(spec) for fam in FAMILIES.values() for name, spec in fam.presets.items()}


def card_text(student: Mapping[str, Any], pair: bool) -> tuple[str, str]:
    """(model phrase, student paragraph) of the bundle's model card for the manifest's `student` record."""
    fam = FAMILIES[KIND_FAMILY.get(student.get("kind"), next(iter(FAMILIES)))]
    fill = _Fill(student, siamese="siamese " if pair else "")
    return fam.card_model.format_map(fill), fam.card_student.format_map(fill)


class _Fill(dict):
    """format_map values: the student record, None for a missing field (as the card always printed)."""

    def __init__(self, student: Mapping[str, Any], **extra: Any) -> None:
        super().__init__(student, **extra)

    def __missing__(self, key: str) -> None:
        return None
