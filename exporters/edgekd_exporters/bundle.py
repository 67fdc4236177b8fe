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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from edgekd_contract import __version__
from edgekd_contract import checkpoint as ckpt_layout
from edgekd_contract.checkpoint import StudentConfig, load_numpy_weights, require_checkpoint
from edgekd_contract.fsutil import replace_dir
from edgekd_runtime.golden import GOLDEN_FILE
from edgekd_runtime.manifest import (INPUT_IDS, INPUT_IDS_B, LENGTHS, LENGTHS_B, MANIFEST_FILE, TOKENIZER_FILE,
                                     Manifest, ModelSpec, TokenizerSpec, file_entry, sha256_file)

from .golden import golden_record, write_golden
from .graph import build_graph
from .quantize import QuantSpec, get_preset, quantize
from .readme import model_card
from .validate import (VALIDATION_BATCH, Budgets, Parity, Probe, Scorer, accuracy_scorer, check_budgets, compare,
                       dev_probe, measure_parity, ort_logits, random_probe)

PRECISIONS = ("int8", "fp32", "both")
MODEL_FILES = {"fp32": "model.fp32.onnx", "int8": "model.int8.onnx"}
README_FILE = "README.md"


@dataclass(frozen=True)
class _Source:
    """What the export reads from the checkpoint: its config, the label names to ship, and the tokenizer."""

    ckpt: Path
    cfg: StudentConfig
    labels: tuple[str, ...]
    tokenizer: Any
    tok_spec: TokenizerSpec


def export_bundle(checkpoint_dir: str | Path, out_dir: str | Path, *, precision: str = "int8",
                  quant: str | QuantSpec = "default", dev_data=None, metric: str = "accuracy",
                  scorer: Scorer | None = None, parity: Parity = Parity(), budgets: Budgets = Budgets(),
                  allow_budget_break: bool = False, archive: str | None = None, dev_limit: int | None = None,
                  label_names: tuple[str, ...] | None = None) -> Manifest:
    """Export the student in `checkpoint_dir` to the bundle `out_dir` and return its Manifest.

    precision: "int8" (default), "fp32" or "both" (int8 is then the default model).
    quant: a preset name of `quantize.PRESETS` or a QuantSpec.
    dev_data: optional labelled data (`.texts`, `.text_pairs` or None, `.labels`) for the int8 metric check,
              scored with `scorer` under the name `metric` (default: accuracy; another metric needs its scorer).
    parity: the reference model the fp32 graph is checked against (the training core passes the torch student);
            by default none, and the manifest says so.
    archive: None, "tar" or "zip": also write `out_dir`.tar / .zip holding the bundle directory.
    label_names: names every host prints for the classes, in class-id order (default: the checkpoint's labels).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if archive not in (None, "tar", "zip"):
        raise ValueError(f"archive must be 'tar' or 'zip', got {archive!r}")
    if scorer is None and metric != "accuracy":
        raise ValueError(f"metric {metric!r} needs its scorer (only accuracy is built in)")
    out = Path(out_dir)
    ckpt = require_checkpoint(checkpoint_dir)
    _check_target(out)
    src = _read_source(ckpt, label_names)
    spec = get_preset(quant, src.cfg.kind)
    t0 = time.perf_counter()
    fp32 = build_graph(src.cfg, load_numpy_weights(src.ckpt))
    int8 = quantize(fp32, spec) if precision in ("int8", "both") else None
    build_s = time.perf_counter() - t0
    dev = _dev_probe(src, dev_data, dev_limit)
    metrics = measure(src, fp32, int8, dev, dev_data, metric, scorer or accuracy_scorer, parity)
    metrics["export_seconds"] = round(time.perf_counter() - t0, 2)
    metrics["build_seconds"] = round(build_s, 2)
    models = {"int8": int8, "fp32": fp32 if precision in ("fp32", "both") else None}
    quantization = spec.manifest_record() if int8 is not None else {}
    man = _write_bundle(out, src, models, metrics, quantization, budgets, allow_budget_break)
    if archive:
        write_archive(out, archive)
    return man


def _read_source(ckpt: Path, label_names: tuple[str, ...] | None) -> _Source:
    """The checkpoint's config, the label names to ship, and its tokenizer (padding and truncation off)."""
    from tokenizers import Tokenizer

    cfg = StudentConfig.read(ckpt)
    labels = _label_names(cfg.labels, label_names)
    tokenizer = Tokenizer.from_file(str(ckpt / ckpt_layout.TOKENIZER_FILE))
    tokenizer.no_padding()      # hub files may carry Fixed(128) padding / truncation; the shared encoding rule
    tokenizer.no_truncation()   # (edgekd_runtime.encoding) pads and truncates itself
    return _Source(ckpt, cfg, labels, tokenizer, tokenizer_spec(tokenizer, cfg))


def _dev_probe(src: _Source, dev_data, dev_limit: int | None) -> Probe | None:
    if dev_data is None:
        return None
    return dev_probe(dev_data if dev_limit is None else _head(dev_data, dev_limit), src.tokenizer, src.cfg.max_length,
                     src.tok_spec.pad_id, src.tok_spec.empty_id)


