"""`edgekd distill`: train the BiLSTM student on teacher logits (transfer set or original rows) or, with
--no-distill, on gold labels only (the baseline that measures the distillation gain)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..inputs import load_data
from .common import data_options, friendly_errors


@click.command("distill")
@data_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Student checkpoint folder (config.json, model.safetensors, tokenizer.json, metrics.json).")
@click.option("--teacher", "teacher_id", default=None,
              help="Teacher folder or HF id: its tokenizer and embedding table (default: the built-in MiniLM).")
@click.option("--transfer", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Transfer set JSONL from `edgekd augment` (needs --logits for the same rows).")
@click.option("--logits", "logits_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Teacher logits cache (logits.npy + cache.json) for the transfer rows, or for the original "
                   "training rows when no --transfer is given.")
@click.option("--originals-only", is_flag=True, help="Use only the un-augmented rows of the transfer set.")
@click.option("--no-distill", is_flag=True, help="Baseline: train on the gold labels of the original training data.")
@click.option("--loss", default="mse", show_default=True, help="mse | kl (ce is implied by --no-distill).")
@click.option("--alpha", type=float, default=0.0, show_default=True, help="Weight of hard-label cross-entropy.")
@click.option("--temperature", type=float, default=1.0, show_default=True, help="Temperature of the kl loss.")
@click.option("--optimizer", type=click.Choice(["adam", "adadelta"]), default="adam", show_default=True,
              help="adam (lr 1e-3) or the paper's adadelta (lr 1.0, rho 0.95).")
@click.option("--lr", type=float, default=None, help="Learning rate (default 1.0 for adadelta, 1e-3 for adam).")
@click.option("--lr-schedule", type=click.Choice(["constant", "linear"]), default="constant", show_default=True,
              help="linear: decay the learning rate to 0 over --epochs (the quick preset's choice).")
@click.option("--batch-size", type=int, default=50, show_default=True)
@click.option("--epochs", type=int, default=10, show_default=True)
@click.option("--patience", type=int, default=2, show_default=True, help="Evaluations without gain before stopping.")
@click.option("--eval-every", type=int, default=0, show_default=True, help="Steps between dev evaluations (0: per epoch).")
@click.option("--max-train-rows", type=int, default=None, help="Train on a random subset of this many rows.")
@click.option("--time-budget", type=float, default=None, help="Stop after this many minutes (best checkpoint kept).")
@click.option("--embed-dim", type=int, default=128, show_default=True)
@click.option("--hidden-size", type=int, default=None, help="LSTM size per direction (default 150, pairs 300).")
@click.option("--mlp-size", type=int, default=None, help="ReLU layer size (default 200, pairs 400).")
@click.option("--dropout", type=float, default=0.1, show_default=True)
@click.option("--max-length", type=int, default=64, show_default=True, help="Word pieces per sentence.")
@click.option("--embed-init", default="teacher", show_default=True,
              help="teacher (PCA of the teacher's table) | random | PATH to a word2vec/GloVe text file.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--threads", type=int, default=None, help="torch threads (default: all cores).")
@click.option("--teacher-dev/--no-teacher-dev", default=True, show_default=True,
              help="Also score the teacher on dev (needs a teacher with a task head) for the agreement column.")
@click.option("--progress/--no-progress", default=True, show_default=True)
@friendly_errors
def distill(task, data_dir, train_file, dev_file, text_col, text_pair_col, label_col, labels, metric, skip_bad, hf,
            out, teacher_id, transfer, logits_dir, originals_only, no_distill, loss, alpha, temperature, optimizer,
            lr, lr_schedule, batch_size, epochs, patience, eval_every, max_train_rows, time_budget, embed_dim,
            hidden_size, mlp_size, dropout, max_length, embed_init, seed, threads, teacher_dev, progress):
    """Train a student; OUT/metrics.json records the dev metric, history, speed and parameter counts."""
    from ..distill.config import DistillConfig
    from ..student.data import TrainRows, read_logits, read_transfer
    from ..student_stage import student_config, summary_line, train_student
    from ..tasks import DataError

    if no_distill and (transfer or logits_dir):
        raise DataError("--no-distill trains on gold labels only; drop --transfer/--logits")
    if not no_distill and logits_dir is None:
        raise DataError("distillation needs teacher logits: pass --logits DIR (from `edgekd label`), "
                        "or --no-distill for the gold-label baseline")
    t, train, dev = load_data(task, data_dir, train_file, dev_file, text_col, text_pair_col, label_col, labels,
                              metric, skip_bad, hf, need_train=transfer is None)
    provenance: dict = {}
    rows = read_transfer(transfer, t.pair) if transfer is not None else TrainRows.from_dataset(train)
    if logits_dir is not None:
        rows = rows.with_logits(read_logits(logits_dir, transfer), source=rows.source)
        cache_json = Path(logits_dir) / "cache.json"
        provenance["logits_cache"] = {"dir": str(logits_dir), "cache": json.loads(cache_json.read_text())}
    if originals_only:
        rows = rows.originals()
    scfg = student_config(t, embed_dim, hidden_size, mlp_size, dropout, max_length)
    cfg = DistillConfig(loss="ce" if no_distill else loss, alpha=alpha, temperature=temperature, optimizer=optimizer,
                        lr=lr, lr_schedule=lr_schedule, batch_size=batch_size, epochs=epochs, patience=patience,
                        eval_every=eval_every, max_train_rows=max_train_rows, time_budget_min=time_budget,
                        embed_init=embed_init, seed=seed)
    rec = train_student(t, rows, dev, out, teacher=teacher_id, cfg=cfg, scfg=scfg, teacher_dev=teacher_dev,
                        threads=threads, progress=progress, provenance=provenance,
                        log=lambda m: click.echo(m, err=True))
    click.echo(summary_line(t, rec) + f"; saved to {out}")
