"""The core side of `edgekd export`: the torch student as the parity reference, the task metric and readable label
names, then the exporters' `export_bundle` (which never imports torch or this package)."""
from __future__ import annotations

import importlib.util
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np

from edgekd_contract.checkpoint import CONFIG_FILE, StudentConfig, require_checkpoint
from edgekd_exporters import BudgetError, Budgets, Parity, export_bundle
from edgekd_exporters.validate import VALIDATION_BATCH, Probe
from edgekd_runtime.manifest import INPUT_IDS, INPUT_IDS_B, LENGTHS, LENGTHS_B, Manifest

from .inputs import DataOptions
from .metrics import score
from .tasks import TASKS


def torch_reference(checkpoint_dir: str | Path, batch: int = VALIDATION_BATCH) -> Callable[[Probe], np.ndarray]:
    """probe -> logits of the torch student (eval mode, loaded once on first use); the remap to student ids
    happens here, as in training."""
    loaded: list = []

    def logits(probe: Probe) -> np.ndarray:
        import torch

        from .student.checkpoint import load_checkpoint

        if not loaded:
            loaded.extend(load_checkpoint(checkpoint_dir)[1:])
        model, vocab_map = loaded
        out = []
        with torch.no_grad():
            for i in range(0, len(probe), batch):
                f = probe.slice(i, i + batch)
                args = [torch.from_numpy(vocab_map[f[INPUT_IDS]]), torch.from_numpy(f[LENGTHS])]
                if probe.b is not None:
                    args += [torch.from_numpy(vocab_map[f[INPUT_IDS_B]]), torch.from_numpy(f[LENGTHS_B])]
                out.append(model(*args).float().numpy())
        return np.concatenate(out)

    return logits


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def torch_parity(checkpoint_dir: str | Path, check: bool | None) -> Parity:
    """The parity check's reference: the torch student; check=None uses it iff torch is installed, True requires it."""
    if check is False:
        return Parity(reason="skipped on request")
    if not torch_available():
        if check:
            raise BudgetError("parity check requested but torch is not installed (pip install 'edgekd[train]')")
        return Parity(reason="torch not installed")
    return Parity(reference=torch_reference(checkpoint_dir))


def task_metric(task: str) -> str:
    """A registered task's metric, else accuracy."""
    return TASKS[task].metric if task in TASKS else "accuracy"


def readable_label_names(cfg: StudentConfig) -> tuple[str, ...] | None:
    """A registered task's readable names when the checkpoint carries its raw data labels (e.g. 0,1), else None."""
    task = TASKS.get(cfg.task)
    if task is not None and task.names and tuple(cfg.labels) == task.labels:
        return task.names
    return None


def export_student(checkpoint_dir: str | Path, out_dir: str | Path, *, precision: str = "int8", quant: str = "default",
                   dev_data=None, metric: str | None = None, budgets: Budgets = Budgets(),
                   allow_budget_break: bool = False, check_parity: bool | None = None, archive: str | None = None,
                   dev_limit: int | None = None, label_names: tuple[str, ...] | None = None) -> Manifest:
    """`export_bundle` with what only the core knows: the torch reference (see `torch_parity`), the task metric
    (default: the checkpoint's registered task's) and, without `label_names`, the task's readable names."""
    cfg = StudentConfig.read(require_checkpoint(checkpoint_dir))
    metric = metric or task_metric(cfg.task)
    return export_bundle(checkpoint_dir, out_dir, precision=precision, quant=quant, dev_data=dev_data, metric=metric,
                         scorer=partial(score, metric), parity=torch_parity(checkpoint_dir, check_parity),
                         budgets=budgets, allow_budget_break=allow_budget_break, archive=archive, dev_limit=dev_limit,
                         label_names=label_names or readable_label_names(cfg))


def run_export(checkpoint_dir: str | Path, out_dir: str | Path, *, dev: DataOptions | None,
               log: Callable[[str], None] = print, **export_kwargs) -> Manifest:
    """`edgekd export`: validate on `dev` (its task defaults to the checkpoint's; None: no dev data), then
    `export_student(checkpoint_dir, out_dir, **export_kwargs)`."""
    ckpt = Path(checkpoint_dir)
    if not (ckpt / CONFIG_FILE).is_file():
        raise FileNotFoundError(f"{ckpt}: no {CONFIG_FILE}; is it a student checkpoint from `edgekd distill`?")
    cfg = StudentConfig.read(ckpt)
    dev_data, metric = (replace(dev, task=dev.task or cfg.task).load_dev_for_export(log) if dev is not None
                        else (None, None))
    return export_student(ckpt, out_dir, dev_data=dev_data, metric=metric, **export_kwargs)
