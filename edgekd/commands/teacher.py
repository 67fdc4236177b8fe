"""`edgekd teacher`: evaluate a fine-tuned teacher, or fine-tune one (HF id, local folder, or the built-in MiniLM)."""
from __future__ import annotations

from pathlib import Path

import click

from ..teacher.config import TEACHER
from .common import data_options, friendly_errors


@click.command("teacher")
@data_options
@click.option("--teacher", "teacher_id", default=None,
              help="Hugging Face id or local folder; default: the packaged all-MiniLM-L6-v2.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the fine-tuned teacher (HF format) and eval.json.")
@click.option("--epochs", type=float, default=1.0, show_default=True)
@click.option("--lr", type=float, default=5e-5, show_default=True)
@click.option("--batch-size", type=int, default=32, show_default=True)
@click.option("--max-length", type=int, default=TEACHER.max_length, show_default=True)
@click.option("--max-train-examples", type=int, default=None, help="Train on a random subset of this size.")
@click.option("--time-budget", type=float, default=None, help="Stop after this many minutes (best checkpoint kept).")
@click.option("--eval-every", type=int, default=500, show_default=True, help="Steps between dev evaluations.")
@click.option("--bf16/--no-bf16", default=True, show_default=True, help="bf16 autocast where the hardware has it.")
@click.option("--threads", type=int, default=None, help="torch threads (default: all cores).")
@click.option("--device", default=None, help="cpu or cuda (default: cuda when present).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--force-finetune", is_flag=True, help="Fine-tune even if the teacher already has a task head.")
@click.option("--freeze-word-embeddings", is_flag=True,
              help="Keep the word-embedding table fixed (the quick preset's choice: 174 vs 188 ms backward per step on 1 thread, benchmarks/teacher_step.py; "
                   "SST-2 dev 89.7-90.0 in three frozen runs vs 89.7 fully fine-tuned).")
@friendly_errors
def teacher(data, teacher_id, out, epochs, lr, batch_size, max_length, max_train_examples, time_budget, eval_every,
            bf16, threads, device, seed, force_finetune, freeze_word_embeddings):
    """Fine-tune (or just evaluate) a teacher and write OUT/eval.json with its dev metric."""
    from ..teacher.config import FinetuneConfig
    from ..teacher.stage import run_teacher

    cfg = FinetuneConfig(lr=lr, batch_size=batch_size, epochs=epochs, max_length=max_length,
                         max_train_examples=max_train_examples, time_budget_min=time_budget,
                         eval_every=eval_every, bf16=bf16, seed=seed,
                         freeze_word_embeddings=freeze_word_embeddings)
    t, rec = run_teacher(data, out, teacher=teacher_id, cfg=cfg, device=device, force_finetune=force_finetune,
                         threads=threads)
    best = rec["best"]
    click.echo(f"teacher {t.name}: dev {t.metric}={best[t.metric]:.4f} accuracy={best['accuracy']:.4f} "
               f"({'fine-tuned' if rec.get('fine_tuned') else 'evaluated'}; saved to {out})")
