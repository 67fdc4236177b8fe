"""Are bundles exported by two versions of the code byte-identical (apart from `created_at`)?

A refactor of the training core, the exporters or the contract must not change what a checkpoint exports to.
This script exports a fixed set of checkpoints with whatever code is importable, then compares two such exports
file by file: every file byte for byte, except `manifest.json`, which is compared as JSON with
`created_at` and the export timings (`*_seconds`) removed (its checksums of the other files are compared with it).

    # 1. the reference, from a pristine worktree of the old commit (its code first on sys.path):
    git worktree add /tmp/edgekd-before OLD_COMMIT
    PYTHONPATH=/tmp/edgekd-before:/tmp/edgekd-before/exporters:/tmp/edgekd-before/contract:/tmp/edgekd-before/runtime \\
      .venv/bin/python scripts/bundle_identity.py export --out /tmp/bundles-before
    # 2. the same checkpoints with the current code (checkpoints are read from the reference, so they match):
    .venv/bin/python scripts/bundle_identity.py export --out /tmp/bundles-after --checkpoints /tmp/bundles-before/checkpoints
    # 3. compare; exit 1 and a list of differences if any
    .venv/bin/python scripts/bundle_identity.py compare /tmp/bundles-before /tmp/bundles-after

The checkpoints: tiny random students of every family (made once, by `export` when --checkpoints is not given,
with the code of that version), plus the trained quick-preset students under runs/ when present (`--real`). Each is
exported through the `edgekd export` command (its CLI is the stable interface) with every quantization preset that
applies to it, --no-dev --no-parity (validation numbers depend on data and torch, not on the exporter's output).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from fnmatch import fnmatch
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = {"quick-sst2": ROOT / "runs/quick-sst2/distill/student", "quick-mrpc": ROOT / "runs/quick-mrpc/distill/student"}
PRESETS = {"bilstm": ("default", "all-int8", "vnni", "lstm-only"), "siamese_bilstm": ("default", "all-int8", "vnni"),
           "transformer": ("default",), "transformer_pair": ("default",)}
VOLATILE = ("created_at", "*_seconds")   # manifest keys (at any depth) that differ on every run: date and timings


def make_checkpoints(out: Path) -> None:
    """Tiny random students of the four existing kinds (seeded) in out/<kind>/."""
    sys.path.append(str(ROOT))   # after $PYTHONPATH, so a reference worktree's own tests/helpers win
    from tests.helpers.checkpoints import make_random_checkpoint

    for kind in ("bilstm", "siamese_bilstm"):
        make_random_checkpoint(out / kind, kind, seed=0)
    for kind in ("transformer", "transformer_pair"):
        _transformer_checkpoint(out / kind, kind)


def _transformer_checkpoint(out: Path, kind: str) -> None:
    import torch
    from edgekd_contract.checkpoint import StudentConfig
    from edgekd_exporters.bert_student import BertStudent

    from tests.helpers.checkpoints import make_tokenizer, random_weights, write_checkpoint

    tok = make_tokenizer()
    pair = kind == "transformer_pair"
    cfg = StudentConfig(kind=kind, task="mrpc" if pair else "sst2", vocab_size=200,
                        teacher_vocab_size=tok.get_vocab_size(), embed_dim=32, hidden_size=32, mlp_size=64,
                        dropout=0.0, max_length=16, num_layers=2, num_heads=4, max_positions=64)
    torch.manual_seed(0)
    weights = {k: v.numpy() for k, v in BertStudent(cfg).state_dict().items()}
    weights["vocab_map"] = random_weights(StudentConfig(vocab_size=200, teacher_vocab_size=cfg.teacher_vocab_size,
                                                        embed_dim=4, hidden_size=2, mlp_size=2))["vocab_map"]
    write_checkpoint(out, cfg, weights, tok)


def _kind(checkpoint: Path) -> str:
    return json.loads((checkpoint / "config.json").read_text())["kind"]


def export_all(out: Path, checkpoints: Path | None, real: bool) -> list[str]:
    """Export every checkpoint with every preset that applies; returns the bundle names written."""
    out.mkdir(parents=True, exist_ok=True)
    if checkpoints is None:
        checkpoints = out / "checkpoints"
        make_checkpoints(checkpoints)
    sources = {p.name: p for p in sorted(checkpoints.iterdir()) if (p / "config.json").is_file()}
    if real:
        sources.update({k: v for k, v in REAL.items() if (v / "config.json").is_file()})
    names = []
    for name, ckpt in sources.items():
        for preset in PRESETS.get(_kind(ckpt), ("default",)):
            dest = out / "bundles" / f"{name}-{preset}"
            shutil.rmtree(dest, ignore_errors=True)
            cmd = [sys.executable, "-c", "from edgekd.cli import main; main()", "export", str(ckpt), "--out",
                   str(dest), "--precision", "both", "--quant", preset, "--no-dev", "--no-parity"]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=out)   # not ROOT: '' leads sys.path
            names.append(dest.name)
    return names


def _strip(doc):
    """`doc` without the VOLATILE keys, at any depth."""
    if isinstance(doc, dict):
        return {k: _strip(v) for k, v in doc.items() if not any(fnmatch(k, pat) for pat in VOLATILE)}
    return [_strip(v) for v in doc] if isinstance(doc, list) else doc


def _manifest(path: Path) -> dict:
    return _strip(json.loads(path.read_text()))


def compare(a: Path, b: Path) -> list[str]:
    """Differences between the bundles under a/bundles and b/bundles (empty: identical apart from created_at)."""
    diffs = []
    left = {p.name for p in (a / "bundles").iterdir()}
    right = {p.name for p in (b / "bundles").iterdir()}
    diffs += [f"only in {a}: {n}" for n in sorted(left - right)] + [f"only in {b}: {n}" for n in sorted(right - left)]
    for name in sorted(left & right):
        fa = {p.relative_to(a / "bundles" / name) for p in (a / "bundles" / name).rglob("*") if p.is_file()}
        fb = {p.relative_to(b / "bundles" / name) for p in (b / "bundles" / name).rglob("*") if p.is_file()}
        diffs += [f"{name}: file set differs: {sorted(map(str, fa ^ fb))}"] if fa != fb else []
        for rel in sorted(fa & fb):
            pa, pb = a / "bundles" / name / rel, b / "bundles" / name / rel
            same = (_manifest(pa) == _manifest(pb)) if rel.name == "manifest.json" else pa.read_bytes() == pb.read_bytes()
            if not same:
                diffs.append(f"{name}/{rel} differs")
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="verb", required=True)
    ex = sub.add_parser("export", help="export the fixed checkpoint set with the importable code")
    ex.add_argument("--out", type=Path, required=True)
    ex.add_argument("--checkpoints", type=Path, help="reuse these checkpoints (default: make them in OUT/checkpoints)")
    ex.add_argument("--no-real", dest="real", action="store_false", help="skip the trained students under runs/")
    cmp = sub.add_parser("compare", help="compare two exports (exit 1 on any difference)")
    cmp.add_argument("a", type=Path)
    cmp.add_argument("b", type=Path)
    args = ap.parse_args(argv)
    if args.verb == "export":
        names = export_all(args.out, args.checkpoints, args.real)
        print(f"{len(names)} bundles in {args.out / 'bundles'}: {', '.join(names)}")
        return 0
    diffs = compare(args.a, args.b)
    count = len(list((args.a / "bundles").iterdir()))
    print("\n".join(diffs) if diffs else f"identical apart from {', '.join(VOLATILE)}: {count} bundles")
    return 1 if diffs else 0


if __name__ == "__main__":
    raise SystemExit(main())
