"""Student checkpoint -> validated bundle directory (ONNX model(s), tokenizer.json, README.md, manifest.json).

The bundle is assembled in a temporary sibling and renamed into place only when every budget holds (or breaking
them is explicitly allowed), so a failed export never leaves something that looks like a good bundle.
"""
from __future__ import annotations

import json
import platform
import shutil
import tarfile
import time
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from edgekd.fsutil import replace_dir
from edgekd_runtime.manifest import (INPUT_IDS, INPUT_IDS_B, LENGTHS, LENGTHS_B, MANIFEST_FILE, Manifest, ModelSpec,
                                     TokenizerSpec, file_entry, sha256_file)

from .golden import golden_record, write_golden
from .graph import build_graph
from .quantize import QuantSpec, get_preset, quantize
from .readme import model_card
from .validate import (VALIDATION_BATCH, Budgets, check_budgets, compare, dev_probe, measure_parity, ort_logits,
                       random_probe)

PRECISIONS = ("int8", "fp32", "both")
MODEL_FILES = {"fp32": "model.fp32.onnx", "int8": "model.int8.onnx"}
TOKENIZER_FILE = "tokenizer.json"
README_FILE = "README.md"
GOLDEN_FILE = "golden.json"


def export_bundle(checkpoint_dir: str | Path, out_dir: str | Path, *, precision: str = "int8",
                  quant: str | QuantSpec = "default", dev_data=None, metric: str | None = None,
                  budgets: Budgets = Budgets(), allow_budget_break: bool = False, check_parity: bool | None = None,
                  archive: str | None = None, dev_limit: int | None = None,
                  label_names: tuple[str, ...] | None = None) -> Manifest:
    """Export the student in `checkpoint_dir` to the bundle `out_dir` and return its Manifest.

    precision: "int8" (default), "fp32" or "both" (int8 is then the default model).
    quant: a preset name of `quantize.PRESETS` or a QuantSpec.
    dev_data: optional labelled data (`.texts`, `.text_pairs` or None, `.labels`) for the int8 metric check;
              `metric` defaults to the registered task's metric, else accuracy.
    check_parity: None measures torch vs fp32 when torch is installed; True requires it; False skips it.
    archive: None, "tar" or "zip": also write `out_dir`.tar / .zip holding the bundle directory.
    label_names: names every host prints for the classes, in class-id order (default: the checkpoint's labels).
    """
    from tokenizers import Tokenizer

    import edgekd
    from edgekd.student.checkpoint import load_numpy_weights
    from edgekd.student.config import TOKENIZER_FILE as CKPT_TOKENIZER, WEIGHTS_FILE, StudentConfig

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if archive not in (None, "tar", "zip"):
        raise ValueError(f"archive must be 'tar' or 'zip', got {archive!r}")
    ckpt, out = Path(checkpoint_dir), Path(out_dir)
    for need in ("config.json", WEIGHTS_FILE, CKPT_TOKENIZER):
        if not (ckpt / need).is_file():
            raise FileNotFoundError(f"{ckpt / need}: missing; is {ckpt} an edgekd student checkpoint?")
    _check_target(out)
    cfg = StudentConfig.read(ckpt)
    labels = _label_names(cfg.labels, label_names)
    spec = get_preset(quant)
    tokenizer = Tokenizer.from_file(str(ckpt / CKPT_TOKENIZER))
    tokenizer.no_padding()      # hub files may carry Fixed(128) padding / truncation; the shared encoding rule
    tokenizer.no_truncation()   # (edgekd_runtime.encoding) pads and truncates itself
    tok_spec = tokenizer_spec(tokenizer, cfg)
    metric = metric or _task_metric(cfg.task)

    # 1. graphs
    t0 = time.perf_counter()
    fp32 = build_graph(cfg, load_numpy_weights(ckpt))
    int8 = quantize(fp32, spec) if precision in ("int8", "both") else None
    build_s = time.perf_counter() - t0

    # 2. checks
    rand = random_probe(cfg.teacher_vocab_size, cfg.pair, max_len=min(24, cfg.max_length), pad_id=tok_spec.pad_id)
    dev = None
    if dev_data is not None:
        dev = dev_probe(dev_data if dev_limit is None else _head(dev_data, dev_limit), tokenizer, cfg.max_length,
                        tok_spec.pad_id, tok_spec.empty_id)
    metrics: dict[str, Any] = {"parity_torch_fp32": measure_parity(ckpt, fp32, [rand] + ([dev] if dev else []),
                                                                   check_parity)}
    f32_dev = ort_logits(fp32, dev) if dev is not None else None
    if dev is not None:
        metrics["fp32_dev"] = compare(f32_dev, f32_dev, dev.labels, metric)["fp32"]
        metrics["dev"] = {"rows": len(dev), "truncated_rows": int(dev.a.truncated.sum() +
                                                                  (dev.b.truncated.sum() if dev.b else 0)),
                          "fingerprint": getattr(dev_data, "fingerprint", lambda: None)(),
                          "source": str(getattr(dev_data, "source", ""))}
    if int8 is not None:
        metrics["int8_vs_fp32_random"] = compare(ort_logits(fp32, rand), ort_logits(int8, rand), None, metric)
        if dev is not None:
            metrics["int8_vs_fp32_dev"] = compare(f32_dev, ort_logits(int8, dev), dev.labels, metric)
    metrics["validation_batch"] = VALIDATION_BATCH
    metrics["export_seconds"] = round(time.perf_counter() - t0, 2)
    metrics["build_seconds"] = round(build_s, 2)

    # 3. files, in a temporary sibling
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        models = []
        for prec, m in (("int8", int8), ("fp32", fp32 if precision in ("fp32", "both") else None)):
            if m is not None:
                onnx.save(m, str(tmp / MODEL_FILES[prec]))
                inputs = (INPUT_IDS, LENGTHS) + ((INPUT_IDS_B, LENGTHS_B) if cfg.pair else ())
                models.append(ModelSpec(file=MODEL_FILES[prec], precision=prec,
                                        opset=max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")),
                                        ir_version=int(m.ir_version), inputs=inputs))
        (tmp / TOKENIZER_FILE).write_text(tokenizer.to_str(pretty=False), encoding="utf-8")
        golden = golden_record(tokenizer=tokenizer, tok=tok_spec, task=cfg.task, labels=labels, pair=cfg.pair,
                               max_length=cfg.max_length, models={s.file: (tmp / s.file).read_bytes() for s in models})
        write_golden(tmp / GOLDEN_FILE, golden)
        metrics["model_bytes"] = {s.file: (tmp / s.file).stat().st_size for s in models}
        metrics["budgets"] = budgets.to_dict()
        base_bytes = sum((tmp / f).stat().st_size for f in [*metrics["model_bytes"], TOKENIZER_FILE])
        metrics["budget_broken"] = check_budgets(metrics, budgets, base_bytes, allow_budget_break)

        provenance = {"checkpoint": str(ckpt.resolve()), "checkpoint_weights_sha256": sha256_file(ckpt / WEIGHTS_FILE),
                      "checkpoint_config_sha256": sha256_file(ckpt / "config.json"),
                      "training_metrics": _read_json(ckpt / "metrics.json"),
                      "versions": _versions(), "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        man = Manifest(task=cfg.task, labels=labels, pair=cfg.pair, max_length=cfg.max_length,
                       tokenizer=tok_spec, models=tuple(models), default_model=models[0].file, files=(),
                       quantization=spec.to_dict() if int8 is not None else {}, metrics=metrics,
                       student=cfg.to_dict(), provenance=provenance, edgekd_version=edgekd.__version__,
                       golden=GOLDEN_FILE)
        (tmp / README_FILE).write_text(model_card(man), encoding="utf-8")
        files = [file_entry(tmp, s.file, "model") for s in models]
        files += [file_entry(tmp, TOKENIZER_FILE, "tokenizer"), file_entry(tmp, GOLDEN_FILE, "golden"),
                  file_entry(tmp, README_FILE, "readme")]
        man = replace(man, files=tuple(files))
        (tmp / MANIFEST_FILE).write_text(man.to_json(), encoding="utf-8")
        Manifest.read(tmp)  # what we wrote must parse with the runtime's reader
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_dir(tmp, out)
    if archive:
        write_archive(out, archive)
    return man


