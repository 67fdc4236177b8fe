"""Options and helpers shared by the `edgekd` verbs (task + data selection, error reporting)."""
from __future__ import annotations

import functools
from pathlib import Path

import click

from ..inputs import DataOptions
from ..tasks import DataError


DATA_FIELDS = ("task", "data_dir", "train_file", "dev_file", "text_col", "text_pair_col", "label_col", "labels",
               "metric", "skip_bad", "hf")


def data_options(f):
    """--task/--data-dir/--train-file/--dev-file/--text-col/--text-pair-col/--label-col/--labels/--skip-bad/--hf,
    handed to the command as one `data: DataOptions` argument."""
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

    @functools.wraps(f)
    def packed(*a, **k):
        return f(*a, data=DataOptions(**{n: k.pop(n) for n in DATA_FIELDS}), **k)

    for o in reversed(opts):
        packed = o(packed)
    return packed


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
