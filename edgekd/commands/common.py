"""Options and helpers shared by the `edgekd` verbs (task + data selection, error reporting)."""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from edgekd_runtime import exits
from edgekd_runtime.cli_policy import Failure, Interrupted
from edgekd_runtime.errors import BundleError, InputError

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


# What a Ctrl-C keeps, per staged verb (formatted with the verb's parameters); other verbs just say "interrupted".
KEPT_ON_INTERRUPT = {
    "build": "finished stages in {out} are kept; rerun the same command to resume",
    "label": "labelled chunks in {out} are kept; rerun the same command to resume",
    "pretrain-student": "the corpus and labelled chunks in {out} are kept; rerun the same command to resume",
    "sweep": "finished points are kept; rerun the same command to resume",
}


# Exception classes of heavy modules, found without importing them: an instance exists only if its module is loaded.
_INVALID = (("edgekd.profiling.run", "HostMismatch"), ("edgekd_exporters.validate", "BudgetError"),
            ("edgekd.label.chunks", "EngineUnavailable"))
_INPUT = (("edgekd.teacher.locate", "TeacherNotFound"), ("edgekd.augment.pos", "TaggerNotFound"))


def _loaded(names: tuple[tuple[str, str], ...]) -> tuple[type, ...]:
    return tuple(c for m, n in names if (c := getattr(sys.modules.get(m), n, None)) is not None)


def _error_code(e: BaseException) -> int | None:
    """The policy's exit code for an exception a verb expects (docs/cli.md), None for an unexpected one:
    3 for an invalid artifact or a failed check (bundle, export budget, device profile vs this host, an engine
    that cannot run here), 2 for bad input (data, files, teacher, tagger, values)."""
    if isinstance(e, _loaded(_INVALID)):
        return exits.INVALID
    if isinstance(e, BundleError):
        return exits.USAGE if isinstance(e, InputError) else exits.INVALID
    if isinstance(e, (DataError, FileNotFoundError, FileExistsError, IsADirectoryError, NotADirectoryError,
                      PermissionError, ValueError, KeyError, *_loaded(_INPUT))):
        return exits.USAGE
    return None


def _message(e: BaseException) -> str:
    if isinstance(e, KeyError):                         # str(KeyError("x")) is "'x'"
        return str(e).strip("'\"")
    if isinstance(e, OSError) and e.filename and e.strerror and str(e.filename) not in str(e.strerror):
        return f"{e.filename}: {e.strerror}"
    return str(e)


def friendly_errors(f):
    """The exit-code policy for an `edgekd` verb (docs/cli.md): expected errors become one line and exit 2 (bad
    usage or input) or 3 (invalid artifact, failed check); Ctrl-C exits 130 and says what was kept. `PolicyGroup`
    prints the line; anything else is an internal error (exit 3, traceback with EDGEKD_DEBUG=1)."""
    @functools.wraps(f)
    def wrapper(*a, **k):
        try:
            return f(*a, **k)
        except click.ClickException:
            raise
        except KeyboardInterrupt:
            raise Interrupted(_kept_note()) from None
        except BrokenPipeError:                         # `edgekd ... | head`: the reader is done, so are we
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(exits.OK) from None
        except Exception as e:
            code = _error_code(e)
            if code is None:
                raise
            raise Failure(_message(e), code) from None
    return wrapper


def _kept_note() -> str:
    ctx = click.get_current_context(silent=True)
    note = KEPT_ON_INTERRUPT.get(ctx.info_name if ctx else "", "")
    try:
        return note.format(**(ctx.params if ctx else {}))
    except (KeyError, IndexError):
        return note


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
        raise Failure(str(e), exits.INVALID) from None
    except ValueError as e:
        raise click.UsageError(str(e)) from None
