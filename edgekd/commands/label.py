"""`edgekd label`: run the teacher once over a transfer set into a resumable logits cache, here or on Ray."""
from __future__ import annotations

from pathlib import Path

import click

from ..teacher.config import TEACHER
from .common import engine_options, friendly_errors, make_engine


@click.command("label")
@click.argument("transfer", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Cache folder: logits.npy + cache.json.")
@click.option("--teacher", "teacher_id", default=None,
              help="Fine-tuned teacher folder or HF id (default: the packaged MiniLM, which has no task head).")
@click.option("--task", default=None, help="Task whose label count the teacher head has (default: from the "
                                           "transfer set's metadata).")
@click.option("--num-labels", type=int, default=None, help="Label count, for your own tasks.")
@click.option("--max-length", type=int, default=TEACHER.max_length, show_default=True)
@click.option("--max-tokens", type=int, default=TEACHER.max_tokens, show_default=True, help="Token budget per batch.")
@click.option("--chunk-rows", type=int, default=4096, show_default=True,
              help="Rows per resumable chunk (with --engine ray: per actor call).")
@click.option("--bf16/--no-bf16", default=False, show_default=True,
              help="bf16 autocast (CUDA, or CPUs with AVX-512/AMX bf16); part of the cache key.")
@click.option("--representations", is_flag=True,
              help="Also keep the teacher's sentence representation (last-layer [CLS] state, float16, "
                   "representations.npy) for `--repr-weight`; part of the cache key.")
@click.option("--rebuild", is_flag=True, help="Discard an existing (e.g. stale) cache in OUT and relabel.")
@click.option("--limit", type=int, default=None, help="Label only the first N rows (e.g. for timing).")
@click.option("--device", default=None,
              help="cpu or cuda (default: cuda when present; with --engine ray: where the actors run).")
@click.option("--threads", type=int, default=None,
              help="torch threads (default: all cores; with --engine ray: per actor, default its CPUs).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seeds a fresh head when the teacher has none.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@engine_options
@friendly_errors
def label(transfer, out, teacher_id, task, num_labels, max_length, max_tokens, chunk_rows, bf16, rebuild, limit,
          device, threads, seed, quiet, representations, engine_opts):
    """Label TRANSFER (a JSONL from `edgekd augment`) with the teacher's logits into OUT.

    Killed runs resume where they stopped; a cache made for another teacher, file or setting is refused
    (or relabelled with --rebuild). To scale out, `--engine ray` labels on a pool of teacher actors (a local
    Ray, or a cluster with --ray-address) and writes the same cache.
    """
    from ..label.launch import LabelCountUnknown, run_label

    engine = make_engine(engine_opts, threads=threads, device=device)
    try:
        cache = run_label(transfer, out, teacher=teacher_id, task=task, num_labels=num_labels, max_length=max_length,
                          max_tokens=max_tokens, chunk_rows=chunk_rows, bf16=bf16, rebuild=rebuild, limit=limit,
                          device=device, threads=threads if engine.name == "local" else None, seed=seed,
                          progress=not quiet, engine=engine, representation=representations,
                          log=lambda m: click.echo(m, err=True))
    except LabelCountUnknown as e:
        raise click.UsageError(str(e)) from None
    stats = cache.header.get("stats") or {}
    sps = stats.get("sentences_per_s")
    where = f"{stats.get('device')} ({stats.get('threads')} threads"
    if stats.get("engine") == "ray":
        where += f" per actor, {stats.get('actors')} Ray actors; Ray up in {stats.get('ray_init_s')} s"
    click.echo(f"logits {cache.path / 'logits.npy'}: {cache.key['rows']} rows, dtype {cache.key['dtype']}, "
               + (f"{sps:.1f} sentences/s on {where})" if cache.labelled and sps else "already up to date"))
