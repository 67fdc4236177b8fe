"""`edgekd export`: a student checkpoint -> a validated ONNX bundle (int8 by default), over `export_bundle`."""
from __future__ import annotations

from pathlib import Path

import click

from edgekd_exporters.bundle import PRECISIONS
from edgekd_exporters.quantize import PRESETS

from .common import friendly_errors

PRESET_HELP = (f"Quantization preset: {' | '.join(PRESETS)} (see edgekd_exporters.quantize); default means the "
               "student family's default (transformer students: transformer, int8 MatMuls).")


@click.command("export")
@click.argument("checkpoint_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Bundle folder to write.")
@click.option("--precision", type=click.Choice(PRECISIONS), default="int8", show_default=True)
@click.option("--quant", default="default", show_default=True, help=PRESET_HELP)
@click.option("--dev/--no-dev", "use_dev", default=True, show_default=True,
              help="Validate int8 on the task's dev data (the checkpoint's task, or --dev-file).")
@click.option("--task", default=None, help="Task of the dev data (default: the checkpoint's task).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="GLUE root or task folder (default: $EDGEKD_GLUE_DIR or a shared/data/glue nearby).")
@click.option("--dev-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Your own labelled dev CSV/TSV/JSONL (with --text-col/--label-col/--labels).")
@click.option("--text-col", default=None)
@click.option("--text-pair-col", default=None)
@click.option("--label-col", default=None)
@click.option("--labels", default=None, help="Comma-separated label names of your own data.")
@click.option("--metric", default="accuracy", show_default=True, help="Metric for your own data.")
@click.option("--skip-bad", is_flag=True, help="Skip malformed dev rows (counted) instead of failing.")
@click.option("--dev-limit", type=int, default=None, help="Validate on the first N dev rows only.")
@click.option("--max-drop", type=float, default=0.5, show_default=True,
              help="Budget: int8 task-metric drop on dev, in points.")
@click.option("--max-bytes", type=int, default=None, help="Budget: bundle bytes (models + tokenizer).")
@click.option("--allow-budget-break", is_flag=True, help="Write the bundle even if a budget is broken (recorded).")
@click.option("--parity/--no-parity", default=None,
              help="Check torch vs fp32 ONNX (default: when torch is installed).")
@click.option("--archive", type=click.Choice(["tar", "zip"]), default=None, help="Also write OUT.tar or OUT.zip.")
@click.option("--label-names", default=None,
              help="Comma-separated names every host prints, in class order (default: the checkpoint's labels; "
                   "for a GLUE checkpoint trained with raw labels such as 0,1, the task's names, e.g. "
                   "negative,positive).")
@friendly_errors
def export(checkpoint_dir, out, precision, quant, use_dev, task, data_dir, dev_file, text_col, text_pair_col,
           label_col, labels, metric, skip_bad, dev_limit, max_drop, max_bytes, allow_budget_break, parity, archive,
           label_names):
    """Export CHECKPOINT_DIR (from `edgekd distill`) to a bundle and print what was measured.

    Exits 3 when an export budget is broken (unless --allow-budget-break) or validation fails, 2 on bad input.
    """
    from edgekd_exporters import Budgets
    from edgekd_exporters.bundle import bundle_bytes

    from ..export import run_export
    from ..inputs import DataOptions

    dev = DataOptions(task=task, data_dir=data_dir, dev_file=dev_file, text_col=text_col, text_pair_col=text_pair_col,
                      label_col=label_col, labels=labels, metric=metric, skip_bad=skip_bad) if use_dev else None
    man = run_export(checkpoint_dir, out, dev=dev, log=lambda m: click.echo(m, err=True), precision=precision,
                     quant=quant, budgets=Budgets(max_drop_points=max_drop, max_bundle_bytes=max_bytes),
                     allow_budget_break=allow_budget_break, check_parity=parity, archive=archive,
                     dev_limit=dev_limit,
                     label_names=tuple(x.strip() for x in label_names.split(",")) if label_names else None)
    click.echo(summary(man, out, bundle_bytes(out)))
    if archive:
        arc = out.with_name(out.name + "." + archive)
        click.echo(f"archive: {arc} ({arc.stat().st_size} bytes)")


def summary(man, out: Path, total_bytes: int) -> str:
    """A few lines: files, parity, int8 agreement and metric, broken budgets."""
    m = man.metrics
    lines = [f"bundle: {out} ({total_bytes} bytes; default model {man.default_model})"]
    lines += [f"  {f.path}: {f.bytes} bytes" for f in man.files]
    par = m.get("parity_torch_fp32", {})
    lines.append(f"parity torch vs fp32 ONNX: max abs logit diff {par['max_abs_diff']:.2e} ({par['rows']} rows)"
                 if par.get("measured") else f"parity torch vs fp32 ONNX: not measured ({par.get('reason')})")
    for key, what in (("int8_vs_fp32_random", "random inputs"), ("int8_vs_fp32_dev", "dev")):
        if key in m:
            d = m[key]
            lines.append(f"int8 vs fp32 on {what}: argmax agreement {100 * d['argmax_agreement']:.2f}% "
                         f"({d['rows']} rows), max abs logit diff {d['max_abs_logit_diff']:.3g}")
            if "drop_points" in d:
                k = d["metric"]
                lines.append(f"dev {k}: fp32 {100 * d['fp32'][k]:.2f}, int8 {100 * d['int8'][k]:.2f} "
                             f"(drop {d['drop_points']:.2f} points; accuracy fp32 {100 * d['fp32']['accuracy']:.2f}, "
                             f"int8 {100 * d['int8']['accuracy']:.2f})")
    if "int8_vs_fp32_dev" not in m and "fp32_dev" in m:
        lines.append("dev (fp32): " + ", ".join(f"{k} {100 * v:.2f}" for k, v in m["fp32_dev"].items()))
    if "dev" not in m:
        lines.append("dev: not measured (no dev data)")
    if m.get("budget_broken"):
        lines.append("BUDGETS BROKEN (forced): " + "; ".join(m["budget_broken"]))
    return "\n".join(lines)