def measure(src: _Source, fp32: onnx.ModelProto, int8: onnx.ModelProto | None, dev: Probe | None, dev_data,
            metric: str, scorer: Scorer, parity: Parity) -> dict[str, Any]:
    """The export-time numbers: parity on random (and dev) inputs, fp32 dev scores, int8 vs fp32 agreement."""
    cfg = src.cfg
    rand = random_probe(cfg.teacher_vocab_size, cfg.pair, max_len=min(24, cfg.max_length), pad_id=src.tok_spec.pad_id)
    metrics: dict[str, Any] = {"parity_torch_fp32": measure_parity(fp32, [rand] + ([dev] if dev else []), parity)}
    f32_dev = ort_logits(fp32, dev) if dev is not None else None
    if dev is not None:
        metrics["fp32_dev"] = compare(f32_dev, f32_dev, dev.labels, metric, scorer)["fp32"]
        metrics["dev"] = {"rows": len(dev), "truncated_rows": int(dev.a.truncated.sum() +
                                                                  (dev.b.truncated.sum() if dev.b else 0)),
                          "fingerprint": getattr(dev_data, "fingerprint", lambda: None)(),
                          "source": str(getattr(dev_data, "source", ""))}
    if int8 is not None:
        metrics["int8_vs_fp32_random"] = compare(ort_logits(fp32, rand), ort_logits(int8, rand), None, metric, scorer)
        if dev is not None:
            metrics["int8_vs_fp32_dev"] = compare(f32_dev, ort_logits(int8, dev), dev.labels, metric, scorer)
    metrics["validation_batch"] = VALIDATION_BATCH
    return metrics


def _write_bundle(out: Path, src: _Source, models: dict[str, onnx.ModelProto | None], metrics: dict[str, Any],
                  quantization: dict, budgets: Budgets, allow_budget_break: bool) -> Manifest:
    """Write every file into a temporary sibling, check the budgets, then rename it into place."""
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        specs = _write_models(tmp, src.cfg, models)
        _write_tokenizer_and_golden(tmp, src, specs)
        metrics["model_bytes"] = {s.file: (tmp / s.file).stat().st_size for s in specs}
        metrics["budgets"] = budgets.to_dict()
        base_bytes = sum((tmp / f).stat().st_size for f in [*metrics["model_bytes"], TOKENIZER_FILE])
        metrics["budget_broken"] = check_budgets(metrics, budgets, base_bytes, allow_budget_break)
        man = Manifest(task=src.cfg.task, labels=src.labels, pair=src.cfg.pair, max_length=src.cfg.max_length,
                       tokenizer=src.tok_spec, models=tuple(specs), default_model=specs[0].file, files=(),
                       quantization=quantization, metrics=metrics, student=src.cfg.to_dict(),
                       provenance=_provenance(src.ckpt), edgekd_version=__version__, golden=GOLDEN_FILE)
        (tmp / README_FILE).write_text(model_card(man), encoding="utf-8")
        files = [file_entry(tmp, s.file, "model") for s in specs]
        files += [file_entry(tmp, TOKENIZER_FILE, "tokenizer"), file_entry(tmp, GOLDEN_FILE, "golden"),
                  file_entry(tmp, README_FILE, "readme")]
        man = replace(man, files=tuple(files))
        (tmp / MANIFEST_FILE).write_text(man.to_json(), encoding="utf-8")
        Manifest.read(tmp)  # what we wrote must parse with the runtime's reader
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_dir(tmp, out)
    return man


def _write_models(tmp: Path, cfg: StudentConfig, models: dict[str, onnx.ModelProto | None]) -> list[ModelSpec]:
    """Save each model (int8 first: the first is the default) and describe it."""
    specs = []
    for prec in ("int8", "fp32"):
        m = models[prec]
        if m is not None:
            onnx.save(m, str(tmp / MODEL_FILES[prec]))
            inputs = (INPUT_IDS, LENGTHS) + ((INPUT_IDS_B, LENGTHS_B) if cfg.pair else ())
            specs.append(ModelSpec(file=MODEL_FILES[prec], precision=prec,
                                   opset=max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")),
                                   ir_version=int(m.ir_version), inputs=inputs))
    return specs


def _write_tokenizer_and_golden(tmp: Path, src: _Source, specs: list[ModelSpec]) -> None:
    (tmp / TOKENIZER_FILE).write_text(src.tokenizer.to_str(pretty=False), encoding="utf-8")
    golden = golden_record(tokenizer=src.tokenizer, tok=src.tok_spec, task=src.cfg.task, labels=src.labels,
                           pair=src.cfg.pair, max_length=src.cfg.max_length,
                           models={s: (tmp / s.file).read_bytes() for s in specs})
    write_golden(tmp / GOLDEN_FILE, golden)


def _provenance(ckpt: Path) -> dict[str, Any]:
    return {"checkpoint": str(ckpt.resolve()), "checkpoint_weights_sha256": sha256_file(ckpt / ckpt_layout.WEIGHTS_FILE),
            "checkpoint_config_sha256": sha256_file(ckpt / ckpt_layout.CONFIG_FILE),
            "training_metrics": _read_json(ckpt / ckpt_layout.METRICS_FILE),
            "versions": _versions(), "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


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