def _label_names(trained: tuple[str, ...], names: tuple[str, ...] | None) -> tuple[str, ...]:
    if not names:
        return tuple(trained)
    names = tuple(str(n).strip() for n in names)
    if len(names) != len(trained):
        raise ValueError(f"{len(names)} label names given ({', '.join(names)}) but the student has "
                         f"{len(trained)} classes ({', '.join(trained)})")
    if len(set(names)) != len(names) or not all(names):
        raise ValueError(f"label names must be distinct and non-empty, got {list(names)}")
    return names


def tokenizer_spec(tokenizer, cfg) -> TokenizerSpec:
    """TokenizerSpec true to the shipped tokenizer: its vocabulary size, [PAD] and unknown-token ids."""
    vocab = tokenizer.get_vocab_size(with_added_tokens=True)
    if vocab != cfg.teacher_vocab_size:
        raise ValueError(f"tokenizer.json has {vocab} ids but the student's vocab_map covers "
                         f"{cfg.teacher_vocab_size}; the checkpoint's tokenizer is not the one it was trained on")
    pad = tokenizer.token_to_id("[PAD]")
    unk_token = getattr(tokenizer.model, "unk_token", None) or "[UNK]"
    unk = tokenizer.token_to_id(unk_token)
    if pad is None or unk is None:
        raise ValueError(f"tokenizer.json lacks [PAD] or the unknown token {unk_token!r}")
    return TokenizerSpec(file=TOKENIZER_FILE, vocab_size=vocab, add_special_tokens=False, pad_id=pad, unk_id=unk,
                         empty_id=unk)


