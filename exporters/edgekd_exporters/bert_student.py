"""The transformer student family's torch module (a `transformers` BertModel + classifier) and its ONNX export.

Defined once, here, because the exporter must rebuild the module from a checkpoint without the training core;
the core's family module (`edgekd.student.transformer`) imports it. This is the one exporter module that needs
torch and transformers, imported when a transformer checkpoint is exported (never by the BiLSTM path).

The graph keeps the inputs of every edgekd bundle: word pieces WITHOUT [CLS]/[SEP] plus their lengths (and the
second sentence's for pairs). `bert_inputs` builds the BERT input inside the graph:

    single: [CLS] a[:la] [SEP] [PAD]...                     token types 0
    pair:   [CLS] a[:la] [SEP] b[:lb] [SEP] [PAD]...        token types 0 up to the first [SEP], then 1

so every runtime (Python onnxruntime, Node, the browser) runs it with the encoding it already has.
"""
from __future__ import annotations

import io
import warnings
from typing import Mapping

import numpy as np
import onnx
import torch
from torch import nn

from edgekd_contract.checkpoint import PAD_ID, StudentConfig
from edgekd_runtime.manifest import INPUT_IDS, INPUT_IDS_B, LENGTHS, LENGTHS_B, LOGITS

from .onnx_common import EMBED_NODE, INIT_EMBEDDING, IR_VERSION, OPSET, VOCAB_REMAP_NODE, check_vocab_map

WORD_EMBEDDINGS = "student.bert.embeddings.word_embeddings.weight"   # its name in the exported graph


def bert_config(cfg: StudentConfig):
    """The `transformers.BertConfig` of a transformer StudentConfig (eager attention: exportable, and the
    layer-wise losses read its query/key projections)."""
    from transformers import BertConfig

    conf = BertConfig(vocab_size=cfg.vocab_size + 2, hidden_size=cfg.embed_dim, num_hidden_layers=cfg.num_layers,
                      num_attention_heads=cfg.num_heads, intermediate_size=cfg.mlp_size,
                      max_position_embeddings=cfg.max_positions, type_vocab_size=2, pad_token_id=PAD_ID,
                      hidden_dropout_prob=cfg.dropout, attention_probs_dropout_prob=cfg.dropout)
    conf._attn_implementation = "eager"
    return conf


def bert_inputs(ids: torch.Tensor, lengths: torch.Tensor, cls_id: int, sep_id: int, pad_id: int = PAD_ID,
                ids_b: torch.Tensor | None = None, lengths_b: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(input_ids, token_type_ids, attention_mask), each (B, W) int64, from word pieces without specials.

    ids (B, Ta), lengths (B,) >= 1 [, ids_b (B, Tb), lengths_b (B,)]; W = Ta + 2 (single) or Ta + Tb + 3 (pair).
    Works in any id space (student or teacher ids), so teacher and student see the same positions.
    """
    B, Ta = ids.shape
    pair = ids_b is not None
    W = Ta + 2 + (ids_b.shape[1] + 1 if pair else 0)
    pos = torch.arange(W, device=ids.device).unsqueeze(0)                          # (1, W)
    la = lengths.unsqueeze(1)                                                       # (B, 1)
    a = ids.gather(1, (pos - 1).clamp(0, Ta - 1).expand(B, W))                      # a[p - 1] at every p
    end = la + 1                                                                    # position of the first [SEP]
    out = torch.where(pos <= la, a, torch.full_like(a, pad_id))
    types = torch.zeros_like(out)
    if pair:
        lb = lengths_b.unsqueeze(1)
        b = ids_b.gather(1, (pos - la - 2).clamp(0, ids_b.shape[1] - 1).expand(B, W))  # b[p - la - 2]
        in_b = (pos > end) & (pos <= end + lb)
        out = torch.where(in_b, b, out)
        out = torch.where(pos == end, torch.full_like(out, sep_id), out)
        end = end + lb + 1                                                          # the final [SEP]
        types = ((pos > la + 1) & (pos <= end)).long()
    out = torch.where(pos == end, torch.full_like(out, sep_id), out)
    out = torch.where(pos == 0, torch.full_like(out, cls_id), out)
    mask = (pos <= end).long()
    return out, types, mask


class BertStudent(nn.Module):
    """Word pieces (student ids) -> BERT encoder -> pooler ([CLS], tanh) -> dropout -> logits (B, C)."""

    def __init__(self, cfg: StudentConfig) -> None:
        super().__init__()
        from transformers import BertModel

        self.cfg = cfg
        self.bert = BertModel(bert_config(cfg), add_pooling_layer=True)
        self.dropout = nn.Dropout(cfg.dropout)
        self.classifier = nn.Linear(cfg.embed_dim, cfg.num_labels)

    @property
    def cls_id(self) -> int:
        return self.cfg.vocab_size          # the two rows after the pruned vocabulary

    @property
    def sep_id(self) -> int:
        return self.cfg.vocab_size + 1

    def encode(self, ids, lengths, ids_b=None, lengths_b=None, hidden_states: bool = False):
        """(BERT output, attention_mask (B, W)) for student ids."""
        x, types, mask = bert_inputs(ids, lengths, self.cls_id, self.sep_id, PAD_ID, ids_b, lengths_b)
        out = self.bert(input_ids=x, token_type_ids=types, attention_mask=mask, output_hidden_states=hidden_states)
        return out, mask

    def head(self, out) -> torch.Tensor:
        return self.classifier(self.dropout(out.pooler_output))                   # (B, C)

    def forward(self, ids, lengths, ids_b=None, lengths_b=None) -> torch.Tensor:
        return self.head(self.encode(ids, lengths, ids_b, lengths_b)[0])


class _Remapped(nn.Module):
    """The exported module: teacher ids -> student ids (the checkpoint's vocab_map), then the student."""

    def __init__(self, student: BertStudent, vocab_map: np.ndarray) -> None:
        super().__init__()
        self.student = student
        self.register_buffer("vocab_map", torch.from_numpy(np.asarray(vocab_map, dtype=np.int64)))

    def forward(self, input_ids, lengths, input_ids_b=None, lengths_b=None):
        b = None if input_ids_b is None else self.vocab_map[input_ids_b]
        return self.student(self.vocab_map[input_ids], lengths, b, lengths_b)


def load_student(cfg: StudentConfig, weights: Mapping[str, np.ndarray]) -> BertStudent:
    """A BertStudent in eval mode holding the checkpoint tensors (all required, none extra but `vocab_map`)."""
    model = BertStudent(cfg)
    own = model.state_dict()
    missing = [k for k in own if k not in weights]
    if missing:
        raise KeyError(f"student checkpoint lacks tensor {missing[0]!r} ({len(missing)} missing)")
    for k, v in own.items():
        if tuple(weights[k].shape) != tuple(v.shape):
            raise ValueError(f"student tensor {k!r} has shape {tuple(weights[k].shape)}, config says {tuple(v.shape)}")
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(weights[k])) for k in own}, strict=True)
    return model.eval()


