"""Options and helpers shared by the `edgekd` verbs (task + data selection, error reporting)."""
from __future__ import annotations

import functools
from pathlib import Path

import click

from ..inputs import DataOptions
from ..tasks import DataError


DATA_FIELDS = ("task", "data_dir", "train_file", "dev_file", "text_col", "text_pair_col", "label_col", "labels",
               "metric", "skip_bad", "hf")


def data_options(f):
    """--task/--data-dir/--train-file/--dev-file/--text-col/--text-pair-col/--label-col/--labels/--skip-bad/--hf,
    handed to the command as one `data: DataOptions` argument."""
    opts = [
        click.option("--task", default="sst2", show_default=True,
                     help="Registered task (sst2, mrpc, rte, cola) or a name for your own data."),
        click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="GLUE root or task folder (default: $EDGEKD_GLUE_DIR or a shared/data/glue nearby)."),
        click.option("--train-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Your own training CSV/TSV/JSONL (use with --text-col/--label-col/--labels)."),
        click.option("--dev-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Your own dev CSV/TSV/JSONL."),
        click.option("--text-col", default=None, help="Text column of your own files."),
        click.option("--text-pair-col", default=None, help="Second-sentence column (pair tasks)."),
        click.option("--label-col", default=None, help="Label column of your own files."),
        click.option("--labels", default=None, help="Comma-separated label names of your own data, e.g. neg,pos."),
        click.option("--metric", default="accuracy", show_default=True, help="Metric for your own data."),
        click.option("--skip-bad", is_flag=True, help="Skip malformed rows (they are counted) instead of failing."),
        click.option("--hf", is_flag=True, help="Load a GLUE task with Hugging Face datasets (needs network)."),
    ]

    @functools.wraps(f)
    def packed(*a, **k):
        return f(*a, data=DataOptions(**{n: k.pop(n) for n in DATA_FIELDS}), **k)

    for o in reversed(opts):
        packed = o(packed)
    return packed


def friendly_errors(f):
    """Turn expected errors into one clear line and exit code 2 (no traceback)."""
    @functools.wraps(f)
    def wrapper(*a, **k):
        from ..teacher.locate import TeacherNotFound
        try:
            return f(*a, **k)
        except (DataError, TeacherNotFound, FileNotFoundError, ValueError) as e:
            raise click.ClickException(str(e)) from None
    return wrapper


ENGINE_FIELDS = ("engine", "ray_address", "actors", "cpus_per_actor", "gpus_per_actor")


def engine_options(f):
    """--engine/--ray-address/--actors/--cpus-per-actor/--gpus-per-actor, handed to the command as one
    `engine_opts: dict`; `make_engine` turns it into the labelling engine."""
    opts = [
        click.option("--engine", type=click.Choice(("local", "ray")), default="local", show_default=True,
                     help="Where the teacher labels: this process, or a Ray Data actor pool (needs "
                          "pip install 'edgekd[scale]'); both write the same cache, bit for bit on the same "
                          "hardware and torch threads."),
        click.option("--ray-address", default=None,
                     help="Ray cluster to join (`ray start --head` prints it; 'auto' finds a local one). "
                          "Default: $RAY_ADDRESS, else start Ray here for the run."),
        click.option("--actors", default="1", show_default=True,
                     help="Teacher replicas in the Ray pool: N, or MIN-MAX to autoscale."),
        click.option("--cpus-per-actor", type=float, default=1.0, show_default=True,
                     help="CPUs each Ray actor reserves (also its torch threads unless --threads)."),
        click.option("--gpus-per-actor", type=float, default=None,
                     help="GPUs each Ray actor reserves (default: 1 with --device cuda, else 0)."),
    ]

    @functools.wraps(f)
    def packed(*a, **k):
        return f(*a, engine_opts={n: k.pop(n) for n in ENGINE_FIELDS}, **k)

    for o in reversed(opts):
        packed = o(packed)
    return packed


def _parse_actors(value: str) -> int | tuple[int, int]:
    try:
        lo, _, hi = value.partition("-")
        return (int(lo), int(hi)) if hi else int(lo)
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected N or MIN-MAX, e.g. 4 or 1-8", param_hint="--actors") from None


def make_engine(engine_opts: dict, threads: int | None = None, device: str | None = None):
    """The labelling engine the options ask for: LocalEngine, or a RayEngine whose actors run on `device`."""
    from ..label.engine import EngineUnavailable, LocalEngine, RayEngine

    o = engine_opts
    if o["engine"] == "local":
        if o["ray_address"] or o["gpus_per_actor"] is not None or o["actors"] != "1" or o["cpus_per_actor"] != 1.0:
            raise click.UsageError("--ray-address/--actors/--cpus-per-actor/--gpus-per-actor need --engine ray")
        return LocalEngine()
    gpus = o["gpus_per_actor"]
    if gpus is None:
        gpus = 1.0 if device and device.startswith("cuda") else 0.0
    if device and device.startswith("cpu") and gpus > 0:
        raise click.UsageError("--device cpu with --gpus-per-actor > 0: choose one")
    try:
        return RayEngine(address=o["ray_address"], actors=_parse_actors(o["actors"]),
                         cpus_per_actor=o["cpus_per_actor"], gpus_per_actor=gpus, threads=threads)
    except EngineUnavailable as e:
        raise click.ClickException(str(e)) from None
    except ValueError as e:
        raise click.UsageError(str(e)) from None
