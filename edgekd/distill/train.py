"""`distill(cfg, student_cfg, train, dev, out_dir, ...)`: prepare the data, build the student through its family,
train, and keep the best dev checkpoint on disk (saved atomically). `edgekd distill` and `edgekd build` call it.

Dev is scored with the task metric after each epoch (or every `eval_every` steps); early stopping and the time
budget end training, and metrics.json records the history, speed, vocabulary and parameter counts.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from edgekd_contract.checkpoint import METRICS_FILE, StudentConfig
from edgekd_contract.fsutil import write_json_atomic

from ..losses import NEEDS_TEACHER
from ..metrics import score
from ..student.checkpoint import load_checkpoint, save_checkpoint
from ..student.data import TrainRows
from ..student.registry import family
from ..student.vocab import write_clean_tokenizer
from ..tasks import DataError, Dataset
from .config import DistillConfig
from .loop import LoopState, predict_logits, train_loop
from .prepare import Prepared, check_inputs, init_embeddings, prepare_data
from .pretrained import PRETRAIN_TASK, init_from_pretrained


def distill(cfg: DistillConfig, student_cfg: StudentConfig, train: TrainRows, dev: Dataset, out_dir: str | Path, *,
            tokenizer_file: str | Path, metric: str = "accuracy", embedding_table: np.ndarray | None = None,
            dev_teacher_logits: np.ndarray | None = None, provenance: dict | None = None,
            threads: int | None = None, progress: bool = True,
            student_init: Callable[[Any, Prepared], dict] | None = None) -> dict[str, Any]:
    """Train a student and write its best checkpoint to `out_dir`; return the metrics (also in metrics.json).

    train: rows with gold labels (-1 = none) and, for the distillation losses, teacher logits (N, C) (and, for
    cfg.repr_weight > 0, the teacher's representations (N, D)).
    student_cfg: shape of the student; vocab_size/teacher_vocab_size are filled in from the pruned vocabulary.
    embedding_table: the teacher's (Vt, Dt) input embeddings, for embed_init="teacher".
    student_init: (model, prepared data) -> note; runs after the embedding init and before the logit loop (the
        transformer family's teacher-layer init and layer-wise stage, `edgekd.distill.tinybert`).
    """
    t_start = time.perf_counter()
    torch.set_num_threads(threads or os.cpu_count() or 1)
    check_inputs(cfg, student_cfg, train, dev)
    rng = np.random.default_rng(cfg.seed)
    prep = prepare_data(cfg, student_cfg, train, dev, tokenizer_file, rng, progress)
    torch.manual_seed(cfg.seed)
    det_before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    fam = family(prep.student_cfg.kind)
    model = fam.build(prep.student_cfg)
    table, embed_info = init_embeddings(cfg, prep.vocab, prep.student_cfg.embed_dim, prep.tokenizer, embedding_table)
    fam.init_embeddings(model, table)
    if cfg.freeze_embeddings:
        fam.word_embeddings(model).requires_grad_(False)
    if cfg.init_from:
        init_info = init_from_checkpoint(model, prep, cfg.init_from)
    else:
        init_info = student_init(model, prep) if student_init is not None else None
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tok_path = write_clean_tokenizer(prep.tokenizer, out.parent)
    try:
        record = _record(cfg, prep, dev, metric, fam.param_counts(model), embed_info, provenance)
        if init_info is not None:
            record["student_init"] = init_info
        if dev_teacher_logits is not None:
            record["teacher_dev"] = score(metric, dev.labels, dev_teacher_logits.argmax(-1))
        keeper = BestCheckpoint(out, model, prep, tok_path, record, dev, metric, dev_teacher_logits, cfg.patience,
                                t_start)
        deadline = None if cfg.time_budget_min is None else t_start + 60.0 * cfg.time_budget_min
        logits = None if prep.train.logits is None else torch.from_numpy(
            np.ascontiguousarray(prep.train.logits, dtype=np.float32))
        labels = torch.from_numpy(np.asarray(prep.train.labels, dtype=np.int64))
        record["stopped"], state = train_loop(model, prep.tr, logits, labels, cfg, rng, keeper, deadline=deadline,
                                              progress=progress, reps=prep.train.reps if cfg.repr_weight else None)
        final = _finish(record, state, t_start)
        write_json_atomic(out / METRICS_FILE, final)
        return final
    finally:
        torch.use_deterministic_algorithms(det_before)
        shutil.rmtree(tok_path.parent, ignore_errors=True)


def init_from_checkpoint(model, prep: Prepared, checkpoint_dir: str | Path) -> dict:
    """Start `model` from a checkpoint: a pre-distilled encoder (`edgekd pretrain-student`, task "pretrain") has
    its encoder copied (`init_from_pretrained`); any other checkpoint must be a student of the same
    kind over the same vocabulary, and is loaded whole (training continues)."""
    if StudentConfig.read(checkpoint_dir).task == PRETRAIN_TASK:
        if not hasattr(model, "encoder"):
            raise DataError(f"{checkpoint_dir}: a pre-distilled BiLSTM encoder cannot start a {model.cfg.kind} student")
        try:
            return {"init": "pretrained_encoder", **init_from_pretrained(model, prep.vocab, checkpoint_dir)}
        except ValueError as e:
            raise DataError(str(e)) from None
    cfg, old, vocab_map = load_checkpoint(checkpoint_dir)
    if cfg.kind != model.cfg.kind or not np.array_equal(vocab_map, prep.vocab.vocab_map):
        raise DataError(f"{checkpoint_dir}: a {cfg.kind} student over another vocabulary than this run's "
                        f"{model.cfg.kind} (--init-from needs the same kind and the same training rows)")
    family(cfg.kind).load_flat_state_dict(model, family(cfg.kind).flat_state_dict(old))
    return {"init": "checkpoint", "checkpoint": str(checkpoint_dir)}


class BestCheckpoint:
    """The evaluate/checkpoint callback of `train_loop`: score dev, save the best checkpoint, stop on patience."""

    def __init__(self, out: Path, model, prep: Prepared, tok_path: Path, record: dict, dev: Dataset, metric: str,
                 dev_teacher_logits: np.ndarray | None, patience: int, t_start: float) -> None:
        self.out, self.model, self.prep, self.tok_path, self.record = out, model, prep, tok_path, record
        self.dev, self.metric, self.teacher, self.patience, self.t_start = dev, metric, dev_teacher_logits, patience, t_start
        self.best, self.bad = -np.inf, 0

    def __call__(self, epoch: float, train_loss: float, state: LoopState) -> bool:
        """Score dev, save if best; True when early stopping says stop."""
        dev_logits = predict_logits(self.model, self.prep.dv)
        self.model.train()
        res = {**score(self.metric, self.dev.labels, dev_logits.argmax(-1)), "epoch": round(epoch, 3),
               "step": state.step, "train_loss": train_loss, "seconds": round(time.perf_counter() - self.t_start, 1)}
        if self.teacher is not None:
            res["teacher_agreement"] = float((dev_logits.argmax(-1) == self.teacher.argmax(-1)).mean())
        self.record["history"].append(res)
        if res[self.metric] > self.best:
            self.best, self.bad = res[self.metric], 0
            self.record.update(best_epoch=res["epoch"], best_step=state.step, dev=res)
            save_checkpoint(self.out, self.prep.student_cfg, self.model, self.prep.vocab.vocab_map, self.tok_path,
                            _finish(self.record, state, self.t_start), dev_predictions=dev_logits.argmax(-1))
        else:
            self.bad += 1
        return self.patience > 0 and self.bad >= self.patience


def _record(cfg: DistillConfig, prep: Prepared, dev: Dataset, metric: str, params: dict[str, int], embed_info: dict,
            provenance: dict | None) -> dict[str, Any]:
    return {"task": prep.student_cfg.task, "metric": metric,
            "mode": "distill" if cfg.loss in NEEDS_TEACHER else "no-distill",
            "distill_config": cfg.to_dict(), "student_config": prep.student_cfg.to_dict(), "params": params,
            "vocab": prep.vocab_info, "embeddings": embed_info, "train_rows": len(prep.train), "dev_rows": len(dev),
            "train_source": prep.train.source, "dev_source": dev.source, "threads": torch.get_num_threads(),
            "provenance": provenance or {}, "history": []}


def _finish(record: dict, state: LoopState, t_start: float) -> dict:
    return {**record, "train_examples_seen": state.seen, "train_seconds": round(state.train_secs, 2),
            "examples_per_s": round(state.seen / state.train_secs, 1) if state.train_secs else 0.0,
            "wall_s": round(time.perf_counter() - t_start, 2),
            **({"schedule": state.plan.record()} if state.plan is not None else {})}
