"""Export-time checks: reference student vs fp32 ONNX parity, int8 vs fp32 agreement and task metric, and budgets.

The reference model (the torch student) and the task metric come from the caller, as a `Parity` and a `Scorer`,
so the exporters never import torch or the training core. Every number lands in the manifest's `metrics`; a
broken budget raises `BudgetError` (naming the budget, the measured value and the limit) unless the caller
explicitly allows it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable, Sequence

import numpy as np
import onnx

from edgekd_runtime.encoding import Encoded, encode
from edgekd_runtime.manifest import INPUT_IDS, INPUT_IDS_B, LENGTHS, LENGTHS_B

PARITY_ATOL = 1e-4        # reference (torch) student vs fp32 ONNX, max abs logit difference
VALIDATION_BATCH = 64     # int8 logits depend (slightly) on batch composition; this is the batch size we validate at


class BudgetError(RuntimeError):
    """An export-time budget (parity, int8 accuracy drop, size) was broken."""


@dataclass(frozen=True)
class Budgets:
    """Limits checked at export. None switches a check off."""

    max_parity_abs: float | None = PARITY_ATOL   # torch vs fp32 ONNX logits
    max_drop_points: float | None = 0.5          # fp32 task metric minus int8 task metric, in points (x100)
    max_bundle_bytes: int | None = None          # all bundle files together

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Probe:
    """Model inputs for checks: teacher ids + lengths (and the second sentence's for pairs), labels if known."""

    a: Encoded
    b: Encoded | None = None
    labels: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.a.lengths)

    def slice(self, i: int, j: int) -> dict[str, np.ndarray]:
        """ORT feeds for rows [i, j), cut to the widest row of the slice."""
        feeds = {INPUT_IDS: _cut(self.a, i, j), LENGTHS: self.a.lengths[i:j]}
        if self.b is not None:
            feeds |= {INPUT_IDS_B: _cut(self.b, i, j), LENGTHS_B: self.b.lengths[i:j]}
        return feeds


def _cut(e: Encoded, i: int, j: int) -> np.ndarray:
    return np.ascontiguousarray(e.ids[i:j, :max(1, int(e.lengths[i:j].max()))])


def dev_probe(dev, tokenizer, max_length: int, pad_id: int, empty_id: int) -> Probe:
    """Encode a dataset (`.texts`, `.text_pairs` or None, `.labels`) with the shared encoding rule."""
    enc = lambda texts: encode(tokenizer, list(texts), max_length, pad_id=pad_id, empty_id=empty_id)  # noqa: E731
    pairs = getattr(dev, "text_pairs", None)
    return Probe(enc(dev.texts), enc(pairs) if pairs is not None else None,
                 np.asarray(dev.labels, dtype=np.int64))


def random_probe(teacher_vocab: int, pair: bool, n: int = 96, max_len: int = 24, pad_id: int = 0,
                 seed: int = 0) -> Probe:
    """Random teacher ids with lengths 1..max_len (every batch has length-1 rows), right-padded with pad_id."""
    rng = np.random.default_rng(seed)

    def one() -> Encoded:
        lengths = rng.integers(1, max_len + 1, n)
        lengths[::7] = 1
        ids = rng.integers(1, teacher_vocab, (n, max_len))
        ids[np.arange(max_len)[None, :] >= lengths[:, None]] = pad_id
        return Encoded(ids=ids.astype(np.int64), lengths=lengths.astype(np.int64), truncated=np.zeros(n, bool))

    return Probe(one(), one() if pair else None)


