"""`edgekd label`: run the teacher once over a transfer set into a resumable logits cache (or merge shards)."""
from __future__ import annotations

from pathlib import Path

import click

from ..teacher.config import TEACHER
from .common import friendly_errors


def _parse_shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        i, n = (int(x) for x in value.split("/"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected i/n, e.g. 0/4") from None
    if not 0 <= i < n:
        raise click.BadParameter(f"{value!r}: need 0 <= i < n")
    return i, n


@click.command("label")
@click.argument("transfer", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Cache folder: logits.npy + cache.json (shards go to OUT/shards/).")
@click.option("--teacher", "teacher_id", default=None,
              help="Fine-tuned teacher folder or HF id (default: the packaged MiniLM, which has no task head).")
@click.option("--task", default=None, help="Task whose label count the teacher head has (default: from the "
                                           "transfer set's metadata).")
@click.option("--num-labels", type=int, default=None, help="Label count, for your own tasks.")
@click.option("--max-length", type=int, default=TEACHER.max_length, show_default=True)
@click.option("--max-tokens", type=int, default=TEACHER.max_tokens, show_default=True, help="Token budget per batch.")
@click.option("--chunk-rows", type=int, default=4096, show_default=True, help="Rows per resumable chunk.")
@click.option("--bf16/--no-bf16", default=False, show_default=True,
              help="bf16 autocast (CUDA, or CPUs with AVX-512/AMX bf16); part of the cache key.")
@click.option("--rebuild", is_flag=True, help="Discard an existing (e.g. stale) cache in OUT and relabel.")
@click.option("--shard", default=None, help="Label only shard i/n of the chunks into OUT/shards/ (then --merge). "
                                            "Under torchrun it defaults to RANK/WORLD_SIZE.")
@click.option("--merge", is_flag=True, help="Merge OUT/shards/* into OUT/logits.npy after checking coverage.")
@click.option("--limit", type=int, default=None, help="Label only the first N rows (e.g. for timing).")
@click.option("--device", default=None,
              help="cpu or cuda (default: cuda when present; cuda:LOCAL_RANK under torchrun).")
@click.option("--threads", type=int, default=None, help="torch threads (default: all cores).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seeds a fresh head when the teacher has none.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@friendly_errors
def label(transfer, out, teacher_id, task, num_labels, max_length, max_tokens, chunk_rows, bf16, rebuild, shard,
          merge, limit, device, threads, seed, quiet):
    """Label TRANSFER (a JSONL from `edgekd augment`) with the teacher's logits into OUT.

    Killed runs resume where they stopped; a cache made for another teacher, file or setting is refused
    (or relabelled with --rebuild). Across GPUs: `torchrun --nproc-per-node N -m edgekd.cli label TRANSFER
    --out OUT --teacher T`, then `edgekd label --merge --out OUT`.
    """
    from ..label import merge_shards
    from ..label.launch import LabelCountUnknown, run_label

    if merge:
        cache = merge_shards(out, transfer, rebuild=rebuild)
        click.echo(f"merged {len(cache.header['merged_from'])} shards into {out / 'logits.npy'} "
                   f"({cache.key['rows']} x {cache.key['num_labels']})")
        return
    if transfer is None:
        raise click.UsageError("give the TRANSFER file to label (or --merge)")
    try:
        cache, shard_t = run_label(transfer, out, teacher=teacher_id, task=task, num_labels=num_labels,
                                   max_length=max_length, max_tokens=max_tokens, chunk_rows=chunk_rows, bf16=bf16,
                                   rebuild=rebuild, shard=_parse_shard(shard), limit=limit, device=device,
                                   threads=threads, seed=seed, progress=not quiet,
                                   log=lambda m: click.echo(m, err=True))
    except LabelCountUnknown as e:
        raise click.UsageError(str(e)) from None
    stats = cache.header.get("stats") or {}
    where = cache.path / "logits.npy"
    sps = stats.get("sentences_per_s")
    click.echo(f"logits {where}: rows {cache.header['row_range'][0]}..{cache.header['row_range'][1]} of "
               f"{cache.key['rows']}, dtype {cache.key['dtype']}, "
               + (f"{sps:.1f} sentences/s on {stats.get('device')} ({stats.get('threads')} threads)"
                  if cache.labelled and sps else "already up to date")
               + ("; merge the shards with `edgekd label --merge`" if shard_t else ""))
