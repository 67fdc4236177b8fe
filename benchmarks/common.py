"""Shared pieces of the word-level baselines: pair joining, training-data fingerprints, artifact cache keys, specs.

A baseline's artifact (fastText `.ftz`, TF-IDF npz + JSON) is kept in the work folder with a `meta.json` whose
`key` says what made it (data sha256 + settings); a later run reuses it only when the key matches exactly.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from edgekd_contract.fsutil import write_json_atomic

from edgekd.metrics import accuracy

PAIR_SEP = "__sep__"                      # the token that joins a pair's two sentences for word-level baselines
REPO = Path(__file__).resolve().parents[1]   # the folder that holds `benchmarks/` (for the RSS child's sys.path)

Item = str | tuple[str, str]


def join_item(item: Item) -> str:
    """One line of text: a sentence, or a pair joined by the separator token; newlines become spaces."""
    text = item if isinstance(item, str) else f"{item[0]} {PAIR_SEP} {item[1]}"
    return " ".join(text.split())


def fingerprint(items: Sequence[Item], labels: np.ndarray) -> str:
    """sha256 over the training items and labels (what a cached artifact was trained on)."""
    h = hashlib.sha256()
    for x in items:
        h.update(join_item(x).encode("utf-8"))
        h.update(b"\x1e")
    h.update(np.ascontiguousarray(labels, dtype=np.int64).tobytes())
    return h.hexdigest()


def cached_meta(folder: Path, key: dict[str, Any], files: Sequence[str]) -> dict[str, Any] | None:
    """The artifact's meta.json if it was made with exactly `key` and all `files` exist; else None."""
    meta_path = folder / "meta.json"
    if not meta_path.is_file() or not all((folder / f).is_file() for f in files):
        return None
    try:
        meta = json.loads(meta_path.read_text())
    except json.JSONDecodeError:
        return None
    return meta if meta.get("key") == key else None


def write_meta(folder: Path, meta: dict[str, Any]) -> None:
    write_json_atomic(folder / "meta.json", meta)      # the library's crash-safe writer


def plugin_spec(builder: str, args: dict[str, Any], threads: int = 1) -> dict[str, Any]:
    """An `edgekd.profiling.systems.build` spec for a system built by `benchmarks.<module>:<function>(**args)`."""
    return {"kind": "plugin", "builder": builder, "args": dict(args), "threads": int(threads),
            "sys_path": [str(REPO)]}


def argmax_accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    """edgekd's accuracy of the argmax over the rows that have a label (label >= 0)."""
    keep = labels >= 0
    return accuracy(labels[keep], logits.argmax(axis=1)[keep])