def ort_logits(model: onnx.ModelProto | bytes, probe: Probe, batch: int = VALIDATION_BATCH) -> np.ndarray:
    """Logits (N, C) of an ONNX model on a probe, in batches of `batch` rows, on one CPU thread."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    raw = model if isinstance(model, bytes) else model.SerializeToString()
    sess = ort.InferenceSession(raw, opts, providers=["CPUExecutionProvider"])
    return np.concatenate([sess.run(None, probe.slice(i, i + batch))[0] for i in range(0, len(probe), batch)])


@dataclass(frozen=True)
class Parity:
    """What the fp32 graph must reproduce: `reference(probe) -> logits (N, C)` (e.g. the torch student, supplied by
    the training core), or, when there is none, the reason recorded in the manifest instead of a measurement."""

    reference: Callable[[Probe], np.ndarray] | None = None
    reason: str = "no reference model given"


def measure_parity(fp32: onnx.ModelProto, probes: Sequence[Probe], parity: Parity) -> dict:
    """{"measured", "max_abs_diff", "rows", "atol"} for the reference vs fp32 ONNX, or {"measured": False, "reason"}."""
    if parity.reference is None:
        return {"measured": False, "reason": parity.reason}
    diff, rows = 0.0, 0
    for p in probes:
        diff = max(diff, float(np.abs(parity.reference(p) - ort_logits(fp32, p)).max()))
        rows += len(p)
    return {"measured": True, "max_abs_diff": diff, "rows": rows, "atol": PARITY_ATOL}


# (labels, predictions) -> {"accuracy": ..., <the task metric>: ...} over the rows with a known label (>= 0).
Scorer = Callable[[np.ndarray, np.ndarray], dict[str, float]]


def accuracy_scorer(labels: np.ndarray, preds: np.ndarray) -> dict[str, float]:
    """The default Scorer: accuracy over rows with a known label (a caller with a task metric passes its own)."""
    keep = np.asarray(labels) >= 0
    y, p = np.asarray(labels)[keep], np.asarray(preds)[keep]
    return {"accuracy": float((y == p).mean()) if len(y) else 0.0}


def compare(fp32_logits: np.ndarray, int8_logits: np.ndarray, labels: np.ndarray | None, metric: str,
            scorer: Scorer = accuracy_scorer) -> dict:
    """int8 vs fp32: argmax agreement, max abs logit diff, and both task scores (`scorer`) when labels are known."""
    a, b = fp32_logits.argmax(1), int8_logits.argmax(1)
    out: dict[str, Any] = {"rows": int(len(a)), "argmax_agreement": float((a == b).mean()),
                           "max_abs_logit_diff": float(np.abs(fp32_logits - int8_logits).max())}
    if labels is not None and (labels >= 0).any():
        s32, s8 = scorer(labels, a), scorer(labels, b)
        out |= {"metric": metric, "fp32": s32, "int8": s8,
                "drop_points": 100.0 * (s32[metric] - s8[metric]),
                "accuracy_drop_points": 100.0 * (s32["accuracy"] - s8["accuracy"])}
    return out


def check_budgets(metrics: dict, budgets: Budgets, bundle_bytes: int | None, allow_break: bool) -> list[str]:
    """Messages for every broken budget; raises BudgetError listing them unless `allow_break`."""
    broken = []
    par = metrics.get("parity_torch_fp32", {})
    if budgets.max_parity_abs is not None and par.get("measured") and par["max_abs_diff"] > budgets.max_parity_abs:
        broken.append(f"torch vs fp32 ONNX max abs logit diff {par['max_abs_diff']:.3g} > {budgets.max_parity_abs:g}")
    dev = metrics.get("int8_vs_fp32_dev", {})
    if budgets.max_drop_points is not None and "drop_points" in dev and dev["drop_points"] > budgets.max_drop_points:
        broken.append(f"int8 {dev['metric']} drop {dev['drop_points']:.2f} points on dev "
                      f"(fp32 {100 * dev['fp32'][dev['metric']]:.2f} -> int8 {100 * dev['int8'][dev['metric']]:.2f}) "
                      f"> budget {budgets.max_drop_points:g}")
    if budgets.max_bundle_bytes is not None and bundle_bytes is not None and bundle_bytes > budgets.max_bundle_bytes:
        broken.append(f"bundle is {bundle_bytes} bytes > budget {budgets.max_bundle_bytes}")
    if broken and not allow_break:
        raise BudgetError("export budget broken: " + "; ".join(broken) +
                          " (pass allow_budget_break / --allow-budget-break to write the bundle anyway)")
    return broken
