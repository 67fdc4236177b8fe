"""Save and load a torch student as a checkpoint directory in the layout of `edgekd_contract.checkpoint`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from edgekd_contract.checkpoint import StudentConfig, load_numpy_weights, write_checkpoint


def save_checkpoint(out_dir: str | Path, cfg: StudentConfig, model, vocab_map: np.ndarray,
                    tokenizer_file: str | Path, metrics: dict[str, Any] | None = None,
                    dev_predictions: np.ndarray | None = None) -> Path:
    """Write the model's weights (+ vocab_map), config, tokenizer and metrics atomically (see `write_checkpoint`)."""
    from .registry import flat_state_dict

    weights = {k: v.cpu().numpy() for k, v in flat_state_dict(model).items()}
    weights["vocab_map"] = np.asarray(vocab_map, dtype=np.int64)
    return write_checkpoint(out_dir, cfg, weights, tokenizer_file, metrics, dev_predictions=dev_predictions)


def load_checkpoint(checkpoint_dir: str | Path):
    """(StudentConfig, torch module in eval mode, vocab_map as numpy)."""
    import torch

    from .registry import build_student, load_flat_state_dict

    cfg = StudentConfig.read(checkpoint_dir)
    arrays = load_numpy_weights(checkpoint_dir)
    model = build_student(cfg)
    load_flat_state_dict(model, {k: torch.from_numpy(v.copy()) for k, v in arrays.items()})
    model.eval()
    return cfg, model, arrays["vocab_map"]
