"""TF-IDF (word 1-2 + char_wb 2-5 n-grams) + logistic regression baseline, saved without pickle and served as a System.

Saved as `config.json` (vectorizer settings, labels), `vocab.json` (each vectorizer's terms in column order) and
`weights.npz` (idf vectors, coef, intercept; float32; loaded with allow_pickle=False). The System rebuilds the two
vectorizers from these (vocabulary + idf_, no refit) and scores with one sparse matmul, so what is timed, sized
and RSS-measured is exactly what a deployment would load; training happens only in the parent.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .common import PAIR_SEP, Item, cached_meta, fingerprint, join_item, plugin_spec, write_meta

FORMAT = "edgekd-bench-tfidf/1"
BUILDER = "benchmarks.tfidf_baseline:tfidf_system"
FILES = ("config.json", "vocab.json", "weights.npz")


@dataclass(frozen=True)
class TfidfSettings:
    """Vectorizer and classifier settings (83.1 on SST-2 dev with the defaults; the reference had 83.0)."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    min_df: int = 2
    sublinear_tf: bool = True
    C: float = 4.0
    max_iter: int = 1000

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TfidfSettings":
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})

    def vectorizers(self) -> dict[str, dict[str, Any]]:
        """TfidfVectorizer keyword arguments of the two feature blocks, in column order."""
        common = {"sublinear_tf": self.sublinear_tf, "lowercase": True, "dtype": "float32"}
        return {"word": {"analyzer": "word", "ngram_range": list(self.word_ngrams), "min_df": self.min_df, **common},
                "char": {"analyzer": "char_wb", "ngram_range": list(self.char_ngrams), "min_df": self.min_df,
                         **common}}


def available() -> str | None:
    try:
        import sklearn  # noqa: F401
        import scipy  # noqa: F401
    except ImportError as e:
        return f"TF-IDF row left out: scikit-learn is not installed ({e}); pip install scikit-learn"
    return None


