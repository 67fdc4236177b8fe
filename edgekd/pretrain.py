"""Task-agnostic pre-distillation (Wu et al. 2020): train the BiLSTM encoder to approximate the teacher's sentence
representation on unlabeled text, once, then start task students from it (`edgekd distill|build --init-from`).

    corpus    every sentence of the given files (plain lines or JSONL {text} / {text, text_pair}) and of the
              training splits of the named GLUE tasks (text only: the loader parses their labels, nothing uses them), deduplicated
              and streamed into one JSONL
    label     the teacher's last-layer [CLS] state for each sentence, in a resumable representation cache
    train     the student encoder + a learned projection, MSE to that state, no labels, no task head
    init      `init_from_pretrained`: copy the encoder (LSTM weights, and the embedding rows of every word piece
              both vocabularies hold) into a freshly built task student of the same shape
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from edgekd_contract.checkpoint import StudentConfig

from .distill.pretrained import PRETRAIN_TASK, init_from_pretrained
from .student_stage import StudentShape
from .tasks import DataError

__all__ = ["PRETRAIN_TASK", "PretrainConfig", "corpus_texts", "encoder_config", "init_from_pretrained",
           "pretrain_encoder", "run_pretrain", "write_corpus"]


@dataclass(frozen=True)
class PretrainConfig:
    """The encoder's training, and its shape as the `StudentShape` every student is described by (task students
    must have the same embed_dim and hidden_size to start from it; its head sizes are placeholders)."""

    shape: StudentShape = StudentShape(hidden_size=150)
    epochs: int = 3
    batch_size: int = 50
    lr: float = 1e-3
    max_rows: int | None = None        # a seeded subset of the corpus
    seed: int = 0

    def __post_init__(self) -> None:
        if self.shape.hidden_size is None:
            raise ValueError("the pre-distilled encoder needs an explicit hidden_size (its task students must match)")

    def to_dict(self) -> dict:
        return asdict(self)


def corpus_texts(files: Iterable[str | Path], glue_tasks: Iterable[str] = (), data_dir: str | None = None
                 ) -> Iterator[str]:
    """Every sentence of `files` and of the GLUE tasks' training text (both sides of a pair), in order."""
    from .augment.unlabeled import iter_unlabeled
    from .tasks import load_split

    for f in files:
        for _, texts in iter_unlabeled(f, pair=_has_pairs(f)):
            yield from texts
    for name in glue_tasks:
        ds = load_split(name, "train", data_dir)
        yield from ds.texts
        yield from ds.text_pairs or ()


def _has_pairs(path: str | Path) -> bool:
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.strip():
                try:
                    first = json.loads(line)
                except json.JSONDecodeError:
                    return False
                return isinstance(first, dict) and "text_pair" in first
    return False


