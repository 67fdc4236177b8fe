"""Task registry (columns, labels, metric, pair flag) and loaders for GLUE TSV, user CSV/TSV/JSONL and HF datasets.

Bad rows never vanish silently: a loader raises `DataError` naming the file, line and problem, or, with
`skip_bad=True`, skips them and reports how many in `Dataset.skipped`.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .metrics import METRICS


class DataError(ValueError):
    """A data file is missing, malformed, or has a bad row (the message names file and line)."""


@dataclass(frozen=True)
class Task:
    """What a classification task looks like on disk and how it is scored."""

    name: str
    labels: tuple[str, ...]             # label names as they appear in the data; index = class id
    metric: str                         # key of edgekd.metrics.METRICS
    text_col: str | int
    label_col: str | int
    text_pair_col: str | int | None = None
    glue_dir: str | None = None         # folder name under a GLUE root
    header: bool = True
    splits: dict[str, str] = field(default_factory=lambda: {"train": "train.tsv", "dev": "dev.tsv"})
    hf_name: tuple[str, str] | None = None  # ("glue", "sst2") for datasets.load_dataset
    names: tuple[str, ...] | None = None    # readable label names for bundles and hosts; default: `labels`

    @property
    def pair(self) -> bool:
        return self.text_pair_col is not None

    @property
    def num_labels(self) -> int:
        return len(self.labels)

    @property
    def label_names(self) -> tuple[str, ...]:
        """What a bundle calls each class (index = class id): the readable names, else the data's values."""
        return self.names or self.labels


TASKS: dict[str, Task] = {
    "sst2": Task("sst2", ("0", "1"), "accuracy", "sentence", "label", glue_dir="SST-2", hf_name=("glue", "sst2"),
                 names=("negative", "positive")),
    "mrpc": Task("mrpc", ("0", "1"), "f1", "#1 String", "Quality", text_pair_col="#2 String", glue_dir="MRPC",
                 hf_name=("glue", "mrpc"), names=("not_equivalent", "equivalent")),
    "rte": Task("rte", ("entailment", "not_entailment"), "accuracy", "sentence1", "label", text_pair_col="sentence2",
                glue_dir="RTE", hf_name=("glue", "rte")),
    "cola": Task("cola", ("0", "1"), "mcc", 3, 1, glue_dir="CoLA", header=False, hf_name=("glue", "cola"),
                 names=("unacceptable", "acceptable")),
}


def get_task(name: str) -> Task:
    try:
        return TASKS[name.lower()]
    except KeyError:
        raise DataError(f"unknown task {name!r}; known: {', '.join(TASKS)} (or pass a data file with --text-col)") from None


def custom_task(name: str, labels: Sequence[str], text_col: str, label_col: str,
                text_pair_col: str | None = None, metric: str = "accuracy") -> Task:
    """A user-defined task over their own CSV/TSV/JSONL columns."""
    if metric not in METRICS:
        raise DataError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
    return Task(name, tuple(str(x) for x in labels), metric, text_col, label_col, text_pair_col)


@dataclass(frozen=True)
class Dataset:
    """Texts (and second texts for pairs) with integer labels (-1 where unknown)."""

    texts: tuple[str, ...]
    labels: np.ndarray
    text_pairs: tuple[str, ...] | None = None
    source: str = ""
    skipped: int = 0

    def __len__(self) -> int:
        return len(self.texts)

    def head(self, n: int | None) -> "Dataset":
        if n is None or n >= len(self):
            return self
        return replace(self, texts=self.texts[:n], labels=self.labels[:n],
                       text_pairs=None if self.text_pairs is None else self.text_pairs[:n])

    def fingerprint(self) -> str:
        """sha256 over the content, so caches can key on the data itself rather than on a path."""
        h = hashlib.sha256()
        for i, t in enumerate(self.texts):
            h.update(t.encode("utf-8"))
            h.update(b"\x1f")
            if self.text_pairs is not None:
                h.update(self.text_pairs[i].encode("utf-8"))
            h.update(b"\x1e")
        h.update(np.ascontiguousarray(self.labels, dtype=np.int64).tobytes())
        return h.hexdigest()


def default_glue_root() -> Path | None:
    """$EDGEKD_GLUE_DIR, else a `shared/data/glue` folder beside or above the working directory."""
    env = os.environ.get("EDGEKD_GLUE_DIR")
    if env:
        return Path(env)
    here = Path.cwd().resolve()
    for base in (here, *here.parents):
        for cand in (base / "shared" / "data" / "glue", base.parent / "shared" / "data" / "glue"):
            if cand.is_dir():
                return cand
    return None


def load_split(task: Task | str, split: str, data_dir: str | Path | None = None, *,
               skip_bad: bool = False, limit: int | None = None) -> Dataset:
    """Load `split` ("train"/"dev") of a registered task from a GLUE-layout folder.

    `data_dir` may be the GLUE root (containing SST-2/ ...) or the task folder itself.
    """
    task = get_task(task) if isinstance(task, str) else task
    return load_file(split_path(task, split, data_dir), task, skip_bad=skip_bad, limit=limit, header=task.header)


