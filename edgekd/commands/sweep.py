"""`edgekd sweep`: a grid of students from one build's cached teacher logits, exported, measured, and reported."""
from __future__ import annotations

from pathlib import Path

import click

from edgekd_contract.kinds import DEFAULT_FAMILY

from .common import friendly_errors


@click.command("sweep")
@click.argument("build_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Sweep folder (default: BUILD_DIR/sweep). Rerun with the same folder to resume.")
@click.option("--hidden", default="64,100,150,300", show_default=True, help="LSTM hidden sizes, comma-separated.")
@click.option("--embedding", default="64,128", show_default=True, help="Word-embedding dims, comma-separated.")
@click.option("--min-count", default="1", show_default=True,
              help="Vocabulary pruning thresholds: a word piece needs this many training occurrences for its own row.")
@click.option("--quant", default="default", show_default=True,
              help="Bundles per trained point: quantization presets (see `edgekd export --help`) or fp32; "
                   "these only re-export.")
@click.option("--seeds", default="0", show_default=True, help="Training seeds, comma-separated.")
@click.option("--students", default=DEFAULT_FAMILY, show_default=True,
              help="Student families, comma-separated (e.g. bilstm,static: the static student adds one point per "
                   "--embedding width; it has no hidden size).")
@click.option("--epochs", type=int, default=None, help="Student epochs (default: the build's).")
@click.option("--time-budget", type=float, default=None,
              help="Training wall-time cap per point, minutes (default: the build's; 0: no cap).")
@click.option("--max-minutes", type=float, default=None,
              help="Start no new training after this many minutes (rerun to resume the rest).")
@click.option("--threads", type=int, default=None, help="Torch threads while training (default: all cores).")
@click.option("--measure/--no-measure", default=True, show_default=True,
              help="Measure every bundle of the folder after training (one pass, same load for all).")
@click.option("--measure-only", is_flag=True, help="Train and export nothing; re-measure the folder's bundles.")
@click.option("--measure-threads", default="1,2", show_default=True,
              help="Thread counts to measure throughput at; latency and RSS use the first.")
@click.option("--rounds", type=int, default=2, show_default=True,
              help="Measurement rounds over all bundles (each figure is the median over rounds).")
@click.option("--iters", type=int, default=1000, show_default=True, help="Batch-1 latency iterations per round.")
@click.option("--min-seconds", type=float, default=1.0, show_default=True,
              help="Throughput: time each thread count at least this long per round.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="GLUE root (default: $EDGEKD_GLUE_DIR or a shared/data/glue nearby).")
@click.option("--progress/--no-progress", default=False, show_default=True, help="Training progress bars.")
@friendly_errors
def sweep(build_dir, out, hidden, embedding, min_count, quant, seeds, students, epochs, time_budget, max_minutes, threads,
          measure, measure_only, measure_threads, rounds, iters, min_seconds, data_dir, progress):
    """Train and export a grid of students from BUILD_DIR (a finished `edgekd build`) without labelling again.

    Every combination of --hidden, --embedding, --min-count and --seeds is trained on the build's transfer set
    and cached teacher logits, with the build's training settings; each is exported once per --quant preset.
    Then all bundles in the folder are measured together: batch-1 p50/p95, throughput at each
    --measure-threads, bundle bytes, peak RSS. OUT gets sweep.json, sweep.md (table) and sweep.png (dev accuracy
    against latency, marker area = bytes, Pareto front). Finished points are kept: a rerun (e.g. after a kill,
    or with more grid values) trains only what is missing.

    \b
    edgekd sweep runs/quick-sst2 --hidden 64,150 --embedding 64 --threads 1 --time-budget 4
    edgekd sweep runs/quick-sst2 --students bilstm,static --hidden 150 --embedding 128,384
    edgekd sweep runs/quick-sst2 --measure-only --rounds 3
    """
    from edgekd_exporters.quantize import PRESETS

    from ..sweep.grid import GridSpec, parse_families, parse_ints, parse_quants
    from ..sweep.run import SweepOptions, run_sweep

    grid = GridSpec(hidden=parse_ints(hidden, "--hidden"), embed=parse_ints(embedding, "--embedding"),
                    min_count=parse_ints(min_count, "--min-count"), seeds=parse_ints(seeds, "--seeds"),
                    quant=parse_quants(quant, tuple(PRESETS)), families=parse_families(students))
    opts = SweepOptions(grid=grid, epochs=epochs, time_budget_min=time_budget, max_minutes=max_minutes,
                        threads=threads, measure=measure, measure_only=measure_only,
                        measure_threads=parse_ints(measure_threads, "--measure-threads"), rounds=rounds, iters=iters,
                        min_seconds=min_seconds,
                        data_dir=None if data_dir is None else str(data_dir), progress=progress)
    rec = run_sweep(build_dir, out or build_dir / "sweep", opts, log=lambda m: click.echo(m, err=True))
    n = len(rec["rows"])
    front = [r["point"] for r in rec["rows"] if r["front"]]
    click.echo(f"{n} bundles; accuracy/latency front: {', '.join(front) or '(not measured)'}; "
               f"report in {out or build_dir / 'sweep'}/sweep.{{json,md,png}}")
