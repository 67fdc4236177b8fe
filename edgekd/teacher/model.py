"""Load a teacher and compute its logits fast: length-sorted token-budget batches, inference mode, bf16 optional.

This is the one small adaptor between the rest of edgekd and the teacher: everything downstream sees only
logits, and on request the teacher's sentence representation (`teacher_outputs`).
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import torch

from ..util.progress import progress_bar
from .config import TEACHER
from .locate import resolve_teacher


@dataclass(frozen=True)
class Teacher:
    """A loaded classifier and its fast tokenizer."""

    model: torch.nn.Module
    tokenizer: object           # transformers PreTrainedTokenizerFast
    source: str                 # path or hub id it came from
    has_head: bool              # True if the checkpoint already carried a classification head for this task

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def tokenizer_json(self) -> str:
        """The backend `tokenizers` JSON, the file the student and the bundle ship."""
        return self.tokenizer.backend_tokenizer.to_str()


def pick_device(device: str | None = None) -> torch.device:
    if device:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_teacher(name_or_dir: str | None, num_labels: int, device: str | None = None,
                 labels: Sequence[str] | None = None) -> Teacher:
    """Load a sequence classifier; a checkpoint without a head for `num_labels` gets a fresh one."""
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    src = resolve_teacher(name_or_dir)
    config = AutoConfig.from_pretrained(src)
    archs = config.architectures or []
    has_head = any(a.endswith("ForSequenceClassification") for a in archs) and config.num_labels == num_labels
    kwargs = {} if has_head else {"num_labels": num_labels, "ignore_mismatched_sizes": True}
    if labels is not None and not has_head:
        kwargs["id2label"] = {i: str(l) for i, l in enumerate(labels)}
        kwargs["label2id"] = {str(l): i for i, l in enumerate(labels)}
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the "newly initialized head" warning is expected; we report has_head instead
    try:
        model = AutoModelForSequenceClassification.from_pretrained(src, **kwargs)
    finally:
        hf_logging.set_verbosity(verbosity)
    tokenizer = AutoTokenizer.from_pretrained(src, use_fast=True)
    if not getattr(tokenizer, "is_fast", False):
        raise RuntimeError(f"{src}: edgekd needs a fast tokenizer (tokenizer.json); this teacher has only a slow one")
    model.to(pick_device(device)).eval()
    return Teacher(model=model, tokenizer=tokenizer, source=src, has_head=has_head)


def weights_hash(model: torch.nn.Module) -> str:
    """sha256 of every parameter and buffer (name, dtype, bytes): identifies the teacher for cache keys."""
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(str(t.dtype).encode())
        h.update(t.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def token_budget_batches(lengths: np.ndarray, max_tokens: int, max_batch: int = 512) -> Iterator[np.ndarray]:
    """Indices grouped so each batch's padded size (rows * longest) stays under max_tokens; longest first."""
    order = np.argsort(-lengths, kind="stable")
    start = 0
    n = len(order)
    while start < n:
        longest = max(int(lengths[order[start]]), 1)
        size = max(1, min(max_batch, max_tokens // longest))
        yield order[start:start + size]
        start += size


REPRESENTATION = "cls_last"      # what `teacher_outputs` returns as the sentence representation (cache key value)


def teacher_logits(teacher: Teacher, texts: Sequence[str], text_pairs: Sequence[str] | None = None, *,
                   max_length: int = TEACHER.max_length, max_tokens: int = TEACHER.max_tokens, bf16: bool = False,
                   progress: bool = False) -> np.ndarray:
    """float32 (N, C) logits in input order. Sorting by length keeps padding (and wasted FLOPs) small."""
    return teacher_outputs(teacher, texts, text_pairs, max_length=max_length, max_tokens=max_tokens, bf16=bf16,
                           progress=progress)[0]


@torch.inference_mode()
def teacher_outputs(teacher: Teacher, texts: Sequence[str], text_pairs: Sequence[str] | None = None, *,
                    max_length: int = TEACHER.max_length, max_tokens: int = TEACHER.max_tokens, bf16: bool = False,
                    progress: bool = False, representation: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """(float32 (N, C) logits, float16 (N, D) representations or None) in input order.

    The representation (`representation=True`) is the last layer's hidden state at the first token ([CLS]):
    every BERT-family encoder has it, whatever its classification head does with it. It is read by a forward
    hook on the encoder (`model.base_model`, output[0] = last hidden state) that is removed after the call:
    `output_hidden_states=True` would make transformers install hooks of its own that stay on the model and
    make it unpicklable (so it could no longer be shipped to Ray actors)."""
    tok = teacher.tokenizer
    n = len(texts)
    enc = tok(list(texts), list(text_pairs) if text_pairs is not None else None, truncation=True,
              max_length=max_length, add_special_tokens=True)
    lengths = np.fromiter((len(x) for x in enc["input_ids"]), dtype=np.int64, count=n)
    out = np.zeros((n, teacher.model.config.num_labels), dtype=np.float32)
    reps = np.zeros((n, teacher.model.config.hidden_size), dtype=np.float16) if representation else None
    device = teacher.device
    use_bf16 = bf16_enabled(bf16, device)
    seen: list[torch.Tensor] = []
    hook = teacher.model.base_model.register_forward_hook(
        lambda _m, _i, o: seen.append(o[0][:, 0].detach())) if representation else None
    bar = progress_bar(n, progress, "teacher logits")
    try:
        for idx in token_budget_batches(lengths, max_tokens):
            batch = tok.pad({k: [enc[k][i] for i in idx] for k in enc.keys()}, return_tensors="pt")
            batch = {k: v.to(device) for k, v in batch.items()}
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                out[idx] = teacher.model(**batch).logits.float().cpu().numpy()
            if reps is not None:
                reps[idx] = seen.pop().float().cpu().numpy().astype(np.float16)
            bar.update(len(idx))
    finally:
        if hook is not None:
            hook.remove()
        bar.close()
    return out, reps


def cpu_has_bf16() -> bool:
    """bf16 autocast on CPU only pays off with native bf16/AVX-512 support; elsewhere it is emulated (see
    `edgekd.host`, which also honours $EDGEKD_ASSUME_CPU)."""
    from ..host import detect_host

    return detect_host().bf16


def bf16_enabled(requested: bool, device: torch.device) -> bool:
    """Whether to run the teacher under bf16 autocast: when asked for, on CUDA or on a CPU with native bf16."""
    return bool(requested) and (device.type == "cuda" or cpu_has_bf16())


def save_eval(path: str | Path, record: dict) -> None:
    Path(path).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


def now() -> float:
    return time.perf_counter()