def split_path(task: Task, split: str, data_dir: str | Path | None = None) -> Path:
    """The file of `split` of a registered task under a GLUE root or task folder (default: `default_glue_root`)."""
    root = Path(data_dir) if data_dir else default_glue_root()
    if root is None:
        raise DataError(f"no data folder for {task.name}: pass --data-dir (a GLUE root or the task folder), "
                        "set EDGEKD_GLUE_DIR, or use --hf to load it with Hugging Face datasets")
    fname = task.splits.get(split, f"{split}.tsv")
    candidates = [root / (task.glue_dir or task.name) / fname, root / fname]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise DataError(f"{task.name} {split}: none of {', '.join(map(str, candidates))} exists")
    return path


def load_file(path: str | Path, task: Task, *, skip_bad: bool = False, limit: int | None = None,
              header: bool | None = None) -> Dataset:
    """Load a user's CSV/TSV/JSONL (chosen by extension) with the task's column names or indices."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        rows = _jsonl_rows(path)
    elif suffix in (".tsv", ".csv", ".txt"):
        rows = _delimited_rows(path, "," if suffix == ".csv" else "\t",
                               task.header if header is None else header, task)
    else:
        raise DataError(f"{path}: unsupported extension {suffix!r}; use .tsv, .csv or .jsonl")
    label_index = {name: i for i, name in enumerate(task.labels)}
    texts, pairs, labels, skipped = [], [], [], 0
    for line_no, row in rows:
        try:
            text = _field(row, task.text_col, "text")
            pair = _field(row, task.text_pair_col, "text pair") if task.pair else None
            raw_label = _field(row, task.label_col, "label", allow_empty=True)
            if raw_label.strip() == "":
                label = -1
            else:
                key = raw_label.strip()
                if key not in label_index and key.endswith(".0") and key[:-2] in label_index:
                    key = key[:-2]
                if key not in label_index:
                    raise DataError(f"unknown label {raw_label!r} (expected one of {list(task.labels)})")
                label = label_index[key]
        except DataError as e:
            if skip_bad:
                skipped += 1
                continue
            raise DataError(f"{path}:{line_no}: {e}; pass --skip-bad to skip such rows (they are counted)") from None
        texts.append(text)
        labels.append(label)
        if pair is not None:
            pairs.append(pair)
        if limit is not None and len(texts) >= limit:
            break
    if not texts:
        raise DataError(f"{path}: no usable rows" + (f" ({skipped} bad rows skipped)" if skipped else ""))
    if skipped:
        print(f"edgekd: {path}: skipped {skipped} bad rows", file=sys.stderr)
    return Dataset(tuple(texts), np.asarray(labels, dtype=np.int64), tuple(pairs) if task.pair else None,
                   source=str(path), skipped=skipped)


def load_hf(task: Task, split: str, limit: int | None = None) -> Dataset:  # pragma: no cover - needs network
    """Load a GLUE task with Hugging Face `datasets` (online only; not exercised offline)."""
    try:
        import datasets  # type: ignore
    except ImportError:
        raise DataError("Hugging Face loading needs `pip install datasets` and network access") from None
    if task.hf_name is None:
        raise DataError(f"task {task.name} has no Hugging Face dataset name")
    hf_split = {"dev": "validation"}.get(split, split)
    ds = datasets.load_dataset(*task.hf_name, split=hf_split)
    cols = {"sst2": ("sentence", None), "cola": ("sentence", None), "mrpc": ("sentence1", "sentence2"),
            "rte": ("sentence1", "sentence2")}[task.name]
    n = len(ds) if limit is None else min(limit, len(ds))
    texts = tuple(ds[cols[0]][:n])
    pairs = tuple(ds[cols[1]][:n]) if cols[1] else None
    return Dataset(texts, np.asarray(ds["label"][:n], dtype=np.int64), pairs, source=f"hf:{'/'.join(task.hf_name)}")


def _field(row: dict | list, col, what: str, allow_empty: bool = False) -> str:
    try:
        value = row[col]
    except (KeyError, IndexError, TypeError):
        raise DataError(f"missing {what} column {col!r}") from None
    if value is None:
        raise DataError(f"missing {what} (column {col!r})")
    value = str(value)
    if not allow_empty and not value.strip():
        raise DataError(f"empty {what} (column {col!r})")
    return value


def _delimited_rows(path: Path, delim: str, header: bool, task: Task) -> Iterable[tuple[int, dict | list]]:
    with open(path, encoding="utf-8-sig", newline="") as f:  # utf-8-sig strips MRPC's BOM
        reader = csv.reader(f, delimiter=delim, quoting=csv.QUOTE_NONE if delim == "\t" else csv.QUOTE_MINIMAL)
        names = None
        if header:
            names = next(reader, None)
            if names is None:
                raise DataError(f"{path}: empty file")
            names = [n.strip() for n in names]
            for col in (task.text_col, task.label_col, task.text_pair_col):
                if isinstance(col, str) and col not in names:
                    raise DataError(f"{path}:1: no column {col!r} in header {names}")
        for row in reader:
            line_no = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if names is not None:
                if len(row) != len(names):
                    yield line_no, _BadRow(f"expected {len(names)} columns, found {len(row)}")
                    continue
                yield line_no, dict(zip(names, row))
            else:
                yield line_no, row


def _jsonl_rows(path: Path) -> Iterable[tuple[int, dict | list]]:
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield line_no, _BadRow(f"invalid JSON ({e.msg})")
                continue
            yield line_no, obj if isinstance(obj, dict) else _BadRow("a JSONL row must be an object")


class _BadRow(dict):
    """A row that failed structurally; any field access raises its message."""

    def __init__(self, why: str) -> None:
        super().__init__()
        self.why = why

    def __getitem__(self, key):
        raise DataError(self.why)
