"""Initial student embeddings: the teacher's own word-piece table (PCA-projected), or a word2vec/GloVe text file.

Tang et al. started from word2vec; here the teacher's input-embedding rows of the kept pieces are projected
to `embed_dim` with PCA (numpy SVD), or taken as-is when the widths match, then rescaled to a fixed per-element
standard deviation so the LSTM sees inputs of a sane size whatever the source. Row PAD_ID is always zero.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from edgekd_contract.checkpoint import PAD_ID, UNK_ID

from .vocab import Vocab

DEFAULT_STD = 0.5   # per-element std after rescaling (see `rescale`); PyTorch's random nn.Embedding uses 1.0


def teacher_embedding_table(teacher_dir: str | Path) -> np.ndarray:
    """float32 (Vt, Dt): the `*word_embeddings.weight` tensor of a Hugging Face safetensors checkpoint."""
    from safetensors import safe_open

    d = Path(teacher_dir)
    files = sorted(d.glob("*.safetensors"))
    if not files:
        raise FileNotFoundError(f"{d}: no *.safetensors weights; edgekd reads the teacher's embedding table only "
                                "from safetensors (no pickle). Re-save the teacher with safe_serialization=True")
    for path in files:
        with safe_open(str(path), "np") as f:
            keys = [k for k in f.keys() if k.endswith("word_embeddings.weight")]
            if keys:
                return np.asarray(f.get_tensor(sorted(keys, key=len)[0]), dtype=np.float32)
    raise ValueError(f"{d}: no tensor named '*word_embeddings.weight' in {[p.name for p in files]}; "
                     "is this a BERT-style teacher?")


def pca_project(x: np.ndarray, dim: int, seed: int = 0) -> np.ndarray:
    """(N, D) -> (N, dim): centred rows on their top-`dim` principal axes; as-is (centred) when dim == D.

    When dim > D the missing columns are filled with Gaussian noise of the data's per-element std,
    so the table still has the requested width.
    """
    x = np.asarray(x, dtype=np.float64)
    x = x - x.mean(axis=0, keepdims=True)
    n, d = x.shape
    if dim == d:
        return x.astype(np.float32)
    if dim < d:
        k = min(dim, n)
        _, _, vt = np.linalg.svd(x, full_matrices=False)                    # vt: (min(n, d), d)
        out = np.zeros((n, dim))
        out[:, :k] = x @ vt[:k].T                                           # (N, k)
        return out.astype(np.float32)
    noise = np.random.default_rng(seed).normal(0.0, x.std() or 1.0, size=(n, dim - d))
    return np.concatenate([x, noise], axis=1).astype(np.float32)


def rescale(x: np.ndarray, std: float) -> np.ndarray:
    """Scale so the per-element standard deviation over all rows is `std` (a zero table stays zero)."""
    s = float(np.asarray(x).std())
    return (x * (std / s)).astype(np.float32) if s > 0 else np.asarray(x, dtype=np.float32)


def random_embeddings(vocab_size: int, dim: int, std: float = DEFAULT_STD, seed: int = 0) -> np.ndarray:
    """float32 (V, E) Gaussian rows, row PAD_ID zero."""
    out = np.random.default_rng(seed).normal(0.0, std, size=(vocab_size, dim)).astype(np.float32)
    out[PAD_ID] = 0.0
    return out


def from_teacher(vocab: Vocab, table: np.ndarray, dim: int, std: float = DEFAULT_STD, seed: int = 0) -> np.ndarray:
    """float32 (V, E): the teacher rows of the kept pieces (row UNK_ID = the teacher's [UNK]), PCA'd and rescaled.

    The PCA is fitted on the kept rows only, so the student's dimensions go to what varies in its own vocabulary.
    """
    if len(table) != vocab.teacher_vocab_size:
        raise ValueError(f"teacher embedding table has {len(table)} rows but the tokenizer has "
                         f"{vocab.teacher_vocab_size} ids; tokenizer and weights come from different models")
    rows = np.asarray(table, dtype=np.float32)[vocab.kept[1:]]              # (V-1, Dt): UNK and the kept pieces
    out = np.zeros((vocab.size, dim), dtype=np.float32)
    out[1:] = rescale(pca_project(rows, dim, seed=seed), std)
    return out


def load_word_vectors(path: str | Path, wanted: set[str] | None = None,
                      fold_case: bool = True) -> tuple[dict[str, np.ndarray], int]:
    """({word: float32 (D,)}, D) from a word2vec/GloVe *text* file; only `wanted` words are kept (memory).

    An optional first line "<count> <dim>" (word2vec) is skipped. The first occurrence of a word wins; with
    `fold_case`, a cased entry ("Film") also serves the lowercase word ("film") unless an exact entry exists.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such word-vector file")
    vectors: dict[str, np.ndarray] = {}
    folded: set[str] = set()      # keys filled from a differently cased entry (an exact entry replaces them)
    dim = None
    with open(p, encoding="utf-8", errors="strict") as f:
        for line_no, line in enumerate(f, 1):
            parts = line.rstrip("\n").rstrip(" ").split(" ")
            if line_no == 1 and len(parts) == 2 and all(x.isdigit() for x in parts):
                dim = int(parts[1])
                continue
            if len(parts) < 2:
                continue
            if dim is None:
                dim = len(parts) - 1
            if len(parts) - 1 != dim:
                raise ValueError(f"{p}:{line_no}: expected {dim} numbers after the word, found {len(parts) - 1}")
            word = parts[0]
            if wanted is None or word in wanted:
                key, exact = word, True
            elif fold_case and word.lower() in wanted:
                key, exact = word.lower(), False
            else:
                continue
            if key in vectors and not (exact and key in folded):
                continue
            try:
                vectors[key] = np.asarray(parts[1:], dtype=np.float32)
            except ValueError:
                raise ValueError(f"{p}:{line_no}: not a number in the vector of {word!r}") from None
            (folded.discard if exact else folded.add)(key)
    if dim is None:
        raise ValueError(f"{p}: no vectors found (is it a word2vec/GloVe text file? binary files are not read)")
    return vectors, dim


def from_word_vectors(vocab: Vocab, tokenizer, path: str | Path, dim: int, fallback: np.ndarray,
                      std: float = DEFAULT_STD, seed: int = 0) -> tuple[np.ndarray, float]:
    """(float32 (V, E), hit rate): rows of whole-word pieces found in the file (case-folded if need be),
    PCA'd to `dim` and rescaled; other rows (## continuations, misses) keep `fallback` (V, E)."""
    pieces = [tokenizer.id_to_token(int(t)) or "" for t in vocab.kept]
    wanted = {p for p in pieces[UNK_ID + 1:] if p and not p.startswith("##")}
    vectors, _ = load_word_vectors(path, wanted)
    hits = [(i, vectors.get(p)) for i, p in enumerate(pieces) if i > UNK_ID and p in wanted]
    hits = [(i, v) for i, v in hits if v is not None]
    out = np.array(fallback, dtype=np.float32, copy=True)
    if len(hits) >= 2:
        idx = np.asarray([i for i, _ in hits])
        out[idx] = rescale(pca_project(np.stack([v for _, v in hits]), dim, seed=seed), std)
    out[PAD_ID] = 0.0
    return out, len(hits) / max(vocab.size - 2, 1)


def teacher_dir_files(name_or_dir: str | None) -> Path:
    """A local folder with the teacher's tokenizer.json and safetensors weights (hub ids are downloaded once)."""
    from ..teacher.locate import resolve_teacher

    src = resolve_teacher(name_or_dir)
    if Path(src).is_dir():
        return Path(src)
    from huggingface_hub import snapshot_download  # pragma: no cover - needs network

    return Path(snapshot_download(src, allow_patterns=["*.json", "*.safetensors", "*.txt"]))
