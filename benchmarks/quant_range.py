"""What do 7-bit weights cost? Export the same student checkpoints twice, with the default preset (7-bit weights:
one answer on every CPU) and with "vnni" (full 8-bit weights), score both int8 bundles on the dev set through the
runtime, and test the difference per checkpoint (exact McNemar on the dev rows).

    python benchmarks/quant_range.py --task mrpc runs/quick-mrpc/distill/student runs/quick-mrpc/baseline/student \
        --out benchmarks/results/quant-range/mrpc.json

Scores come from this host's onnxruntime; on a CPU without VNNI the 8-bit bundle's logits would differ again.
"""
from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path

import click
import numpy as np

PRESETS = ("default", "vnni")


def score_bundle(bundle: Path, task, dev) -> tuple[dict, np.ndarray]:
    """(task metric + accuracy, predicted label ids) of a bundle's int8 model on dev, through the runtime."""
    from edgekd_runtime import Bundle

    from edgekd.metrics import score

    items = list(zip(dev.texts, dev.text_pairs)) if task.pair else list(dev.texts)
    pred = Bundle.load(bundle, model="model.int8.onnx", threads=1).predict(items).label_ids
    return score(task.metric, dev.labels, pred), pred


def compare_checkpoint(ckpt: Path, task, dev, tmp: Path) -> dict:
    """Both exports of one checkpoint: their dev scores, sizes and the paired test between them."""
    from edgekd.export import export_student
    from edgekd.metrics import paired_comparison

    out, preds = {"checkpoint": str(ckpt)}, {}
    for preset in PRESETS:
        where = tmp / f"{ckpt.parent.name}-{preset}"
        man = export_student(ckpt, where, precision="int8", quant=preset, dev_data=dev, allow_budget_break=True)
        out[preset], preds[preset] = score_bundle(where, task, dev)
        out[preset]["bytes"] = sum(f.bytes for f in man.files)
    m = task.metric
    out["delta_points"] = 100 * (out["default"][m] - out["vnni"][m])
    out["paired"] = paired_comparison(dev.labels, preds["default"], preds["vnni"])
    out["label_agreement"] = float(np.mean(preds["default"] == preds["vnni"]))
    return out


@click.command()
@click.argument("checkpoints", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--task", required=True, help="Registered task of the checkpoints (its GLUE dev set is scored).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="JSON results file.")
def main(checkpoints, task, out):
    from edgekd.tasks import get_task, load_split

    t = get_task(task)
    dev = load_split(t, "dev")
    with tempfile.TemporaryDirectory(prefix="edgekd-qrange-") as tmp:
        rows = [compare_checkpoint(c, t, dev, Path(tmp)) for c in checkpoints]
    d = [r["delta_points"] for r in rows]
    summary = {"task": task, "metric": t.metric, "rows": rows, "mean_delta_points": statistics.mean(d),
               "min_delta_points": min(d), "max_delta_points": max(d)}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    for r in rows:
        click.echo(f"{r['checkpoint']}: 7-bit {100 * r['default'][t.metric]:.2f}  8-bit {100 * r['vnni'][t.metric]:.2f}"
                   f"  delta {r['delta_points']:+.2f}  agreement {100 * r['label_agreement']:.2f}%  "
                   f"McNemar p={r['paired']['p_value']:.3g}")
    click.echo(f"mean delta {summary['mean_delta_points']:+.2f} points (7-bit minus 8-bit)")


if __name__ == "__main__":
    main()
