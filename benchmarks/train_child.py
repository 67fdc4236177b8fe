"""Train a word-level baseline (fastText or TF-IDF) in a fresh process: `python -m benchmarks.train_child JOB.json`.

Why a child process: fastText's training depends on the state of the process it runs in. Once an onnxruntime
session exists in the same process it diverges ("Encountered NaN"), and merely importing onnxruntime changes its
result. A fresh process that imports only numpy, fastText / scikit-learn and these modules trains reproducibly,
and keeps fastText's 2M-bucket input matrix (800 MB at dim 100) out of the process that measures.
`train` checks the artifact cache in the parent first, so a cache hit starts no process.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from . import fasttext_baseline as ftb
from . import tfidf_baseline as tfb
from .common import REPO, Item, cached_meta

KINDS = {"fasttext": (ftb, ftb.FastTextSettings), "tfidf": (tfb, tfb.TfidfSettings)}


def _files(kind: str, settings) -> list[str]:
    return [ftb.model_name(settings)] if kind == "fasttext" else list(tfb.FILES)


def _write_rows(path: Path, items: Sequence[Item], labels: np.ndarray) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for x, y in zip(items, np.asarray(labels, dtype=np.int64)):
            f.write(json.dumps({"x": x if isinstance(x, str) else list(x), "y": int(y)}, ensure_ascii=False) + "\n")


def _read_rows(path: str) -> tuple[list[Item], np.ndarray]:
    items, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            items.append(row["x"] if isinstance(row["x"], str) else tuple(row["x"]))
            labels.append(row["y"])
    return items, np.asarray(labels, dtype=np.int64)


def train(kind: str, items: Sequence[Item], labels: np.ndarray, num_labels: int, folder: str | Path, settings,
          dev: tuple[Sequence[Item], np.ndarray] | None = None, force: bool = False,
          progress: Callable[[str], None] = print) -> dict[str, Any]:
    """The artifact's meta: reused from `folder` if its key matches (and not `force`), else trained in a child."""
    module, _ = KINDS[kind]
    folder = Path(folder).resolve()                    # the child runs in the repository root
    key = module.artifact_key(items, labels, num_labels, settings, dev)
    meta = None if force else cached_meta(folder, key, _files(kind, settings))
    if meta is not None:
        progress(f"{kind}: reusing {folder} (same data and settings)")
        return meta
    job_dir = folder / "_job"
    job_dir.mkdir(parents=True, exist_ok=True)
    try:
        _write_rows(job_dir / "train.jsonl", items, labels)
        if dev is not None:
            _write_rows(job_dir / "dev.jsonl", *dev)
        job = {"kind": kind, "num_labels": int(num_labels), "folder": str(folder), "settings": settings.to_dict(),
               "train": str(job_dir / "train.jsonl"), "dev": str(job_dir / "dev.jsonl") if dev is not None else None}
        (job_dir / "job.json").write_text(json.dumps(job))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]))
        proc = subprocess.Popen([sys.executable, "-m", "benchmarks.train_child", str(job_dir / "job.json")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=str(REPO))
        last = ""
        for line in proc.stderr:                       # the child's progress, streamed
            line = line.rstrip()
            if line.startswith("train_child: "):
                progress(line[len("train_child: "):])
            elif line and not line[0].isspace():
                last = line                            # e.g. the exception line of a traceback
        if proc.wait() != 0:
            raise RuntimeError(f"training {kind} in a child process failed (exit {proc.returncode}): {last}")
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)
    meta = cached_meta(folder, key, _files(kind, settings))
    if meta is None:
        raise RuntimeError(f"{folder}: the training child finished but left no matching meta.json")
    return meta


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text())
    module, settings_cls = KINDS[job["kind"]]
    settings = settings_cls.from_dict(job["settings"])
    items, labels = _read_rows(job["train"])
    say = lambda m: print(f"train_child: {m}", file=sys.stderr, flush=True)  # noqa: E731
    if job["kind"] == "fasttext":
        dev = _read_rows(job["dev"]) if job.get("dev") else None
        ftb.train_fasttext(items, labels, job["num_labels"], job["folder"], settings, dev=dev, force=True,
                           progress=say)
    else:
        tfb.train_tfidf(items, labels, job["num_labels"], job["folder"], settings, force=True, progress=say)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
