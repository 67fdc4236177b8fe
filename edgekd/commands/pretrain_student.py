"""`edgekd pretrain-student`: pre-distil a task-agnostic BiLSTM encoder from the teacher's sentence representation
on unlabeled text (Wu et al. 2020); task students start from it with `edgekd distill|build --init-from`."""
from __future__ import annotations

from pathlib import Path

import click

from .common import friendly_errors


@click.command("pretrain-student")
@click.option("--corpus", "corpus", multiple=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Unlabeled text: plain lines, or JSONL {text} / {text, text_pair} (both sides are used). "
                   "Repeatable.")
@click.option("--glue", default="", help="Also use the training TEXT of these GLUE tasks (comma-separated, e.g. "
                                         "sst2,mrpc,rte,cola); their labels are not used.")
@click.option("--data-dir", default=None, help="GLUE root (default: $EDGEKD_GLUE_DIR or a shared/data/glue nearby).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder: corpus.jsonl, label/ (representation cache, resumable), student/ (the encoder).")
@click.option("--teacher", "teacher_id", default=None,
              help="Teacher whose [CLS] state is approximated (default: the packaged MiniLM; a task teacher works "
                   "too but makes the encoder less task-agnostic).")
@click.option("--embed-dim", type=int, default=128, show_default=True, help="Must match the task students.")
@click.option("--hidden-size", type=int, default=150, show_default=True,
              help="LSTM size per direction; must match the task students (150 single-sentence, 300 pairs).")
@click.option("--max-length", type=int, default=64, show_default=True, help="Word pieces per sentence.")
@click.option("--epochs", type=int, default=3, show_default=True)
@click.option("--max-rows", type=int, default=None, help="Train on a seeded subset of this many sentences.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--bf16/--no-bf16", default=True, show_default=True, help="bf16 teacher (where the CPU has it).")
@click.option("--threads", type=int, default=None, help="torch threads (default: all cores).")
@click.option("--progress/--no-progress", default=True, show_default=True)
@friendly_errors
def pretrain_student(corpus, glue, data_dir, out, teacher_id, embed_dim, hidden_size, max_length, epochs, max_rows,
                     seed, bf16, threads, progress):
    """Train the student encoder to approximate the teacher's sentence representation on unlabeled text.

    No labels and no task head are used. The result (OUT/student) is a student checkpoint whose encoder
    `edgekd distill --init-from OUT/student` or `edgekd build --init-from OUT/student` copies into a task
    student of the same --embed-dim/--hidden-size.
    """
    from ..pretrain import PretrainConfig, run_pretrain
    from ..student_stage import StudentShape

    tasks = tuple(t for t in (x.strip() for x in glue.split(",")) if t)
    if not corpus and not tasks:
        raise click.UsageError("give unlabeled text: --corpus FILE (repeatable) and/or --glue sst2,mrpc,...")
    shape = StudentShape(embed_dim=embed_dim, hidden_size=hidden_size, max_length=max_length)
    cfg = PretrainConfig(shape, epochs=epochs, max_rows=max_rows, seed=seed)
    rec = run_pretrain(out, corpus=corpus, glue=tasks, data_dir=data_dir, teacher=teacher_id, cfg=cfg, bf16=bf16,
                       threads=threads, progress=progress, log=lambda m: click.echo(m, err=True))
    last = rec["history"][-1] if rec["history"] else {}
    click.echo(f"pre-distilled encoder {out / 'student'}: {rec['rows']:,} sentences, held-out representation MSE "
               f"{last.get('heldout_repr_mse', float('nan')):.4f} after {cfg.epochs} epochs")