def build_transformer_graph(cfg: StudentConfig, weights: Mapping[str, np.ndarray]) -> onnx.ModelProto:
    """The fp32 ModelProto of a transformer student: torch.onnx.export of `_Remapped`, with the word-embedding
    Gather and table renamed to the names `quantize` knows (so the int8-per-row embedding applies unchanged)."""
    vocab_map = check_vocab_map(cfg, weights)
    module = _Remapped(load_student(cfg, weights), vocab_map).eval()
    names = [INPUT_IDS, LENGTHS] + ([INPUT_IDS_B, LENGTHS_B] if cfg.pair else [])
    ex = (torch.ones(2, 3, dtype=torch.long), torch.tensor([3, 1]))
    axes = {INPUT_IDS: {0: "batch", 1: "seq"}, LENGTHS: {0: "batch"}, LOGITS: {0: "batch"}}
    if cfg.pair:
        ex += (torch.ones(2, 4, dtype=torch.long), torch.tensor([2, 4]))
        axes |= {INPUT_IDS_B: {0: "batch", 1: "seq_b"}, LENGTHS_B: {0: "batch"}}
    buf = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        # tracer notes on shapes that are constant by construction (mask width == sequence width, ids >= 0)
        warnings.simplefilter("ignore")
        torch.onnx.export(module, ex, buf, input_names=names, output_names=[LOGITS], dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False, do_constant_folding=True)
    model = onnx.load_from_string(buf.getvalue())
    _name_word_embedding(model)
    model.ir_version = IR_VERSION
    model.producer_name = "edgekd"
    model.graph.name = f"edgekd_{cfg.kind}"
    onnx.checker.check_model(model, full_check=True)
    return model


def _name_word_embedding(model: onnx.ModelProto) -> None:
    """Rename the word-embedding table to INIT_EMBEDDING, its Gather to EMBED_NODE, the remap Gather to vocab_remap."""
    init = next((t for t in model.graph.initializer if t.name == WORD_EMBEDDINGS), None)
    node = next((n for n in model.graph.node if n.op_type == "Gather" and n.input and n.input[0] == WORD_EMBEDDINGS),
                None)
    if init is None or node is None:
        raise RuntimeError("exported transformer graph has no word-embedding Gather; torch.onnx.export changed?")
    init.name, node.input[0], node.name = INIT_EMBEDDING, INIT_EMBEDDING, EMBED_NODE
    remap = next((n for n in model.graph.node if n.op_type == "Gather" and n.input and n.input[0] == "vocab_map"),
                 None)
    if remap is None:
        raise RuntimeError("exported transformer graph has no vocab_map Gather")
    remap.name = VOCAB_REMAP_NODE    # the runtime's verifier finds the id remap table by this name