def write_corpus(texts: Iterable[str], out: str | Path) -> dict:
    """Stream unique non-blank sentences (whitespace-normalised) into a JSONL {"text"}; counts. Memory: 8 bytes a
    unique sentence for the dedup hashes."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    seen: set[bytes] = set()
    counts = {"read": 0, "blank": 0, "duplicate": 0, "written": 0}
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as w:
        for t in texts:
            counts["read"] += 1
            s = " ".join(t.split())
            h = hashlib.blake2b(s.encode(), digest_size=8).digest()
            if not s or h in seen:
                counts["blank" if not s else "duplicate"] += 1
                continue
            seen.add(h)
            w.write(json.dumps({"text": s, "label": -1, "aug": "corpus"}, ensure_ascii=False) + "\n")
            counts["written"] += 1
    if not counts["written"]:
        raise DataError("the pre-training corpus is empty: pass --corpus FILE or --glue TASKS")
    tmp.replace(out)
    return counts


def encoder_config(cfg: PretrainConfig) -> StudentConfig:
    """A single-sentence BiLSTM of the pre-training shape; its two labels and ReLU layer are placeholders."""
    s = cfg.shape
    return StudentConfig(kind="bilstm", task=PRETRAIN_TASK, labels=("_0", "_1"), embed_dim=s.embed_dim,
                         hidden_size=s.hidden_size, mlp_size=1, max_length=s.max_length)


def pretrain_encoder(cfg: PretrainConfig, texts: tuple[str, ...], reps: np.ndarray, out_dir: str | Path, *,
                     tokenizer_file: str | Path, embedding_table: np.ndarray, threads: int | None = None,
                     progress: bool = True, log=print) -> dict:
    """Train the encoder on (texts, teacher representations) and save it as a student checkpoint in `out_dir`.
    2% of the rows (at least 1, at most 2,000) are held out to report the representation MSE after each epoch."""
    import torch

    from .distill.config import DistillConfig
    from .distill.loop import StudentLoss, train_loop
    from .student import embeddings as emb
    from .student.checkpoint import save_checkpoint
    from .student.registry import build_student
    from .student.vocab import write_clean_tokenizer

    t0 = time.perf_counter()
    torch.set_num_threads(threads or os.cpu_count() or 1)
    rng = np.random.default_rng(cfg.seed)
    idx, held, train_idx = _split_rows(cfg, len(texts), rng)
    tok, vocab, (tr, ho) = _encode_rows(cfg, texts, idx, (train_idx, held), tokenizer_file, progress)
    scfg = replace(encoder_config(cfg), vocab_size=vocab.size, teacher_vocab_size=vocab.teacher_vocab_size)
    torch.manual_seed(cfg.seed)
    model = build_student(scfg)
    with torch.no_grad():
        model.embedding.weight.copy_(torch.from_numpy(emb.from_teacher(vocab, embedding_table, cfg.shape.embed_dim,
                                                                       seed=cfg.seed)))
    dcfg = DistillConfig(loss="none", repr_weight=1.0, optimizer="adam", lr=cfg.lr, batch_size=cfg.batch_size,
                         epochs=cfg.epochs, patience=0, lr_schedule="linear", max_grad_norm=5.0, seed=cfg.seed)
    loss = StudentLoss(model, dcfg, reps[train_idx])
    history: list[dict] = []

    def on_eval(epoch: float, train_loss: float, state) -> bool:
        history.append({"epoch": round(epoch, 3), "train_loss": train_loss,
                        "heldout_repr_mse": heldout_mse(model, loss, ho, reps[held]),
                        "seconds": round(time.perf_counter() - t0, 1)})
        log(f"pretrain: epoch {epoch:.2f} train {train_loss:.4f} held-out representation MSE "
            f"{history[-1]['heldout_repr_mse']:.4f}")
        model.train()
        return False

    labels = torch.full((len(tr),), -1, dtype=torch.int64)
    train_loop(model, tr, None, labels, dcfg, rng, on_eval, progress=progress, loss_of=loss)
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tok_path = write_clean_tokenizer(tok, out.parent)
    record = {"mode": "pretrain", "pretrain_config": cfg.to_dict(), "rows": int(len(idx)),
              "train_rows": int(len(train_idx)), "heldout_rows": int(len(held)), "vocab_size": vocab.size,
              "history": history, "wall_s": round(time.perf_counter() - t0, 1)}
    try:
        save_checkpoint(out, scfg, model, vocab.vocab_map, tok_path, record)
    finally:
        shutil.rmtree(tok_path.parent, ignore_errors=True)
    return record


def _split_rows(cfg: PretrainConfig, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the rows used: all n, or a seeded subset of cfg.max_rows; the held-out rows among them; the others)."""
    idx = np.arange(n) if not cfg.max_rows or cfg.max_rows >= n else np.sort(rng.choice(n, cfg.max_rows, replace=False))
    held = rng.permutation(idx)[:max(1, min(2000, len(idx) // 50))]
    return idx, held, np.setdiff1d(idx, held)


def _encode_rows(cfg: PretrainConfig, texts: tuple[str, ...], idx: np.ndarray, parts, tokenizer_file: str | Path,
                 progress: bool):
    """Tokenize rows `idx` of `texts` and build the student vocabulary over them: (tokenizer, vocab, the rows of
    each of `parts` (subsets of idx) in student ids)."""
    from .distill.prepare import encode_split, to_student_ids
    from .student.vocab import build_vocab, load_tokenizer, teacher_specials

    tok = load_tokenizer(tokenizer_file)
    sp = teacher_specials(tok)
    enc = encode_split(tok, [texts[i] for i in idx], None, cfg.shape.max_length, sp.pad_id, sp.unk_id,
                       progress=progress)
    vocab = build_vocab([enc.a.flat], tok.get_vocab_size(), sp)
    enc = to_student_ids(enc, vocab)
    return tok, vocab, [replace(enc, a=enc.a.take(np.searchsorted(idx, s))) for s in parts]


def heldout_mse(model, loss, enc, reps: np.ndarray) -> float:
    """Mean representation MSE of the projected encoder state on held-out rows (eval mode, no gradients)."""
    import torch

    model.eval()
    with torch.no_grad():
        order = np.argsort(enc.lengths(), kind="stable")
        total = 0.0
        for s in range(0, len(order), 256):
            i = order[s:s + 256]
            proj = loss.proj(model.features(*enc.batch(i)))
            total += float(((proj - torch.from_numpy(np.asarray(reps[i], np.float32))) ** 2).mean()) * len(i)
    return total / max(1, len(order))


def zero_head(model) -> None:
    """Zero every parameter outside the encoder. The head is never used here (only the [CLS] state is), but a
    teacher without a 2-label head gets a fresh random one, which would change the weights hash (the
    representation cache's key) on every run, so a rerun could never reuse its cache."""
    import torch

    prefix = model.base_model_prefix + "."
    with torch.no_grad():
        for name, p in model.named_parameters():
            if not name.startswith(prefix):
                p.zero_()


def run_pretrain(out: str | Path, *, corpus: Iterable[str | Path] = (), glue: Iterable[str] = (),
                 data_dir: str | None = None, teacher: str | None = None, cfg: PretrainConfig = PretrainConfig(),
                 bf16: bool = True, threads: int | None = None, progress: bool = True, log=print) -> dict:
    """`edgekd pretrain-student`: corpus -> OUT/corpus.jsonl, teacher representations -> OUT/label (resumable),
    encoder -> OUT/student. A rerun reuses the representation cache when corpus and teacher are unchanged."""
    import torch

    from .label.run import label_transfer_set
    from .label.store import load_representations
    from .student.embeddings import teacher_dir_files, teacher_embedding_table
    from .teacher.model import load_teacher

    out = Path(out)
    if threads:
        torch.set_num_threads(threads)
    counts = write_corpus(corpus_texts(corpus, glue, data_dir), out / "corpus.jsonl")
    log(f"pretrain: corpus {counts['written']:,} sentences ({counts['read']:,} read, {counts['duplicate']:,} "
        f"duplicates and {counts['blank']:,} blank dropped)")
    t = load_teacher(teacher, 2, device="cpu")
    zero_head(t.model)
    cache = label_transfer_set(out / "corpus.jsonl", t, out / "label", bf16=bf16, progress=progress,
                               representation=True)
    texts = tuple(json.loads(line)["text"] for line in open(out / "corpus.jsonl", encoding="utf-8"))
    tdir = teacher_dir_files(teacher)
    rec = pretrain_encoder(cfg, texts, load_representations(cache.path), out / "student",
                           tokenizer_file=tdir / "tokenizer.json", embedding_table=teacher_embedding_table(tdir),
                           threads=threads, progress=progress, log=log)
    rec.update(corpus=counts, sources={"files": [str(f) for f in corpus], "glue": list(glue)}, teacher=str(tdir),
               label_stats=cache.header.get("stats"))
    (out / "student" / "metrics.json").write_text(json.dumps(rec, indent=2) + "\n")
    return rec
