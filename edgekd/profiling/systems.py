"""The systems a profile run compares, each behind one `predict(items) -> logits` callable: the student bundle
(through the runtime), the teacher (torch, CPU or CUDA) and randomly initialised BERT reference architectures.

Heavy imports stay inside the builders, so the peak-RSS child of a student never imports torch. The only
coupling to the runtime's API is `open_student`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

Item = str | tuple[str, str]            # a sentence, or a sentence pair
PredictFn = Callable[[Sequence[Item]], np.ndarray]   # items -> float32 (B, C) logits

# Reference architectures: transformers BertConfig overrides (the defaults are BERT-base). No download:
# the weights are random, so their rows are timing-only. `num_labels` is set from the task.
REFERENCE_ARCHS: dict[str, dict[str, int]] = {
    "bert-base": {},
    "bert-large": {"hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16,
                   "intermediate_size": 4096},
}
# Files of a Hugging Face model folder that a deployment of it ships (training leftovers are not counted).
TEACHER_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


@dataclass
class System:
    """One measured system. `spec` rebuilds it in a fresh process (the peak-RSS child)."""

    name: str                   # e.g. "student-int8-onnxruntime", "teacher-cpu", "bert-base-cpu"
    kind: str                   # "student" | "teacher" | "reference"
    backend: str                # "onnxruntime" | "numpy" | "torch"
    device: str                 # "cpu" | "cuda"
    precision: str              # "int8" | "fp32"
    size_bytes: int | None
    predict: PredictFn
    spec: dict[str, Any]
    timing_only: bool = False
    info: dict[str, Any] = field(default_factory=dict)


def set_thread_env(threads: int) -> None:
    """Thread counts for libraries that read them from the environment (BLAS, OpenMP, tokenizers' rayon pool).

    Must run before those libraries start their pools; the runtime/torch settings are applied per system.
    """
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS",
                "RAYON_RS_NUM_CPUS"):
        os.environ[var] = str(threads)
    os.environ["TOKENIZERS_PARALLELISM"] = "true" if threads > 1 else "false"


def build(spec: dict[str, Any]) -> System:
    """A System from its spec (what `spec` of a built System holds); used by the parent and the RSS child."""
    kind = spec["kind"]
    if kind == "student":
        return student_system(**{k: v for k, v in spec.items() if k != "kind"})
    if kind == "teacher":
        return teacher_system(**{k: v for k, v in spec.items() if k != "kind"})
    if kind == "reference":
        return reference_system(**{k: v for k, v in spec.items() if k != "kind"})
    if kind == "plugin":
        return plugin_system(spec)
    raise ValueError(f"unknown system kind {kind!r}")


def plugin_system(spec: dict[str, Any]) -> System:
    """A system defined outside edgekd (benchmarks/' fastText and TF-IDF baselines), so the RSS child can build it.

    spec: {"kind": "plugin", "builder": "module:function", "args": {...}, "threads": n, "sys_path": [folders]};
    the function is imported (after putting `sys_path` first on sys.path) and called with `args`. It returns
    a System whose own spec is this one.
    """
    import importlib
    import sys

    for folder in reversed(spec.get("sys_path") or []):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    module, _, func = spec["builder"].partition(":")
    if not module or not func:
        raise ValueError(f"plugin builder {spec['builder']!r} is not 'module:function'")
    return getattr(importlib.import_module(module), func)(**spec.get("args", {}))


# ---- student (the one adaptor to the runtime) ---------------------------------------------------------------

# What the runtime's onnxruntime session always does (runtime/edgekd_runtime/ort_backend.py); a profile asking
# for something else is reported as not applied rather than silently ignored.
RUNTIME_ORT_FIXED = {"providers": ["CPUExecutionProvider"], "execution_mode": "sequential", "inter_op_num_threads": 1}


def open_student(bundle: str, backend: str, model: str | None, threads: int,
                 ort: dict[str, Any]) -> tuple[PredictFn, list[str]]:
    """Load a bundle with the runtime: (logits function, profile ORT settings the runtime could not apply).

    The only place that knows the runtime's API. Each call is one batch (batch_size = len(items)).
    """
    from edgekd_runtime import Bundle

    kwargs = {"optimization": ort.get("graph_optimization_level", "all"),
              "mem_arena": ort.get("enable_cpu_mem_arena", True)} if backend == "onnxruntime" else {}
    b = Bundle.load(bundle, backend=backend, model=model, threads=threads, **kwargs)
    not_applied = [] if backend != "onnxruntime" else [
        f"onnxruntime.{k}={ort[k]!r}" for k, fixed in RUNTIME_ORT_FIXED.items() if k in ort and ort[k] != fixed]

    def predict(items: Sequence[Item]) -> np.ndarray:
        return b.predict(list(items), batch_size=max(1, len(items))).logits

    return predict, not_applied


def student_system(bundle: str, backend: str, model: str, threads: int, ort: dict[str, Any]) -> System:
    from edgekd_runtime.manifest import Manifest

    man = Manifest.read(bundle)
    spec_m = man.model(model)
    size = bundle_bytes(man, spec_m.file)
    fn, not_applied = open_student(bundle, backend, spec_m.file, threads, ort)
    return System(name=f"student-{spec_m.precision}-{backend}", kind="student", backend=backend, device="cpu",
                  precision=spec_m.precision, size_bytes=size, predict=fn,
                  spec={"kind": "student", "bundle": str(bundle), "backend": backend, "model": spec_m.file,
                        "threads": threads, "ort": dict(ort)},
                  info={"model_file": spec_m.file, "model_bytes": _file_bytes(man, spec_m.file),
                        "ort_not_applied": not_applied})


def bundle_bytes(manifest, model_file: str) -> int:
    """Bytes a deployment of one model of the bundle ships: that model plus every non-model file."""
    return sum(f.bytes for f in manifest.files if f.role != "model" or f.path == model_file)


def _file_bytes(manifest, path: str) -> int | None:
    return next((f.bytes for f in manifest.files if f.path == path), None)


# ---- teacher and reference architectures (torch) -------------------------------------------------------------

def _torch_predict(model, tokenizer, device, max_length: int) -> PredictFn:
    import torch

    def predict(items: Sequence[Item]) -> np.ndarray:
        a = [x if isinstance(x, str) else x[0] for x in items]
        b = None if all(isinstance(x, str) for x in items) else [x[1] for x in items]
        enc = tokenizer(a, b, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        with torch.inference_mode():
            logits = model(**{k: v.to(device) for k, v in enc.items()}).logits
        if device.type == "cuda":
            torch.cuda.synchronize(device)   # time the kernels, not their launch
        return logits.float().cpu().numpy()

    return predict


def _torch_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:      # can only be set once per process, before any parallel work
        pass


def teacher_system(teacher: str, device: str, threads: int, max_length: int, num_labels: int) -> System:
    from transformers.utils import logging as hf_logging

    from ..teacher.model import load_teacher

    hf_logging.disable_progress_bar()
    _torch_threads(threads)
    t = load_teacher(teacher, num_labels, device=device)
    files = teacher_files(teacher)
    return System(name=f"teacher-{device}", kind="teacher", backend="torch", device=device, precision="fp32",
                  size_bytes=sum(files.values()) if files else None,
                  predict=_torch_predict(t.model, t.tokenizer, t.device, max_length),
                  spec={"kind": "teacher", "teacher": str(teacher), "device": device, "threads": threads,
                        "max_length": max_length, "num_labels": num_labels},
                  info={"source": t.source, "has_head": t.has_head, "files": files,
                        "params": sum(p.numel() for p in t.model.parameters())})


def teacher_files(teacher_dir: str | Path) -> dict[str, int]:
    """Deployable files of a local HF model folder and their bytes (weights + config + tokenizer)."""
    d = Path(teacher_dir)
    if not d.is_dir():
        return {}
    return {p.name: p.stat().st_size for p in sorted(d.iterdir())
            if p.is_file() and (p.name in TEACHER_FILES or p.suffix in (".safetensors", ".bin"))}


def reference_system(arch: str, tokenizer: str, device: str, threads: int, max_length: int,
                     num_labels: int) -> System:
    """A randomly initialised BERT of `arch` using the teacher's tokenizer; size = fp32 parameter bytes."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    _torch_threads(threads)
    tok = AutoTokenizer.from_pretrained(tokenizer, use_fast=True)
    cfg = BertConfig(**REFERENCE_ARCHS[arch], num_labels=num_labels)
    cfg.vocab_size = max(cfg.vocab_size, len(tok))
    cfg.max_position_embeddings = max(cfg.max_position_embeddings, max_length + 3)
    torch.manual_seed(0)
    model = BertForSequenceClassification(cfg).eval().to(device)
    params = sum(p.numel() for p in model.parameters())
    return System(name=f"{arch}-{device}", kind="reference", backend="torch", device=device, precision="fp32",
                  size_bytes=4 * params, predict=_torch_predict(model, tok, torch.device(device), max_length),
                  spec={"kind": "reference", "arch": arch, "tokenizer": str(tokenizer), "device": device,
                        "threads": threads, "max_length": max_length, "num_labels": num_labels},
                  timing_only=True, info={"params": params, "size": "fp32 parameter bytes (not written)"})
