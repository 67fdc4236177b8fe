"""The sweep folder: one JSON record per finished point, written atomically, so a killed sweep loses only the point
it was on and a rerun skips what is done.

    <out>/sweep_config.json              the build and training settings every point shares (checked on resume)
    <out>/train/<point>/student/         checkpoint;  <out>/train/<point>/record.json when finished
    <out>/export/<point>-<quant>/bundle/ bundle;      <out>/export/<point>-<quant>/record.json when finished
    <out>/measure.json                   the latest measurement pass (all bundles, same load)
    <out>/sweep.json, sweep.md, sweep.png
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from edgekd_contract.fsutil import write_json_atomic

RECORD = "record.json"


class SweepFolder:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def train_dir(self, point_id: str) -> Path:
        return self.root / "train" / point_id

    def export_dir(self, point_id: str) -> Path:
        return self.root / "export" / point_id

    @property
    def measure_path(self) -> Path:
        return self.root / "measure.json"

    def record(self, d: Path) -> dict[str, Any] | None:
        """The finished record in `d`, or None (never started, or killed before it finished)."""
        p = d / RECORD
        return json.loads(p.read_text()) if p.is_file() else None

    def finish(self, d: Path, record: dict[str, Any]) -> None:
        write_json_atomic(d / RECORD, record)

    def fresh(self, d: Path) -> Path:
        """Clear what a killed attempt left in `d` and return it, ready for a new attempt."""
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        return d

    def records(self, kind: str) -> list[dict[str, Any]]:
        """Every finished record of `kind` ("train" or "export"), in name order."""
        base = self.root / kind
        if not base.is_dir():
            return []
        return [r for d in sorted(base.iterdir()) if (r := self.record(d)) is not None]

    def check_config(self, config: dict[str, Any]) -> None:
        """Record the shared settings on the first run; refuse to mix points trained with other settings."""
        p = self.root / "sweep_config.json"
        config = json.loads(json.dumps(config))       # tuples as lists, as read back
        if p.is_file():
            old = json.loads(p.read_text())
            if old != config:
                diff = sorted(k for k in set(old) | set(config) if old.get(k) != config.get(k))
                raise ValueError(f"{self.root} holds a sweep with other settings ({', '.join(diff)}); "
                                 "pass another --out, or the same settings to resume it")
            return
        self.root.mkdir(parents=True, exist_ok=True)
        write_json_atomic(p, config)
