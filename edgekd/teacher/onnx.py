"""The teacher as ONNX for fast labelling: `torch.onnx.export`, optional dynamic int8 (onnxruntime.quantization),
and `OrtTeacher.logits`, which tokenizes and batches exactly like `teacher_logits` (same truncation, same
length-sorted token-budget batches) so the two backends differ only in the arithmetic.

An int8 teacher is an approximation: `agreement_gate` compares it with the torch teacher on labelled dev text
and the caller falls back to torch, loudly, when argmax agreement is under the gate.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..util.progress import progress_bar
from .config import TEACHER
from .model import Teacher, token_budget_batches

ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
PRECISIONS = ("fp32", "int8")
GATE_MIN_AGREEMENT = 0.99


def export_teacher_onnx(teacher: Teacher, out: str | Path, precision: str = "int8") -> Path:
    """Write the teacher to `out` (fp32 graph, then dynamic int8 weights when precision == "int8"); returns it."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fp32 = out if precision == "fp32" else out.with_name(out.stem + ".fp32.tmp.onnx")
    enc = teacher.tokenizer(["a short example", "another one"], padding=True, return_tensors="pt")
    model = teacher.model.float().cpu().eval()
    names = [n for n in ONNX_INPUTS if n in enc]
    with torch.inference_mode():
        torch.onnx.export(model, tuple(enc[n] for n in names), str(fp32), input_names=names,
                          output_names=["logits"], opset_version=17, dynamo=False,
                          dynamic_axes={**{n: {0: "batch", 1: "seq"} for n in names}, "logits": {0: "batch"}})
    if precision == "int8":
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8)
        fp32.unlink()
    return out


class OrtTeacher:
    """An onnxruntime session over an exported teacher, with the teacher's own fast tokenizer."""

    def __init__(self, onnx_path: str | Path, tokenizer, threads: int | None = None) -> None:
        import onnxruntime as ort

        so = ort.SessionOptions()
        if threads:
            so.intra_op_num_threads = int(threads)
        so.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_path), sess_options=so, providers=["CPUExecutionProvider"])
        self.inputs = tuple(i.name for i in self.session.get_inputs())
        self.tokenizer = tokenizer

    def logits(self, texts: Sequence[str], text_pairs: Sequence[str] | None = None, *,
               max_length: int = TEACHER.max_length, max_tokens: int = TEACHER.max_tokens,
               progress: bool = False) -> np.ndarray:
        """float32 (N, C) logits in input order (see `teacher_logits`, which this mirrors)."""
        tok, n = self.tokenizer, len(texts)
        enc = tok(list(texts), list(text_pairs) if text_pairs is not None else None, truncation=True,
                  max_length=max_length, add_special_tokens=True)
        lengths = np.fromiter((len(x) for x in enc["input_ids"]), dtype=np.int64, count=n)
        out: np.ndarray | None = None
        bar = progress_bar(n, progress, "teacher logits (onnxruntime)")
        for idx in token_budget_batches(lengths, max_tokens):
            batch = tok.pad({k: [enc[k][i] for i in idx] for k in enc.keys()}, return_tensors="np")
            feeds = {k: np.asarray(batch[k], dtype=np.int64) for k in self.inputs}
            logits = self.session.run(None, feeds)[0]
            if out is None:
                out = np.zeros((n, logits.shape[1]), dtype=np.float32)
            out[idx] = logits
            bar.update(len(idx))
        bar.close()
        return out if out is not None else np.zeros((0, 0), dtype=np.float32)


@dataclass(frozen=True)
class GateResult:
    """How an approximate teacher compares with the torch teacher on the same rows."""

    rows: int
    agreement: float          # argmax agreement
    logit_mse: float
    max_abs_diff: float
    min_agreement: float = GATE_MIN_AGREEMENT

    @property
    def passed(self) -> bool:
        return self.agreement >= self.min_agreement

    def to_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}


def agreement_gate(reference: np.ndarray, candidate: np.ndarray, min_agreement: float = GATE_MIN_AGREEMENT) -> GateResult:
    """Pure: argmax agreement, logit MSE and max |diff| of `candidate` against `reference` (both (N, C))."""
    if reference.shape != candidate.shape:
        raise ValueError(f"logit shapes differ: {reference.shape} vs {candidate.shape}")
    if len(reference) == 0:
        raise ValueError("the agreement gate needs at least one row")
    d = candidate.astype(np.float64) - reference.astype(np.float64)
    return GateResult(rows=len(reference), agreement=float((reference.argmax(1) == candidate.argmax(1)).mean()),
                      logit_mse=float((d ** 2).mean()), max_abs_diff=float(np.abs(d).max()),
                      min_agreement=min_agreement)
