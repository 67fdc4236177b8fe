"""The verbs' data options as one value (`DataOptions`) and the library calls that turn it into a task and its
datasets: a registered task (GLUE TSV, or Hugging Face datasets with `hf`) or the user's own columns and files."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .tasks import TASKS, DataError, Dataset, Task, custom_task, get_task, load_file, load_hf, load_split


@dataclass(frozen=True)
class DataOptions:
    """--task/--data-dir/--train-file/--dev-file/--text-col/--text-pair-col/--label-col/--labels/--metric/
    --skip-bad/--hf as given (see `edgekd.commands.common.data_options`)."""

    task: str | None = "sst2"
    data_dir: Path | None = None
    train_file: Path | None = None
    dev_file: Path | None = None
    text_col: str | None = None
    text_pair_col: str | None = None
    label_col: str | None = None
    labels: str | None = None
    metric: str = "accuracy"
    skip_bad: bool = False
    hf: bool = False

    @property
    def own_columns(self) -> bool:
        return bool(self.text_col or self.label_col or self.labels)

    def resolve_task(self) -> Task:
        """A registered task by name, or the user's own task when any of the column/label options is given."""
        if self.own_columns:
            if not (self.text_col and self.label_col and self.labels):
                raise DataError("your own data needs all of --text-col, --label-col and --labels")
            return custom_task(self.task, self.labels.split(","), self.text_col, self.label_col, self.text_pair_col,
                               self.metric)
        return get_task(self.task)

    def split(self, task: Task, split: str, path: Path | None, limit: int | None = None) -> Dataset:
        """One split: the given file, else Hugging Face datasets (`hf`), else the GLUE folder."""
        if path is not None:
            return load_file(path, task, skip_bad=self.skip_bad, limit=limit)
        if self.hf:
            return load_hf(task, split, limit=limit)
        return load_split(task, split, self.data_dir, skip_bad=self.skip_bad, limit=limit)

    def load(self, *, train_limit: int | None = None, need_train: bool = True) -> tuple[Task, Dataset | None, Dataset]:
        """(task, train or None, dev)."""
        t = self.resolve_task()
        train = self.split(t, "train", self.train_file, train_limit) if need_train else None
        return t, train, self.split(t, "dev", self.dev_file)

    def load_train(self, limit: int | None = None) -> tuple[Task, Dataset]:
        """(task, train) only."""
        t = self.resolve_task()
        return t, self.split(t, "train", self.train_file, limit)

    def load_dev_for_export(self, log: Callable[[str], None]) -> tuple[Dataset | None, str | None]:
        """(dev dataset, its metric) to validate an export on, or (None, None) with a note (`log`) when a registered
        task's dev split is not found or the task is not registered and no dev file is given."""
        if self.own_columns:
            if not (self.text_col and self.label_col and self.labels and self.dev_file):
                raise DataError("your own dev data needs all of --dev-file, --text-col, --label-col and --labels")
            t = custom_task(self.task, self.labels.split(","), self.text_col, self.label_col, self.text_pair_col,
                            self.metric)
            return load_file(self.dev_file, t, skip_bad=self.skip_bad), t.metric
        if self.dev_file is not None:
            t = get_task(self.task)
            return load_file(self.dev_file, t, skip_bad=self.skip_bad), t.metric
        if self.task not in TASKS:
            log(f"note: task {self.task!r} is not registered and no --dev-file was given; int8 metric not measured")
            return None, None
        try:
            return load_split(self.task, "dev", self.data_dir, skip_bad=self.skip_bad), get_task(self.task).metric
        except DataError as e:
            log(f"note: no dev data ({e}); int8 metric not measured (pass --data-dir or --dev-file)")
            return None, None
