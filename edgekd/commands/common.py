"""Options and helpers shared by the `edgekd` verbs (task + data selection, error reporting)."""
from __future__ import annotations

import functools
from pathlib import Path

import click

from ..tasks import DataError, Dataset, Task, custom_task, get_task, load_file, load_hf, load_split


def data_options(f):
    """--task/--data-dir/--train-file/--dev-file/--text-col/--text-pair-col/--label-col/--labels/--skip-bad/--hf."""
    opts = [
        click.option("--task", default="sst2", show_default=True,
                     help="Registered task (sst2, mrpc, rte, cola) or a name for your own data."),
        click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="GLUE root or task folder (default: $EDGEKD_GLUE_DIR or a shared/data/glue nearby)."),
        click.option("--train-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Your own training CSV/TSV/JSONL (use with --text-col/--label-col/--labels)."),
        click.option("--dev-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Your own dev CSV/TSV/JSONL."),
        click.option("--text-col", default=None, help="Text column of your own files."),
        click.option("--text-pair-col", default=None, help="Second-sentence column (pair tasks)."),
        click.option("--label-col", default=None, help="Label column of your own files."),
        click.option("--labels", default=None, help="Comma-separated label names of your own data, e.g. neg,pos."),
        click.option("--metric", default="accuracy", show_default=True, help="Metric for your own data."),
        click.option("--skip-bad", is_flag=True, help="Skip malformed rows (they are counted) instead of failing."),
        click.option("--hf", is_flag=True, help="Load a GLUE task with Hugging Face datasets (needs network)."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def resolve_task(task: str, text_col, text_pair_col, label_col, labels, metric) -> Task:
    if text_col or label_col or labels:
        if not (text_col and label_col and labels):
            raise DataError("your own data needs all of --text-col, --label-col and --labels")
        return custom_task(task, labels.split(","), text_col, label_col, text_pair_col, metric)
    return get_task(task)


def load_data(task: str, data_dir, train_file, dev_file, text_col, text_pair_col, label_col, labels, metric,
              skip_bad, hf, *, train_limit: int | None = None, need_train: bool = True) -> tuple[Task, Dataset | None, Dataset]:
    """(task, train or None, dev) from the shared data options."""
    t = resolve_task(task, text_col, text_pair_col, label_col, labels, metric)

    def one(split: str, path, limit=None):
        if path is not None:
            return load_file(path, t, skip_bad=skip_bad, limit=limit)
        if hf:
            return load_hf(t, split, limit=limit)
        return load_split(t, split, data_dir, skip_bad=skip_bad, limit=limit)

    train = one("train", train_file, train_limit) if need_train else None
    return t, train, one("dev", dev_file)


def friendly_errors(f):
    """Turn expected errors into one clear line and exit code 2 (no traceback)."""
    @functools.wraps(f)
    def wrapper(*a, **k):
        from ..teacher.locate import TeacherNotFound
        try:
            return f(*a, **k)
        except (DataError, TeacherNotFound, FileNotFoundError, ValueError) as e:
            raise click.ClickException(str(e)) from None
    return wrapper
