"""`Bundle`: load a verified edgekd bundle and classify text with it, on onnxruntime or in pure numpy.

    b = Bundle.load("bundle/")                      # verify manifest, files, sha256, tokenizer, graph
    r = b.predict(["a fine film", ""])              # -> Prediction(labels, probabilities, logits, ...)
    r = pair_bundle.predict([("premise", "hypothesis")])

Text rules (encoding.py, shared with training): word pieces of the bundle's tokenizer without special
tokens; at most `max_length` pieces per sentence, longer rows are cut and reported in
`Prediction.truncated` / `metadata["truncated_rows"]`; an empty or whitespace-only text (no pieces) is
encoded as the single id `tokenizer.empty_id`, so it gets the model's defined answer on "nothing", the same
in every backend, and is reported in `metadata["empty_rows"]`. Any Unicode string is accepted (a Python
str holding lone surrogates, which is not valid Unicode, gets them replaced by U+FFFD first).

Rows are sorted by length and run in batches of similar length (less padding; for fp32 the same results
as one by one), then put back in the caller's order (schedule.py: the batching rule, and how windows of rows are
tokenized while the previous window runs). One text takes a lean path with the same inputs and results.
ASCII text is tokenized by a cached fast path with the same ids (fasttok.py), the rest by `tokenizers`.

Agreement between the backends (`PARITY_TOLERANCE`, tested on SST-2/MRPC dev): fp32 logits agree within
1e-5 absolute. int8 logits agree within 0.05 * max(1, max |logit|), and the labels agree wherever the
margin between the top two logits exceeds twice that: onnxruntime's DynamicQuantizeLSTM also quantizes the
LSTM's input and hidden state per tensor at run time (so an int8 row even depends a little on its batch
mates), while the numpy backend dequantizes the same int8 weights and keeps activations in fp32.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from .contract import DEFAULT_BATCH_SIZE, DEFAULT_MAX_TOKENS, TOLERANCE
from .encoding import Encoded, encode_ids, pad_batch
from .errors import BackendUnavailableError, InputArityError, InputError
from .fasttok import AsciiWordPiece
from .manifest import INPUT_IDS, INPUT_IDS_B, LENGTHS, LENGTHS_B, LOGITS, Manifest, ModelSpec
from .schedule import run_windows, window_batches
from .verify import open_bundle

BACKENDS = ("onnxruntime", "numpy")
_TOKENIZE_SLICE = 128
_NAMES = ((INPUT_IDS, LENGTHS), (INPUT_IDS_B, LENGTHS_B))
# DEFAULT_MAX_TOKENS (contract.py), padded word pieces per batch: activations grow ~12 KB per token in onnxruntime
# (H=150); 512 keeps a predicting process near the 80 MB RSS budget at ~90% of the best throughput (bench.py).


def _valid_unicode(text: str) -> str:
    """Join surrogate pairs and turn lone surrogates (possible in a Python str, absent from real text) into U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


PARITY_TOLERANCE = TOLERANCE   # absolute for fp32; relative to max(1, max |logit|) for int8 (contract.py)


def parity_tolerance(precision: str, logits: np.ndarray) -> float:
    """Largest |logit difference| allowed between the numpy and onnxruntime backends for these logits."""
    if precision == "fp32":
        return PARITY_TOLERANCE["fp32"]
    return PARITY_TOLERANCE["int8"] * max(1.0, float(np.abs(logits).max(initial=0.0)))


