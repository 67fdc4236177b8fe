"""The few-labels split: a seeded sample of a GLUE training file keeps its labels, the other rows become
unlabeled text, and their labels are dropped as each line is read.

`split_labelled(src, task, n, seed, out)` writes `labelled.tsv` (the sampled lines copied byte for byte, the
header included, so the task's own reader loads it) and `unlabeled.jsonl` (`{"text"}` or `{"text",
"text_pair"}` per held-back row, the `--unlabeled` format). The sample is drawn from the row count alone (no
stratification: nothing about the labels is known), and for a held-back row only the text columns are taken
from its split line: its label field is never looked at, parsed or written. `split.json` records the
inputs and the counts; a rerun with the same inputs reuses the files.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import numpy as np

from edgekd_contract.fsutil import write_json_atomic

from .augment.unlabeled import file_sha256
from .tasks import DataError, Task

LABELLED, UNLABELED, RECORD = "labelled.tsv", "unlabeled.jsonl", "split.json"


def _lines(src: Path, task: Task) -> tuple[str | None, Iterator[str]]:
    """(header line or None, the data lines) of a GLUE TSV: one row per line (QUOTE_NONE), blank lines skipped."""
    f = open(src, encoding="utf-8-sig", newline="")

    def rows():
        with f:
            for line in f:
                if line.strip():
                    yield line.rstrip("\r\n")

    it = rows()
    return (next(it, None) if task.header else None), it


def _column(names: list[str] | None, col: str | int | None) -> int | None:
    if col is None or isinstance(col, int):
        return col
    if names is None or col not in names:
        raise DataError(f"no column {col!r} in header {names}")
    return names.index(col)


def _texts_only(line: str, cols: tuple[int, ...], where: str) -> dict:
    """The text fields of one held-back line; whatever else the line holds (its label) is dropped unread."""
    fields = line.split("\t")
    if len(fields) <= max(cols):
        raise DataError(f"{where}: expected at least {max(cols) + 1} tab-separated columns, found {len(fields)}")
    return dict(zip(("text", "text_pair"), (fields[c] for c in cols)))


def split_labelled(src: str | Path, task: Task, n_labelled: int, seed: int, out_dir: str | Path) -> dict:
    """Write OUT/labelled.tsv (n_labelled seeded rows, labels kept) and OUT/unlabeled.jsonl (the rest, text
    only); return the record (also OUT/split.json). Reused when split.json matches the source, n and seed."""
    src, out = Path(src), Path(out_dir)
    want = {"source": str(src), "source_sha256": file_sha256(src), "task": task.name, "labelled": int(n_labelled),
            "seed": int(seed)}
    try:
        old = json.loads((out / RECORD).read_text())
        if {k: old.get(k) for k in want} == want and all((out / f).is_file() for f in (LABELLED, UNLABELED)):
            return old
    except (FileNotFoundError, json.JSONDecodeError):
        pass
    _, data = _lines(src, task)
    total = sum(1 for _ in data)
    if not 0 < n_labelled < total:
        raise DataError(f"{src}: cannot keep {n_labelled} labelled rows out of {total} (need 0 < n < {total})")
    keep = np.zeros(total, dtype=bool)
    keep[np.random.default_rng(seed).choice(total, n_labelled, replace=False)] = True
    header, data = _lines(src, task)
    names = header.split("\t") if header is not None else None
    cols = tuple(_column(names, c) for c in (task.text_col, task.text_pair_col) if c is not None)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / LABELLED, "w", encoding="utf-8", newline="") as lab, \
            open(out / UNLABELED, "w", encoding="utf-8") as unl:
        if header is not None:
            lab.write(header + "\n")
        for i, line in enumerate(data):
            if keep[i]:
                lab.write(line + "\n")
            else:
                unl.write(json.dumps(_texts_only(line, cols, f"{src} data row {i + 1}"), ensure_ascii=False) + "\n")
    rec = {**want, "rows": total, "unlabeled": total - n_labelled, "format": "edgekd-few-labels-split/1",
           "labelled_sha256": file_sha256(out / LABELLED), "unlabeled_sha256": file_sha256(out / UNLABELED)}
    write_json_atomic(out / RECORD, rec)
    return rec