def _vectorizer(kwargs: dict[str, Any], vocabulary=None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    # With a fixed vocabulary sklearn ignores min_df; idf_ is then set by the caller (no refit).
    kw = dict(kwargs, ngram_range=tuple(kwargs["ngram_range"]), dtype=np.dtype(kwargs["dtype"]).type)
    return TfidfVectorizer(vocabulary=vocabulary, **kw)


def artifact_key(items: Sequence[Item], labels: np.ndarray, num_labels: int, settings: TfidfSettings,
                 dev=None) -> dict[str, Any]:
    """What a saved model was made from (labelled rows and settings; `dev` is not used)."""
    labels = np.asarray(labels, dtype=np.int64)
    keep = np.flatnonzero(labels >= 0)
    return {"format": FORMAT, "settings": settings.to_dict(), "num_labels": int(num_labels), "sep": PAIR_SEP,
            "train_sha256": fingerprint([items[i] for i in keep], labels[keep])}


def train_tfidf(items: Sequence[Item], labels: np.ndarray, num_labels: int, folder: str | Path,
                settings: TfidfSettings = TfidfSettings(), force: bool = False, progress=print) -> dict[str, Any]:
    """Fit both vectorizers and the classifier on the labelled rows and save them to `folder`; returns meta."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    labels = np.asarray(labels, dtype=np.int64)
    keep = np.flatnonzero(labels >= 0)
    texts = [join_item(items[i]) for i in keep]
    key = artifact_key(items, labels, num_labels, settings)
    meta = None if force else cached_meta(folder, key, FILES)
    if meta is not None:
        progress(f"TF-IDF: reusing {folder} (same data and settings)")
        return meta
    progress(f"TF-IDF: fitting on {len(texts)} rows")
    t0 = time.perf_counter()
    specs = settings.vectorizers()
    vecs = {name: _vectorizer(kw) for name, kw in specs.items()}
    X = sp.hstack([v.fit_transform(texts) for v in vecs.values()]).tocsr()       # (N, F) float32
    clf = LogisticRegression(C=settings.C, max_iter=settings.max_iter)
    clf.fit(X, labels[keep])
    binary = len(clf.classes_) == 2                        # one row z for classes_[1]: logits (0, z) argmax alike
    rows = np.vstack([np.zeros_like(clf.coef_), clf.coef_]) if binary else clf.coef_
    bias = np.concatenate([[0.0], clf.intercept_]) if binary else clf.intercept_
    full_coef = np.zeros((num_labels, X.shape[1]), dtype=np.float32)             # (C, F)
    full_b = np.full(num_labels, -1e4, dtype=np.float32)   # a class absent from training is never predicted
    full_coef[clf.classes_], full_b[clf.classes_] = rows, bias
    vocab = {name: sorted(v.vocabulary_, key=v.vocabulary_.get) for name, v in vecs.items()}
    (folder / "config.json").write_text(json.dumps({"format": FORMAT, "num_labels": num_labels,
                                                     "vectorizers": specs, "sep": PAIR_SEP}, indent=2) + "\n")
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, separators=(",", ":")))
    np.savez_compressed(folder / "weights.npz", coef=full_coef, intercept=full_b,
                        **{f"idf_{name}": v.idf_.astype(np.float32) for name, v in vecs.items()})
    meta = {"key": key, "files": list(FILES), "bytes": folder_bytes(folder), "rows": len(texts),
            "features": {name: len(v) for name, v in vocab.items()}, "train_s": round(time.perf_counter() - t0, 1)}
    write_meta(folder, meta)
    return meta


def folder_bytes(folder: str | Path) -> int:
    """Bytes of the files a deployment loads (meta.json is bookkeeping, not counted)."""
    return sum((Path(folder) / f).stat().st_size for f in FILES)


def load_tfidf(folder: str | Path):
    """(vectorizers in column order, coef (C, F) float32, intercept (C,)) rebuilt from the saved files."""
    folder = Path(folder)
    cfg = json.loads((folder / "config.json").read_text())
    if cfg.get("format") != FORMAT:
        raise ValueError(f"{folder / 'config.json'}: format {cfg.get('format')!r} is not {FORMAT!r}")
    vocab = json.loads((folder / "vocab.json").read_text())
    with np.load(folder / "weights.npz", allow_pickle=False) as w:
        arrays = {k: w[k] for k in w.files}
    vecs = []
    for name, kw in cfg["vectorizers"].items():
        v = _vectorizer(kw, vocabulary=vocab[name])
        v.idf_ = arrays[f"idf_{name}"]
        vecs.append(v)
    n_feat = sum(len(vocab[n]) for n in cfg["vectorizers"])
    if arrays["coef"].shape != (cfg["num_labels"], n_feat):
        raise ValueError(f"{folder / 'weights.npz'}: coef has shape {arrays['coef'].shape}, expected "
                         f"({cfg['num_labels']}, {n_feat}) from vocab.json")
    return vecs, arrays["coef"], arrays["intercept"]


def tfidf_system(folder: str, name: str = "tfidf-lr", threads: int = 1):
    """A System over a saved model: predict = join the pair, vectorize (both blocks), one sparse matmul.

    Runs on one thread: the vectorizers are pure Python and the sparse matmul is single-threaded scipy.
    """
    import scipy.sparse as sp

    from edgekd.profiling.systems import System

    vecs, coef, intercept = load_tfidf(folder)
    coef_t = np.ascontiguousarray(coef.T)                                   # (F, C)

    def predict(items: Sequence[Item]) -> np.ndarray:
        texts = [join_item(x) for x in items]
        X = sp.hstack([v.transform(texts) for v in vecs]).tocsr()          # (B, F)
        return np.asarray(X @ coef_t + intercept, dtype=np.float32)

    return System(name=name, kind="tfidf", backend="scikit-learn", device="cpu", precision="fp32",
                  size_bytes=folder_bytes(folder), predict=predict,
                  spec=plugin_spec(BUILDER, {"folder": str(folder), "name": name, "threads": threads}, threads),
                  info={"folder": str(folder), "features": int(coef.shape[1]), "predict_threads": 1})
