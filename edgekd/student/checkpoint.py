"""Save and load a student checkpoint directory (safetensors + JSON, never pickle)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..fsutil import replace_dir
from .config import CONFIG_FILE, METRICS_FILE, TOKENIZER_FILE, WEIGHTS_FILE, StudentConfig

DEV_PREDICTIONS_FILE = "dev_predictions.json"


def save_checkpoint(out_dir: str | Path, cfg: StudentConfig, model, vocab_map: np.ndarray,
                    tokenizer_file: str | Path, metrics: dict[str, Any] | None = None,
                    dev_predictions: np.ndarray | None = None) -> Path:
    """Write config.json, model.safetensors (weights + vocab_map), tokenizer.json and metrics.json
    (+ dev_predictions.json: this checkpoint's dev argmax, for paired comparisons with other models).

    Files are written to a temporary sibling and renamed, so an interrupted save never leaves a half checkpoint.
    """
    import torch
    from safetensors.torch import save_file

    from .bilstm import flat_state_dict

    out = Path(out_dir)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    tensors = flat_state_dict(model)
    tensors["vocab_map"] = torch.as_tensor(np.asarray(vocab_map, dtype=np.int64))
    save_file(tensors, str(tmp / WEIGHTS_FILE), metadata={"format": "pt", "kind": cfg.kind})
    (tmp / CONFIG_FILE).write_text(cfg.to_json())
    shutil.copyfile(tokenizer_file, tmp / TOKENIZER_FILE)
    (tmp / METRICS_FILE).write_text(json.dumps(metrics or {}, indent=2, sort_keys=True) + "\n")
    if dev_predictions is not None:
        (tmp / DEV_PREDICTIONS_FILE).write_text(json.dumps({"predictions": np.asarray(dev_predictions).tolist()}))
    replace_dir(tmp, out)
    return out


def load_dev_predictions(checkpoint_dir: str | Path) -> np.ndarray | None:
    """The dev argmax saved with a checkpoint, or None for checkpoints written without it."""
    path = Path(checkpoint_dir) / DEV_PREDICTIONS_FILE
    if not path.is_file():
        return None
    return np.asarray(json.loads(path.read_text())["predictions"], dtype=np.int64)


def load_numpy_weights(checkpoint_dir: str | Path) -> dict[str, np.ndarray]:
    """All tensors of a checkpoint as numpy arrays (torch-free: the exporters use this)."""
    from safetensors.numpy import load_file

    return load_file(str(Path(checkpoint_dir) / WEIGHTS_FILE))


def load_checkpoint(checkpoint_dir: str | Path):
    """(StudentConfig, torch module in eval mode, vocab_map as numpy)."""
    import torch

    from .bilstm import build_student, load_flat_state_dict

    cfg = StudentConfig.read(checkpoint_dir)
    arrays = load_numpy_weights(checkpoint_dir)
    model = build_student(cfg)
    load_flat_state_dict(model, {k: torch.from_numpy(v.copy()) for k, v in arrays.items()})
    model.eval()
    return cfg, model, arrays["vocab_map"]
