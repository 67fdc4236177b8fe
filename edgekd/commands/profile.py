"""`edgekd profile`: measure a bundle's student against its teacher (and BERT-base/large) on a device profile."""
from __future__ import annotations

from pathlib import Path

import click

from .common import friendly_errors

@click.command("profile")
@click.option("--device", "device", default=None,
              help="Device profile: a name from devices/ (e.g. cpu-1t) or a path to a .toml file.")
@click.option("--bundle", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Bundle folder (from `edgekd export`).")
@click.option("--teacher", default=None, help="Teacher folder (HF format), hub id, or builtin:minilm-l6.")
@click.option("--task", default=None, help="Registered task (default: the bundle's task).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="GLUE root or task folder (default: $EDGEKD_GLUE_DIR or a shared/data/glue nearby).")
@click.option("--dev-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Dev file with the task's columns instead of the GLUE dev split.")
@click.option("--limit", type=int, default=None, help="Use only the first N dev items.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Results root; files go to OUT/<profile>/<bundle-id>.{json,md,png} "
                   "(default: results/ beside the profile file, i.e. devices/results; ./devices/results for a "
                   "profile packaged with edgekd-runtime).")
@click.option("--latency-samples", type=int, default=300, show_default=True,
              help="Timed batch-1 calls of the teacher.")
@click.option("--student-latency-samples", type=int, default=2000, show_default=True,
              help="Timed batch-1 calls per student system.")
@click.option("--rounds", type=int, default=5, show_default=True, help="Interleaved rounds for those calls.")
@click.option("--references/--no-references", default=True, show_default=True,
              help="Also time randomly initialised BERT-base and BERT-large (timing only).")
@click.option("--rss/--no-rss", default=True, show_default=True, help="Measure peak RSS in fresh subprocesses.")
@click.option("--quick", is_flag=True, help="Very few iterations: a smoke run, not for committed results.")
@click.option("--list-devices", is_flag=True, help="List the known device profiles and exit.")
@friendly_errors
def profile(device, bundle, teacher, task, data_dir, dev_file, limit, out, latency_samples, student_latency_samples,
            rounds, references, rss, quick, list_devices):
    """Time, size and score the student (int8/fp32 x onnxruntime/numpy) beside the teacher on DEVICE, and write
    the JSON record, a Markdown table and a latency plot."""
    from ..profiling import describe_profiles

    if list_devices:
        for line in describe_profiles():
            click.echo(line)
        return
    missing = [n for n, v in (("--device", device), ("--bundle", bundle), ("--teacher", teacher)) if not v]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)} (or use --list-devices)")
    from ..profiling.harness import MeasureConfig
    from ..profiling.run import profile_to_files
    from ..profiling.stats import verdict_text

    cfg = MeasureConfig.for_command(quick=quick, latency_samples=latency_samples,
                                    student_latency_samples=student_latency_samples, rounds=rounds,
                                    references=references, rss=rss)
    record, paths = profile_to_files(device, bundle, teacher, task=task, data_dir=data_dir, dev_file=dev_file,
                                     limit=limit, out=out, cfg=cfg,
                                     progress=lambda msg: click.echo(f"[profile] {msg}", err=True))
    hl = record["headline"]
    if hl.get("student"):
        click.echo(f"{hl['student']}: p50 {hl['latency_p50_ms']:.3f} ms, p95 {hl['latency_p95_ms']:.3f} ms, "
                   f"peak RSS {hl['peak_rss_mb'] if hl['peak_rss_mb'] is None else round(hl['peak_rss_mb'])} MB, "
                   f"{hl['size_bytes']} bytes; budgets: {verdict_text(hl['budget_pass'])}")
        for base, c in hl["vs"].items():
            fmt = lambda x: "n/a" if x is None else f"{x:.1f}x"  # noqa: E731
            click.echo(f"  vs {base}: speedup p50 {fmt(c['speedup_p50'])}, memory {fmt(c['memory_ratio'])}, "
                       f"size {fmt(c['size_ratio'])}")
    for e in record["errors"]:
        click.echo(f"  not measured: {e['system']}: {e['error']}", err=True)
    click.echo("wrote " + ", ".join(str(p) for p in paths.values()))
