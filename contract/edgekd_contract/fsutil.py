"""Crash-safe file writes shared by every stage: atomic JSON and atomic directory replacement.

A reader (or a resumed run) sees either the old file/folder or the new one, never half of one.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any


def write_json_atomic(path: str | Path, obj: Any) -> None:
    """Write JSON to a temp sibling, fsync it, rename over `path`, then fsync the folder (survives SIGKILL)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def replace_dir(tmp: str | Path, out: str | Path) -> None:
    """Move the finished folder `tmp` to `out`, replacing any previous `out` with one rename each way."""
    tmp, out = Path(tmp), Path(out)
    if out.exists():
        old = out.with_name(out.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, out)