def write_archive(bundle_dir: str | Path, kind: str = "tar") -> Path:
    """`bundle_dir`.tar (uncompressed: the int8 weights barely compress) or .zip (deflate) of the bundle folder."""
    src = Path(bundle_dir)
    dst = src.with_name(src.name + "." + kind)
    names = sorted(p for p in src.rglob("*") if p.is_file())
    if kind == "tar":
        with tarfile.open(dst, "w") as tf:
            for p in names:
                tf.add(p, arcname=f"{src.name}/{p.relative_to(src).as_posix()}", recursive=False)
    elif kind == "zip":
        with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for p in names:
                zf.write(p, arcname=f"{src.name}/{p.relative_to(src).as_posix()}")
    else:
        raise ValueError(f"archive must be 'tar' or 'zip', got {kind!r}")
    return dst


def bundle_bytes(bundle_dir: str | Path) -> int:
    """Bytes of every file in the bundle directory, manifest included."""
    return sum(p.stat().st_size for p in Path(bundle_dir).rglob("*") if p.is_file())


def _check_target(out: Path) -> None:
    if out.is_file() or (out.is_dir() and any(out.iterdir()) and not (out / MANIFEST_FILE).is_file()):
        raise FileExistsError(f"{out} exists and is not an edgekd bundle; refusing to overwrite it")


def _task_metric(task: str) -> str:
    from edgekd.tasks import TASKS
    return TASKS[task].metric if task in TASKS else "accuracy"


def _head(data, n: int):
    return data.head(n) if hasattr(data, "head") else data


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def _versions() -> dict[str, str]:
    import onnxruntime
    import tokenizers
    return {"onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__, "numpy": np.__version__,
            "tokenizers": tokenizers.__version__, "python": platform.python_version()}

