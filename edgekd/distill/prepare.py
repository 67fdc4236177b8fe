"""Before training: check the inputs, tokenise every row once, prune the vocabulary, and make the initial embedding table.

Rows are tokenised with `edgekd_runtime.encoding` (so training ids == runtime ids), stored as int32 `Ragged`
arrays, and remapped to student ids once (the exported graph does the same Gather per call).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from edgekd_contract.checkpoint import StudentConfig

from ..losses import NEEDS_TEACHER
from ..student import embeddings as emb
from ..student.data import Ragged, TrainRows, encode_ragged
from ..student.vocab import Vocab, build_vocab, load_tokenizer, teacher_specials
from ..tasks import DataError, Dataset
from .config import DistillConfig


@dataclass(frozen=True)
class Encoded:
    """Student-id rows of one split: a (and b for pairs) as Ragged stores."""

    a: Ragged
    b: Ragged | None

    def __len__(self) -> int:
        return len(self.a)

    def lengths(self) -> np.ndarray:
        """Bucketing key: the padded width a row needs (both sentences of a pair are encoded in one call)."""
        return self.a.lengths if self.b is None else np.maximum(self.a.lengths, self.b.lengths)

    def batch(self, idx: np.ndarray) -> tuple[torch.Tensor, ...]:
        """(ids (B, T), lengths (B,)) [+ (ids_b, lengths_b)] as int64 tensors."""
        out = []
        for r in (self.a, self.b):
            if r is not None:
                ids, lengths = r.padded(idx)
                out += [torch.from_numpy(ids), torch.from_numpy(lengths)]
        return tuple(out)


def encode_split(tokenizer, texts, pairs, max_length: int, pad_id: int, empty_id: int,
                 progress: bool = False) -> Encoded:
    """Teacher ids (int32 Ragged) of texts and optional second texts."""
    kw = dict(pad_id=pad_id, empty_id=empty_id, progress=progress)
    a = encode_ragged(tokenizer, texts, max_length, **kw)
    b = None if pairs is None else encode_ragged(tokenizer, pairs, max_length, **kw)
    return Encoded(a, b)


def to_student_ids(enc: Encoded, vocab: Vocab) -> Encoded:
    """Apply the vocab remap once to the flat stores (the exported graph does the same Gather per call)."""
    remap = lambda r: None if r is None else Ragged(vocab.vocab_map[r.flat].astype(np.int32), r.offsets)  # noqa: E731
    return Encoded(remap(enc.a), remap(enc.b))


def check_inputs(cfg: DistillConfig, student_cfg: StudentConfig, train: TrainRows, dev: Dataset) -> None:
    """DataError when the data does not fit the student (pair or not, class count) or the loss (teacher logits)."""
    if student_cfg.pair != (train.text_pairs is not None) or student_cfg.pair != (dev.text_pairs is not None):
        raise DataError(f"student kind {student_cfg.kind!r} does not match the data (pair task: {student_cfg.pair})")
    if cfg.loss in NEEDS_TEACHER and train.logits is None:
        raise DataError(f"loss {cfg.loss!r} needs teacher logits for the training rows (or use --no-distill)")
    if cfg.repr_weight > 0 and train.reps is None:
        raise DataError("--repr-weight needs the teacher's representations of the training rows: label with "
                        "`edgekd label --representations` and pass that cache")
    if cfg.loss == "ce" and not (train.labels >= 0).any():
        raise DataError("the gold-label baseline needs training rows with labels")
    if train.logits is not None and train.logits.shape[1] != student_cfg.num_labels:
        raise DataError(f"teacher logits have {train.logits.shape[1]} classes, the task has {student_cfg.num_labels}")


@dataclass(frozen=True)
class Prepared:
    """Everything training reads: rows in student ids, the vocabulary, and the student's final shape."""

    train: TrainRows            # after the optional seeded subset
    tr: Encoded                 # training rows, student ids
    dv: Encoded                 # dev rows, student ids
    vocab: Vocab
    tokenizer: Any              # the teacher's `tokenizers.Tokenizer` (padding/truncation off)
    student_cfg: StudentConfig  # vocab_size / teacher_vocab_size filled in
    vocab_info: dict[str, Any]


def prepare_data(cfg: DistillConfig, student_cfg: StudentConfig, train: TrainRows, dev: Dataset,
                 tokenizer_file: str | Path, rng: np.random.Generator, progress: bool = True) -> Prepared:
    """Subset (seeded by `rng`), tokenise, prune the vocabulary to the training pieces, remap to student ids."""
    if cfg.max_train_rows and cfg.max_train_rows < len(train):
        train = train.subset(np.sort(rng.choice(len(train), cfg.max_train_rows, replace=False)))
    tokenizer = load_tokenizer(tokenizer_file)
    sp = teacher_specials(tokenizer)
    ml = student_cfg.max_length
    tr = encode_split(tokenizer, train.texts, train.text_pairs, ml, sp.pad_id, sp.unk_id, progress=progress)
    dv = encode_split(tokenizer, dev.texts, dev.text_pairs, ml, sp.pad_id, sp.unk_id)
    flats = lambda e: [r.flat for r in (e.a, e.b) if r is not None]  # noqa: E731
    vocab = build_vocab(flats(tr), tokenizer.get_vocab_size(), sp, min_count=cfg.min_count)
    vocab_info = {"size": vocab.size, "teacher_vocab_size": vocab.teacher_vocab_size,
                  "dev_coverage": vocab.coverage(flats(dv)), "train_token_count": int(sum(f.size for f in flats(tr))),
                  "train_store_bytes": int(sum(r.nbytes for r in (tr.a, tr.b) if r is not None))}
    student_cfg = replace(student_cfg, vocab_size=vocab.size, teacher_vocab_size=vocab.teacher_vocab_size)
    return Prepared(train, to_student_ids(tr, vocab), to_student_ids(dv, vocab), vocab, tokenizer, student_cfg,
                    vocab_info)


def init_embeddings(cfg: DistillConfig, vocab: Vocab, dim: int, tokenizer, table: np.ndarray | None) -> tuple[np.ndarray, dict]:
    """(V, E) initial table and a note on where it came from."""
    rand = emb.random_embeddings(vocab.size, dim, cfg.embed_std, seed=cfg.seed)
    if cfg.embed_init == "random":
        return rand, {"init": "random"}
    if cfg.embed_init == "teacher":
        if table is None:
            raise ValueError("embed_init='teacher' needs the teacher's embedding table (pass --teacher, or "
                             "--embed-init random)")
        how = "as-is" if table.shape[1] == dim else f"pca {table.shape[1]}->{dim}"
        return emb.from_teacher(vocab, table, dim, cfg.embed_std, seed=cfg.seed), {"init": "teacher", "projection": how}
    base = emb.from_teacher(vocab, table, dim, cfg.embed_std, cfg.seed) if table is not None else rand
    out, hit = emb.from_word_vectors(vocab, tokenizer, cfg.embed_init, dim, base, cfg.embed_std, cfg.seed)
    return out, {"init": "word_vectors", "file": str(cfg.embed_init), "hit_rate": hit}
