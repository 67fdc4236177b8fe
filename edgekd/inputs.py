"""The shared data options as library calls: a task (registered, or the user's own columns) and its datasets."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from .tasks import TASKS, DataError, Dataset, Task, custom_task, get_task, load_file, load_hf, load_split


def resolve_task(task: str, text_col, text_pair_col, label_col, labels, metric) -> Task:
    """A registered task by name, or the user's own task when any of the column/label options is given."""
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


def load_dev_data(task: str, data_dir: str | Path | None, dev_file, text_col, text_pair_col, label_col, labels,
                  metric: str, skip_bad: bool, log: Callable[[str], None]) -> tuple[Dataset | None, str | None]:
    """(dev dataset, its metric) to validate an export on, or (None, None) with a note (`log`) when a registered
    task's dev split is not found or the task is not registered and no dev file is given."""
    if text_col or label_col or labels:
        if not (text_col and label_col and labels and dev_file):
            raise DataError("your own dev data needs all of --dev-file, --text-col, --label-col and --labels")
        t = custom_task(task, labels.split(","), text_col, label_col, text_pair_col, metric)
        return load_file(dev_file, t, skip_bad=skip_bad), t.metric
    if dev_file is not None:
        t = get_task(task)
        return load_file(dev_file, t, skip_bad=skip_bad), t.metric
    if task not in TASKS:
        log(f"note: task {task!r} is not registered and no --dev-file was given; int8 metric not measured")
        return None, None
    try:
        return load_split(task, "dev", data_dir, skip_bad=skip_bad), get_task(task).metric
    except DataError as e:
        log(f"note: no dev data ({e}); int8 metric not measured (pass --data-dir or --dev-file)")
        return None, None
