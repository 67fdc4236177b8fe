"""The distillation loop: train a BiLSTM student on teacher logits (or gold labels), keep the best dev checkpoint.

`distill(cfg, student_cfg, train, dev, out_dir, ...)` is the one library entry; `edgekd distill` and
`edgekd build` call it. Rows are tokenized once (edgekd_runtime.encoding, so training ids == runtime ids),
pruned to the student vocabulary, batched by length, and evaluated on dev with the task metric after each
epoch (or every `eval_every` steps). Early stopping keeps the best checkpoint on disk (saved atomically).
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from edgekd_contract.checkpoint import METRICS_FILE, StudentConfig
from edgekd_contract.fsutil import write_json_atomic

from .batching import length_buckets
from .losses import NEEDS_TEACHER, get_loss
from .metrics import score
from .student import embeddings as emb
from .student.bilstm import build_student
from .student.checkpoint import save_checkpoint
from .student.data import Ragged, TrainRows, encode_ragged
from .student.vocab import Vocab, build_vocab, load_tokenizer, teacher_specials, write_clean_tokenizer
from .tasks import DataError, Dataset

OPTIMIZERS = {"adadelta": 1.0, "adam": 1e-3}   # name -> default learning rate
LR_SCHEDULES = ("constant", "linear")


@dataclass(frozen=True)
class DistillConfig:
    """Training settings. As Tang et al.: MSE on logits, alpha 0, batch 50. Their AdaDelta (lr 1.0, rho 0.95) is
    offered; the default is Adam lr 1e-3, which reached a better SST-2 dev score in equal wall time (87.5 vs 86.1
    after ~3.7 min, distilling on the 67k original rows; 85.9 vs 84.9 for the gold-label baseline).

    The truncation length is the student's `max_length` (one source of truth for training and runtime).
    """

    loss: str = "mse"                  # key of edgekd.losses.LOSSES; "ce" = gold labels only (--no-distill)
    alpha: float = 0.0                 # weight of hard-label CE in the mix
    temperature: float = 1.0           # for "kl"
    optimizer: str = "adam"            # "adam" | "adadelta"
    lr: float | None = None            # None: 1.0 for adadelta, 1e-3 for adam
    rho: float = 0.95                  # AdaDelta decay
    batch_size: int = 50
    epochs: int = 10
    patience: int = 2                  # evaluations without improvement before stopping; 0 = never stop early
    eval_every: int = 0                # steps between dev evaluations; 0 = after each epoch only
    max_grad_norm: float = 5.0
    lr_schedule: str = "constant"      # "constant" | "linear": decay to 0 over epochs x steps-per-epoch
    max_train_rows: int | None = None  # random (seeded) subset of the training rows
    time_budget_min: float | None = None
    embed_init: str = "teacher"        # "teacher" (PCA of its table) | "random" | path to a word2vec/GloVe text file
    embed_std: float = emb.DEFAULT_STD
    min_count: int = 1                 # a word piece must occur this often in training to get its own row
    seed: int = 0

    def __post_init__(self) -> None:
        get_loss(self.loss)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; known: {', '.join(OPTIMIZERS)}")
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"alpha must lie in [0, 1], got {self.alpha}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"unknown lr_schedule {self.lr_schedule!r}; known: {', '.join(LR_SCHEDULES)}")
        if self.batch_size < 1 or self.epochs < 1 or self.temperature <= 0:
            raise ValueError("batch_size and epochs must be >= 1 and temperature > 0")

    @property
    def learning_rate(self) -> float:
        return OPTIMIZERS[self.optimizer] if self.lr is None else self.lr

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "DistillConfig":
        return cls(**d)


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


@torch.no_grad()
def predict_logits(model, enc: Encoded, batch_size: int = 256) -> np.ndarray:
    """float32 (N, C) student logits in row order (batches sorted by length; the model left in eval mode)."""
    model.eval()
    order = np.argsort(enc.lengths(), kind="stable")
    out = np.zeros((len(enc), model.cfg.num_labels), dtype=np.float32)
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        out[idx] = model(*enc.batch(idx)).float().numpy()
    return out


def make_optimizer(cfg: DistillConfig, model) -> torch.optim.Optimizer:
    """AdaDelta (the paper's) or Adam; Adam uses the fused kernel where available (3-4x faster steps on CPU)."""
    params = list(model.parameters())
    if cfg.optimizer == "adadelta":
        return torch.optim.Adadelta(params, lr=cfg.learning_rate, rho=cfg.rho)
    try:
        return torch.optim.Adam(params, lr=cfg.learning_rate, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(params, lr=cfg.learning_rate)


def lr_factor(schedule: str, step: int, total_steps: int) -> float:
    """Multiplier of the base learning rate before optimizer step `step` (0-based): constant, or a linear
    decay that reaches 0 after `total_steps`. A pure function of the step, so runs stay reproducible."""
    if schedule == "constant":
        return 1.0
    return max(0.0, 1.0 - step / max(1, total_steps))


def param_counts(model) -> dict[str, int]:
    total = sum(p.numel() for p in model.parameters())
    embed = model.embedding.weight.numel()
    return {"total": int(total), "embedding": int(embed), "without_embeddings": int(total - embed)}


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


def distill(cfg: DistillConfig, student_cfg: StudentConfig, train: TrainRows, dev: Dataset, out_dir: str | Path, *,
            tokenizer_file: str | Path, metric: str = "accuracy", embedding_table: np.ndarray | None = None,
            dev_teacher_logits: np.ndarray | None = None, provenance: dict | None = None,
            threads: int | None = None, progress: bool = True) -> dict[str, Any]:
    """Train a student and write its best checkpoint to `out_dir`; return the metrics (also in metrics.json).

    train: rows with gold labels (-1 = none) and, for the distillation losses, teacher logits (N, C).
    student_cfg: shape of the student; vocab_size/teacher_vocab_size are filled in from the pruned vocabulary.
    embedding_table: the teacher's (Vt, Dt) input embeddings, for embed_init="teacher".
    """
    t_start = time.perf_counter()
    torch.set_num_threads(threads or os.cpu_count() or 1)
    if student_cfg.pair != (train.text_pairs is not None) or student_cfg.pair != (dev.text_pairs is not None):
        raise DataError(f"student kind {student_cfg.kind!r} does not match the data (pair task: {student_cfg.pair})")
    if cfg.loss in NEEDS_TEACHER and train.logits is None:
        raise DataError(f"loss {cfg.loss!r} needs teacher logits for the training rows (or use --no-distill)")
    if cfg.loss == "ce" and not (train.labels >= 0).any():
        raise DataError("the gold-label baseline needs training rows with labels")
    if train.logits is not None and train.logits.shape[1] != student_cfg.num_labels:
        raise DataError(f"teacher logits have {train.logits.shape[1]} classes, the task has {student_cfg.num_labels}")
    rng = np.random.default_rng(cfg.seed)
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
    tr, dv = to_student_ids(tr, vocab), to_student_ids(dv, vocab)
    student_cfg = replace(student_cfg, vocab_size=vocab.size, teacher_vocab_size=vocab.teacher_vocab_size)

    torch.manual_seed(cfg.seed)
    det_before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    model = build_student(student_cfg)
    table, embed_info = init_embeddings(cfg, vocab, student_cfg.embed_dim, tokenizer, embedding_table)
    with torch.no_grad():
        model.embedding.weight.copy_(torch.from_numpy(table))
    opt = make_optimizer(cfg, model)
    total_steps = cfg.epochs * -(-len(tr) // cfg.batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: lr_factor(cfg.lr_schedule, k, total_steps))
    loss_fn = get_loss(cfg.loss)
    logits = None if train.logits is None else torch.from_numpy(np.ascontiguousarray(train.logits, dtype=np.float32))
    labels = torch.from_numpy(np.asarray(train.labels, dtype=np.int64))

    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tok_path = write_clean_tokenizer(tokenizer, out.parent)
    record: dict[str, Any] = {
        "task": student_cfg.task, "metric": metric, "mode": "distill" if cfg.loss in NEEDS_TEACHER else "no-distill",
        "distill_config": cfg.to_dict(), "student_config": student_cfg.to_dict(), "params": param_counts(model),
        "vocab": vocab_info, "embeddings": embed_info, "train_rows": len(train), "dev_rows": len(dev),
        "train_source": train.source, "dev_source": dev.source, "threads": torch.get_num_threads(),
        "provenance": provenance or {}, "history": []}
    if dev_teacher_logits is not None:
        record["teacher_dev"] = score(metric, dev.labels, dev_teacher_logits.argmax(-1))
    best, bad, step, seen, train_secs, stop = -np.inf, 0, 0, 0, 0.0, False
    deadline = None if cfg.time_budget_min is None else t_start + 60.0 * cfg.time_budget_min

    def evaluate(epoch: float, train_loss: float) -> bool:
        """Score dev, save if best; True when early stopping says stop."""
        nonlocal best, bad
        dev_logits = predict_logits(model, dv)
        model.train()
        res = {**score(metric, dev.labels, dev_logits.argmax(-1)), "epoch": round(epoch, 3), "step": step,
               "train_loss": train_loss, "seconds": round(time.perf_counter() - t_start, 1)}
        if dev_teacher_logits is not None:
            res["teacher_agreement"] = float((dev_logits.argmax(-1) == dev_teacher_logits.argmax(-1)).mean())
        record["history"].append(res)
        if res[metric] > best:
            best, bad = res[metric], 0
            record.update(best_epoch=res["epoch"], best_step=step, dev=res)
            save_checkpoint(out, student_cfg, model, vocab.vocab_map, tok_path,
                            _finish(record, seen, train_secs, t_start), dev_predictions=dev_logits.argmax(-1))
        else:
            bad += 1
        return cfg.patience > 0 and bad >= cfg.patience

    try:
        model.train()
        for epoch in range(cfg.epochs):
            batches = length_buckets(tr.lengths(), cfg.batch_size, rng)
            bar = tqdm(batches, disable=not progress, desc=f"epoch {epoch + 1}/{cfg.epochs}", unit="batch",
                       dynamic_ncols=True, mininterval=1.0)
            ema, total, count = None, 0.0, 0
            for i, idx in enumerate(bar):
                t0 = time.perf_counter()
                idx_t = torch.from_numpy(idx)
                student = model(*tr.batch(idx))
                loss = loss_fn(student, None if logits is None else logits[idx_t], labels[idx_t],
                               alpha=cfg.alpha, temperature=cfg.temperature)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if cfg.max_grad_norm:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
                opt.step()
                sched.step()
                train_secs += time.perf_counter() - t0
                step, seen = step + 1, seen + len(idx)
                lv = loss.item()
                total, count = total + lv * len(idx), count + len(idx)
                ema = lv if ema is None else 0.98 * ema + 0.02 * lv
                if progress and i % 20 == 0:
                    bar.set_postfix(loss=f"{ema:.4f}", ex_s=f"{seen / max(train_secs, 1e-9):.0f}", refresh=False)
                out_of_time = deadline is not None and time.perf_counter() > deadline
                at_end = i == len(batches) - 1
                if (cfg.eval_every and step % cfg.eval_every == 0) or at_end or out_of_time:
                    stop = evaluate(epoch + (i + 1) / len(batches), total / max(count, 1)) or out_of_time
                    if stop:
                        record["stopped"] = "time budget" if out_of_time else "early stopping"
                        break
            bar.close()
            if stop:
                break
        record.setdefault("stopped", "epochs done")
        final = _finish(record, seen, train_secs, t_start)
        write_json_atomic(out / METRICS_FILE, final)
        return final
    finally:
        torch.use_deterministic_algorithms(det_before)
        shutil.rmtree(tok_path.parent, ignore_errors=True)


def _finish(record: dict, seen: int, train_secs: float, t_start: float) -> dict:
    return {**record, "train_examples_seen": seen, "train_seconds": round(train_secs, 2),
            "examples_per_s": round(seen / train_secs, 1) if train_secs else 0.0,
            "wall_s": round(time.perf_counter() - t_start, 2)}