@dataclass(frozen=True)
class Prediction:
    """Results in input order. label_ids: (N,) int64; probabilities, logits: (N, C) float32; truncated: (N,) bool."""

    labels: tuple[str, ...]
    label_ids: np.ndarray
    probabilities: np.ndarray
    logits: np.ndarray
    truncated: np.ndarray
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.labels)

    def records(self, probs: bool = False, label_names: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
        """One JSON-able dict per row: label, score, truncated, and {label: probability} when probs."""
        for i, lab in enumerate(self.labels):
            rec: dict[str, Any] = {"label": lab, "score": round(float(self.probabilities[i, self.label_ids[i]]), 6)}
            if probs:
                rec["probs"] = {n: round(float(p), 6) for n, p in zip(label_names, self.probabilities[i])}
            if self.truncated[i]:
                rec["truncated"] = True
            yield rec


class Bundle:
    """A loaded bundle. Thread-safe: `predict` keeps no state between calls."""

    def __init__(self, root: Path, manifest: Manifest, spec: ModelSpec, tokenizer, backend) -> None:
        self.root, self.manifest, self.spec, self.tokenizer, self.backend = root, manifest, spec, tokenizer, backend
        tok = manifest.tokenizer
        self._pad_id, self._empty, self._max_len = tok.pad_id, tok.empty_id, manifest.max_length
        self._fast = AsciiWordPiece.for_tokenizer(tokenizer)
        # Batches run concurrently on this many threads (onnxruntime; the numpy backend runs on the caller's).
        self._workers = max(1, int(getattr(backend, "threads", 1)))

    @classmethod
    def load(cls, path: str | Path, backend: str = "onnxruntime", model: str | None = None,
             threads: int | None = None, verify: bool = True, optimization: str = "all",
             session_config: Mapping[str, str] | None = None, mem_arena: bool = True) -> "Bundle":
        """Verify and load a bundle directory.

        backend: "onnxruntime" (default) or "numpy" (pure numpy, no onnxruntime needed).
        model: a model file name or precision ("fp32"/"int8") from the manifest; default: `default_model`.
        threads: CPU threads predict may use on onnxruntime (default 1; take it from the device profile): the
            session's intra-op threads and, for many rows, the number of batches run at once on a thread pool
            while the calling thread tokenizes the next window (schedule.py). threads=1 runs everything on the
            calling thread; only non-ASCII rows of a many-row call go to `tokenizers`' own Rust pool (size:
            RAYON_NUM_THREADS; TOKENIZERS_PARALLELISM=false makes it serial). The numpy backend ignores it: numpy's BLAS pool is sized by OPENBLAS_NUM_THREADS/OMP_NUM_THREADS when numpy
            is first imported. Set 1 there (edgekd-run does): the BiLSTM's matrices are too small for BLAS
            threads, which made batch-1 latency 14x worse on a busy 2-core host.
        verify: check sha256 of every file (sizes and presence are always checked).
        optimization, session_config, mem_arena: onnxruntime graph optimisation level, extra session config
        entries and the CPU memory arena switch (see ort_backend.py; the device profile's [onnxruntime]).
        """
        if backend not in BACKENDS:
            raise BackendUnavailableError(f"unknown backend {backend!r}; choose one of {list(BACKENDS)}")
        threads = 1 if threads is None else int(threads)
        if threads < 1:
            raise ValueError("threads must be >= 1")
        v = open_bundle(path, model=model, check_hashes=verify, decode=(backend == "numpy"))
        if backend == "numpy":
            from .numpy_backend import NumpyGraph, check_student_kind
            check_student_kind(v.manifest)
            runner = NumpyGraph(v.graph)
        else:
            from .ort_backend import OrtBackend
            runner = OrtBackend(v.data, threads=threads, optimization=optimization, extra=session_config,
                                mem_arena=mem_arena, label=v.label)
        return cls(v.root, v.manifest, v.spec, v.tokenizer, runner)

    # ------------------------------------------------------------ properties
    @property
    def labels(self) -> tuple[str, ...]:
        return self.manifest.labels

    @property
    def pair(self) -> bool:
        return self.manifest.pair

    @property
    def max_length(self) -> int:
        return self._max_len

    # ------------------------------------------------------------ prediction
    def _check(self, items: Sequence[Any]) -> None:
        for i, x in enumerate(items):
            if self.pair:
                if isinstance(x, str):
                    raise InputArityError(f"item {i}: this is a pair model ({self.manifest.task}); give "
                                          "(text, text_pair) tuples, not single strings")
                if not isinstance(x, (tuple, list)) or len(x) != 2:
                    raise InputArityError(f"item {i}: a pair model needs (text, text_pair), got {type(x).__name__}"
                                          f"{' of length ' + str(len(x)) if isinstance(x, (tuple, list)) else ''}")
                if not (isinstance(x[0], str) and isinstance(x[1], str)):
                    raise InputError(f"item {i}: both parts of a pair must be str")
            elif not isinstance(x, str):
                if isinstance(x, (tuple, list)):
                    raise InputArityError(f"item {i}: this is a single-sentence model ({self.manifest.task}); "
                                          "got a pair/sequence instead of one string")
                raise InputError(f"item {i}: expected str, got {type(x).__name__}")

    def _ids(self, texts: Sequence[str]) -> list[list[int]]:
        try:
            return self._ids_raw(texts)
        except TypeError:       # `tokenizers` rejects str holding lone surrogates (not valid Unicode)
            return self._ids_raw([_valid_unicode(t) for t in texts])

    def _ids_raw(self, texts: Sequence[str]) -> list[list[int]]:
        fast = self._fast
        out: list = [fast.ids(t) for t in texts] if fast is not None else [None] * len(texts)
        todo = [i for i, ids in enumerate(out) if ids is None]
        if len(todo) == 1:                                   # lean call for one text (same ids as encode_batch)
            out[todo[0]] = self.tokenizer.encode(texts[todo[0]], add_special_tokens=False).ids
        # Slices: a tokenizers.Encoding weighs ~10 KB (tokens, offsets, masks), so keep only a few alive.
        for s in range(0, len(todo) if len(todo) > 1 else 0, _TOKENIZE_SLICE):
            part = todo[s:s + _TOKENIZE_SLICE]
            for i, ids in zip(part, encode_ids(self.tokenizer, [texts[i] for i in part])):
                out[i] = ids
        return out

    def _padded(self, id_lists: Sequence[Sequence[int]]) -> Encoded:
        return pad_batch(id_lists, self._max_len, pad_id=self._pad_id, empty_id=self._empty)

    def predict(self, items: Sequence[str] | Sequence[tuple[str, str]] | str, batch_size: int = DEFAULT_BATCH_SIZE,
                max_tokens: int | None = DEFAULT_MAX_TOKENS) -> Prediction:
        """Classify texts (single-sentence bundle) or (text, text_pair) tuples (pair bundle), in input order.

        Rows are sorted by length and cut into batches of at most `batch_size` rows and at most `max_tokens`
        padded word pieces (rows x longest row; None = no limit). The token cap bounds activation memory:
        the LSTM keeps B x T x 4H x 2 directions floats, so long rows get smaller batches.
        """
        if isinstance(items, str):
            items = [items]
        elif not isinstance(items, Sequence):
            items = list(items)                             # generators, dict views, ...
        if self.pair and isinstance(items, tuple) and len(items) == 2 and all(isinstance(s, str) for s in items):
            items = [items]
        self._check(items)
        if len(items) == 1:
            return self._predict_one(items[0])
        n = len(items)
        batch = max(1, int(batch_size))
        logits = np.empty((n, len(self.labels)), dtype=np.float32)
        flags: list[tuple[np.ndarray, np.ndarray]] = []

        def prepare(a: int, b: int):
            sides, truncated, empty, width = self._encode_rows(items[a:b])
            flags.append((truncated, empty))
            return sides, window_batches(width * len(sides), batch, max_tokens)

        run_windows(n, prepare, lambda w, idx: self._run([[side[i] for i in idx] for side in w[0]]),
                    lambda w: w[1], logits, self._workers)
        truncated = np.concatenate([f[0] for f in flags]) if flags else np.zeros(0, dtype=bool)
        empty = np.concatenate([f[1] for f in flags]) if flags else np.zeros(0, dtype=bool)
        return self._result(logits, truncated, empty)

    def _encode_rows(self, items: Sequence[Any]):
        """(ids per side, truncated, empty, padded width) of some rows."""
        n = len(items)
        if self.pair:
            sides = [self._ids([x[0] for x in items]), self._ids([x[1] for x in items])]
        else:
            sides = [self._ids(items)]
        raw_lens = np.array([[len(ids) for ids in side] for side in sides], dtype=np.int64).reshape(len(sides), n)
        truncated = (raw_lens > self._max_len).any(axis=0)
        empty = (raw_lens == 0).any(axis=0)
        width = np.minimum(raw_lens, self._max_len).max(axis=0)        # padded length per row (pairs: both)
        return sides, truncated, empty, width

    def _predict_one(self, item: Any) -> Prediction:
        """One text or pair: the same session inputs as `pad_batch` of one row, built without the batch machinery."""
        feeds, truncated, empty = {}, False, False
        for (ids_name, len_name), text in zip(_NAMES, (item,) if not self.pair else item):
            ids = self._ids((text,))[0]
            k = min(len(ids), self._max_len)
            truncated, empty = truncated or len(ids) > k, empty or k == 0
            feeds[ids_name] = np.array([ids[:k] if k else (self._empty,)], dtype=np.int64)
            feeds[len_name] = np.array((k or 1,), dtype=np.int64)
        logits = np.asarray(self.backend.run(feeds)[LOGITS], dtype=np.float32)
        return self._result(logits, np.array((truncated,)), np.array((empty,)))

    def _run(self, sides: list[list[list[int]]]) -> np.ndarray:
        feeds = {}
        for (ids_name, len_name), side in zip(_NAMES, sides):
            enc = self._padded(side)
            feeds[ids_name], feeds[len_name] = enc.ids, enc.lengths
        return np.asarray(self.backend.run(feeds)[LOGITS], dtype=np.float32)

    def _result(self, logits: np.ndarray, truncated: np.ndarray, empty: np.ndarray) -> Prediction:
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        ids = logits.argmax(axis=1)
        names = self.manifest.labels
        meta = {"backend": self.backend.name, "model": self.spec.file, "precision": self.spec.precision,
                "max_length": self._max_len, "num_truncated": int(truncated.sum()),
                "truncated_rows": np.flatnonzero(truncated).tolist(), "empty_rows": np.flatnonzero(empty).tolist()}
        return Prediction(tuple(names[i] for i in ids.tolist()), ids, p, logits, truncated, meta)

    def info(self) -> dict[str, Any]:
        """The manifest plus where it was loaded from and how it runs (for `edgekd-run info`)."""
        return {"path": str(self.root), "backend": self.backend.name, "model": self.spec.file,
                "manifest": self.manifest.to_dict()}

    def __repr__(self) -> str:
        return (f"Bundle({str(self.root)!r}, task={self.manifest.task!r}, model={self.spec.file!r}, "
                f"backend={self.backend.name!r})")
