"""`edgekd distill`: train a student (the BiLSTM, or another --student family) on teacher logits (transfer set or original rows) or, with
--no-distill, on gold labels only (the baseline that measures the distillation gain)."""
from __future__ import annotations

from pathlib import Path

import click

from ..distill.config import LR_SCHEDULES, OPTIMIZERS, DistillConfig, LayerwiseConfig
from ..student.registry import NAMES as STUDENT_FAMILIES
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
@click.option("--loss", type=click.Choice(("mse", "kl", "hard_soft")), default="mse", show_default=True,
              help="mse: MSE on logits; kl: KL at --temperature; hard_soft: --alpha x CE on the teacher's argmax "
                   "+ (1 - alpha) x MSE on logits (XtremeDistil). ce is implied by --no-distill.")
@click.option("--alpha", type=float, default=None,
              help="Weight of hard-label cross-entropy (default 0; 0.5 for --loss hard_soft).")
@click.option("--temperature", type=float, default=1.0, show_default=True, help="Temperature of the kl loss.")
@click.option("--repr-weight", type=float, default=0.0, show_default=True,
              help="Add this weight x MSE between a learned projection of the student's pooled state and the "
                   "teacher's sentence representation (needs --logits from `edgekd label --representations`).")
@click.option("--optimizer", type=click.Choice(sorted(OPTIMIZERS, key=lambda o: o != DistillConfig.optimizer)),
              default=DistillConfig.optimizer, show_default=True,
              help="adam (lr 1e-3) or the paper's adadelta (lr 1.0, rho 0.95).")
@click.option("--lr", type=float, default=None, help="Learning rate (default 1.0 for adadelta, 1e-3 for adam).")
@click.option("--lr-schedule", type=click.Choice(LR_SCHEDULES), default="constant", show_default=True,
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
@click.option("--student", "family", type=click.Choice(STUDENT_FAMILIES), default=STUDENT_FAMILIES[0],
              show_default=True, help="Student family (docs/students.md). static: the teacher's table, mean+max "
                                      "pooled, then the ReLU layer (--embed-dim; default: the teacher's width, "
                                      "no PCA). transformer: TinyBERT-style (BERT layers; --embed-dim is its width, default "
                                      "384; --mlp-size its FFN, default 4x width).")
@click.option("--layers", type=int, default=3, show_default=True, help="Transformer layers.")
@click.option("--heads", type=int, default=12, show_default=True, help="Transformer attention heads.")
@click.option("--layerwise-rows", type=int, default=20_000, show_default=True,
              help="Transformer: transfer rows of the layer-wise stage (embedding/attention/hidden MSE; 0 skips it).")
@click.option("--layerwise-init", type=click.Choice(("teacher", "random")), default="teacher", show_default=True,
              help="Transformer: start from the teacher's mapped layers (needs its width) or at random.")
@click.option("--freeze-embeddings", is_flag=True,
              help="Keep the word-piece table as initialised (no gradient, no optimizer state: faster steps).")
@click.option("--init-from", type=click.Path(file_okay=False, exists=True), default=None,
              help="Start from a checkpoint: a pre-distilled encoder from `edgekd pretrain-student` (its encoder is "
                   "copied; same --embed-dim/--hidden-size), or a student of the same kind trained on the same rows "
                   "(continued as a whole; skips the transformer's teacher init and layer-wise stage).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--threads", type=int, default=None, help="torch threads (default: all cores).")
@click.option("--teacher-dev/--no-teacher-dev", default=True, show_default=True,
              help="Also score the teacher on dev (needs a teacher with a task head) for the agreement column.")
@click.option("--progress/--no-progress", default=True, show_default=True)
@friendly_errors
def distill(data, out, teacher_id, transfer, logits_dir, originals_only, no_distill, loss, alpha, temperature,
            repr_weight, optimizer, lr, lr_schedule, batch_size, epochs, patience, eval_every, max_train_rows,
            time_budget, embed_dim, hidden_size, mlp_size, dropout, max_length, embed_init, family, layers, heads,
            layerwise_rows, layerwise_init, freeze_embeddings, init_from, seed, threads, teacher_dev, progress):
    """Train a student; OUT/metrics.json records the dev metric, history, speed and parameter counts."""
    from ..student_stage import StudentShape, run_distill, summary_line

    if alpha is None:
        alpha = 0.5 if loss == "hard_soft" and not no_distill else 0.0
    if no_distill and repr_weight:
        raise click.UsageError("--repr-weight distils the teacher's representation; it cannot go with --no-distill")
    if lr is None:
        from ..student.registry import hook

        lr = hook(family, "default_lr")(optimizer)   # e.g. the transformer's 1e-4 with Adam (None: the optimizer's)
    cfg = DistillConfig(loss="ce" if no_distill else loss, alpha=alpha, temperature=temperature,
                        repr_weight=repr_weight, optimizer=optimizer,
                        lr=lr, lr_schedule=lr_schedule, batch_size=batch_size, epochs=epochs, patience=patience,
                        eval_every=eval_every, max_train_rows=max_train_rows, time_budget_min=time_budget,
                        embed_init=embed_init, freeze_embeddings=freeze_embeddings,
                        init_from=str(init_from) if init_from else None, seed=seed)
    shape = StudentShape(embed_dim, hidden_size, mlp_size, dropout, max_length, family=family, num_layers=layers,
                         num_heads=heads)
    lcfg = LayerwiseConfig(init=layerwise_init, rows=layerwise_rows, seed=seed)
    t, rec = run_distill(data, out, teacher=teacher_id, cfg=cfg, shape=shape, no_distill=no_distill, layerwise=lcfg,
                         transfer=transfer, logits_dir=logits_dir, originals_only=originals_only,
                         teacher_dev=teacher_dev, threads=threads, progress=progress,
                         log=lambda m: click.echo(m, err=True))
    click.echo(summary_line(t, rec) + f"; saved to {out}")
