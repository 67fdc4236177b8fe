"""fastText baseline: train a supervised model (the reference's settings), quantize it to `.ftz`, and serve it as a
System that the side-by-side timing and the peak-RSS child both build from the saved file.

Needs the `fasttext` module from `fasttext-numpy2-wheel` (the plain `fasttext` 0.9.3 wheel fails at predict()
under numpy 2). Only rows with a label (>= 0) are trained on; a pair is one line joined by `__sep__`.
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .common import PAIR_SEP, Item, argmax_accuracy, cached_meta, fingerprint, join_item, plugin_spec, write_meta

FORMAT = "edgekd-bench-fasttext/1"
BUILDER = "benchmarks.fasttext_baseline:fasttext_system"


@dataclass(frozen=True)
class FastTextSettings:
    """fastText training and quantization settings; the defaults are the reference's (REFERENCE.md)."""

    dim: int = 100
    word_ngrams: int = 2
    epoch: int = 5
    lr: float = 0.1
    min_count: int = 1
    bucket: int = 2_000_000
    threads: int = 2                 # training threads (fastText's Hogwild training is not bit-reproducible > 1)
    seed: int = 0
    quantize: bool = True            # ship the product-quantized .ftz (as the reference did)
    cutoff: int = 100_000            # rows of the input matrix the .ftz keeps (largest norms)
    retrain: bool = True             # fine-tune after pruning, as `fasttext quantize -retrain`
    qnorm: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "FastTextSettings":
        return cls(**d)


def available() -> str | None:
    """None if fastText can be used here, else why not (the rows are then left out, with this note)."""
    try:
        import fasttext  # noqa: F401
    except ImportError as e:
        return f"fastText rows left out: the `fasttext` module is not installed ({e}); pip install fasttext-numpy2-wheel"
    return None


def _label(i: int) -> str:
    return f"__label__{i}"


def model_name(settings: FastTextSettings) -> str:
    return "model.ftz" if settings.quantize else "model.bin"


def artifact_key(items: Sequence[Item], labels: np.ndarray, num_labels: int, settings: FastTextSettings,
                 dev: tuple[Sequence[Item], np.ndarray] | None = None) -> dict[str, Any]:
    """What a saved model was made from (labelled rows, settings, the dev set its unquantized accuracy is on)."""
    labels = np.asarray(labels, dtype=np.int64)
    keep = np.flatnonzero(labels >= 0)
    return {"format": FORMAT, "settings": settings.to_dict(), "num_labels": int(num_labels), "sep": PAIR_SEP,
            "train_sha256": fingerprint([items[i] for i in keep], labels[keep]),
            "dev_sha256": fingerprint(*dev) if dev is not None else None}


def train_fasttext(items: Sequence[Item], labels: np.ndarray, num_labels: int, folder: str | Path,
                   settings: FastTextSettings = FastTextSettings(), dev: tuple[Sequence[Item], np.ndarray] | None = None,
                   force: bool = False, progress=print) -> dict[str, Any]:
    """Train (or reuse a matching cached) model in `folder`; returns its meta (file, key, dev accuracies, seconds).

    `dev` (items, labels) is only used to record the accuracy of the unquantized model before it is quantized
    (the .ftz that ships is measured by the benchmark itself).
    """
    import fasttext

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    labels = np.asarray(labels, dtype=np.int64)
    keep = np.flatnonzero(labels >= 0)
    model_file = model_name(settings)
    key = artifact_key(items, labels, num_labels, settings, dev)
    meta = None if force else cached_meta(folder, key, [model_file])
    if meta is not None:
        progress(f"fastText: reusing {folder / model_file} (same data and settings)")
        return meta
    train_txt = folder / "train.txt"
    with open(train_txt, "w", encoding="utf-8") as f:
        for i in keep:
            f.write(f"{_label(int(labels[i]))} {join_item(items[i])}\n")
    s = settings
    progress(f"fastText: training on {len(keep)} rows (dim {s.dim}, wordNgrams {s.word_ngrams}, epoch {s.epoch})")
    t0 = time.perf_counter()
    try:
        model = fasttext.train_supervised(str(train_txt), dim=s.dim, wordNgrams=s.word_ngrams, epoch=s.epoch,
                                          lr=s.lr, minCount=s.min_count, bucket=s.bucket, thread=s.threads,
                                          seed=s.seed, verbose=0)
        train_s = time.perf_counter() - t0
        bin_acc = _dev_accuracy(model, num_labels, dev) if dev is not None else None
        if s.quantize:
            progress(f"fastText: quantizing (cutoff {s.cutoff}, retrain {s.retrain})")
            model.quantize(input=str(train_txt), cutoff=s.cutoff, retrain=s.retrain, qnorm=s.qnorm,
                           thread=s.threads, verbose=0)
        tmp = folder / (model_file + ".tmp")
        model.save_model(str(tmp))
        tmp.replace(folder / model_file)
    finally:
        train_txt.unlink(missing_ok=True)
    meta = {"key": key, "file": model_file, "bytes": os.path.getsize(folder / model_file), "rows": int(len(keep)),
            "train_s": round(train_s, 1), "total_s": round(time.perf_counter() - t0, 1),
            "unquantized_dev_accuracy": bin_acc, "quantized": s.quantize}
    write_meta(folder, meta)
    return meta


def _dev_accuracy(model, num_labels: int, dev: tuple[Sequence[Item], np.ndarray]) -> float:
    return argmax_accuracy(_logits(model, [join_item(x) for x in dev[0]], num_labels), np.asarray(dev[1]))


def _logits(model, texts: list[str], num_labels: int) -> np.ndarray:
    """(B, C) float32 log-probabilities in class order from fastText's (labels, probs) per row."""
    labs, probs = model.predict(texts, k=-1)
    out = np.full((len(texts), num_labels), -30.0, dtype=np.float32)   # a label fastText never saw: ~zero
    for i, (row_labs, row_p) in enumerate(zip(labs, probs)):
        for lab, p in zip(row_labs, row_p):
            out[i, int(lab[9:])] = np.log(min(max(float(p), 1e-13), 1.0))  # lab = "__label__<i>"; p may be 1+1e-5
    return out


def fasttext_system(path: str, num_labels: int, name: str = "fasttext", threads: int = 1):
    """A System over a saved fastText model: predict = join the pair, fastText's own tokenization + inference.

    fastText's predict runs on one thread whatever `threads` says (it has no intra-op threads, and its Python
    binding holds the GIL, so a second caller thread does not help either).
    """
    import fasttext

    from edgekd.profiling.systems import System

    model = fasttext.load_model(str(path))

    def predict(items: Sequence[Item]) -> np.ndarray:
        return _logits(model, [join_item(x) for x in items], num_labels)

    quantized = str(path).endswith(".ftz")
    return System(name=name, kind="fasttext", backend="fasttext", device="cpu",
                  precision="pq" if quantized else "fp32", size_bytes=os.path.getsize(path), predict=predict,
                  spec=plugin_spec(BUILDER, {"path": str(path), "num_labels": num_labels, "name": name,
                                             "threads": threads}, threads),
                  info={"file": str(path), "quantized": quantized, "predict_threads": 1})
