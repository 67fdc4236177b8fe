"""A tiny content-hashed stage runner: skip what is up to date, rerun exactly what changed, and say why.

Each stage has a key: sha256 over its own config, the keys of the stages it reads, and the fingerprint
of the data it reads. After a stage finishes, `<out>/<stage>/stage.json` records the key, the config and
what it produced. A rerun compares keys: equal and the artifact is still there -> skip; different ->
rerun, naming the config fields that changed. Since downstream keys include upstream keys, a change
propagates to exactly the stages that depend on it. An interrupted stage has no stage.json and reruns
(stages that are resumable internally, like labelling, continue where they stopped).
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from edgekd_contract.fsutil import write_json_atomic

RECORD = "stage.json"


def stable_hash(obj: Any) -> str:
    """sha256 of canonical JSON (sorted keys), so equal configs hash equally across runs and machines."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Stage:
    """One step of the chain. `run(dir, upstream_records) -> outputs dict` writes its artifact into dir."""

    name: str
    config: Mapping[str, Any]
    run: Callable[[Path, dict[str, dict]], dict[str, Any]]
    deps: tuple[str, ...] = ()
    data: str = ""                     # fingerprint of the data this stage reads directly
    artifacts: tuple[str, ...] = ()    # files that must exist (relative to the stage dir) for a skip


@dataclass
class StageResult:
    name: str
    status: str                        # "skipped" | "ran"
    reason: str
    seconds: float
    record: dict = field(default_factory=dict)


def stage_key(stage: Stage, upstream: Mapping[str, dict]) -> str:
    return stable_hash({"name": stage.name, "config": stage.config, "data": stage.data,
                        "deps": {d: upstream[d]["key"] for d in stage.deps}})


def _diff(old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = "") -> list[str]:
    out = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k, "<unset>"), new.get(k, "<unset>")
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            out += _diff(a, b, f"{prefix}{k}.")
        elif a != b:
            out.append(f"{prefix}{k}: {a!r} -> {b!r}")
    return out


def why_rerun(stage: Stage, prev: dict | None, key: str, upstream: Mapping[str, dict],
              stage_dir: Path) -> str | None:
    """None if the stage is up to date, else a human reason."""
    if prev is None:
        return "no finished run"
    if prev.get("key") == key:
        missing = [a for a in stage.artifacts if not (stage_dir / a).exists()]
        return f"artifact missing: {', '.join(missing)}" if missing else None
    changed = _diff(prev.get("config", {}), dict(stage.config))
    if changed:
        return "config changed: " + "; ".join(changed)
    if prev.get("data") != stage.data:
        return "input data changed"
    ups = [d for d in stage.deps if prev.get("deps", {}).get(d) != upstream[d]["key"]]
    return f"upstream changed: {', '.join(ups)}" if ups else "key changed"


def run_stages(stages: list[Stage], out_dir: str | Path, log: Callable[[str], None] = print,
               force: tuple[str, ...] = ()) -> dict[str, StageResult]:
    """Run the stages in order (deps must come earlier), skipping the ones that are up to date."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    records: dict[str, dict] = {}
    results: dict[str, StageResult] = {}
    for stage in stages:
        sdir = out / stage.name
        key = stage_key(stage, records)
        prev = _read(sdir / RECORD)
        reran = [d for d in stage.deps if d in results and results[d].status == "ran"]
        reason = "forced" if stage.name in force else why_rerun(stage, prev, key, records, sdir)
        if reason is None and reran:      # e.g. a forced upstream stage: same key, new artifacts
            reason = f"upstream reran: {', '.join(reran)}"
        if reason is None:
            records[stage.name] = prev
            results[stage.name] = StageResult(stage.name, "skipped", "up to date", 0.0, prev)
            log(f"[{stage.name}] up to date, skipped")
            continue
        log(f"[{stage.name}] running ({reason})")
        (sdir / RECORD).unlink(missing_ok=True)   # the old record no longer describes the artifact
        sdir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        outputs = stage.run(sdir, records)
        secs = time.perf_counter() - t0
        rec = {"name": stage.name, "key": key, "config": dict(stage.config), "data": stage.data,
               "deps": {d: records[d]["key"] for d in stage.deps}, "outputs": outputs,
               "seconds": round(secs, 2), "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        write_json_atomic(sdir / RECORD, rec)
        records[stage.name] = rec
        results[stage.name] = StageResult(stage.name, "ran", reason, secs, rec)
        log(f"[{stage.name}] done in {secs:.1f}s")
    return results


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


