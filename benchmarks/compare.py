"""One run that scores and times the teacher, the distilled student (int8 and fp32), the same BiLSTM without
distillation, fastText (gold labels; teacher-labelled transfer set) and TF-IDF + LR on the same train data and dev
set, then prints a Markdown table and a verdict on the project's goal.

    python -m benchmarks.compare --task sst2 --teacher runs/teacher/sst2 --bundle runs/sst2/bundle \\
        --baseline-bundle runs/sst2/baseline_bundle --transfer T.jsonl --logits LOGITS_DIR --json out.json

Timing is the device profiler's harness (edgekd.profiling.harness): warm-up, then batch-1 calls (tokenization
included) interleaved round by round on the same sentences in the same order, every system on 1 thread; then
throughput at a larger batch on the same sentences, interleaved, with 2 threads where the library has
intra-op threads; then peak RSS (VmHWM) of a fresh process per system that loads the saved artifact and predicts.
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

if __package__ in (None, ""):                      # the benchmarks import edgekd and each other as packages
    raise SystemExit("run it as a module from the repository root: python -m benchmarks.compare ...")

import click
import numpy as np

from benchmarks import table
from benchmarks.fasttext_baseline import FastTextSettings
from benchmarks.lineup import SYSTEM_KEYS, Entry, Sources, build_lineup
from benchmarks.tfidf_baseline import TfidfSettings

SCHEMA = 1


@dataclass(frozen=True)
class CompareConfig:
    """How long and how to measure. Defaults are the full run; `quick()` is for smoke runs."""

    latency_samples: int = 500          # timed batch-1 calls per system (the same sentences for every system)
    warmup: int = 20
    rounds: int = 10                    # interleaved rounds the latency samples are split into
    batch: int = 64                     # throughput batch size
    throughput_items: int = 512         # sentences per throughput round (the same for every system) ...
    min_round_s: float = 0.5            # ... repeated until the round lasts this long (fast systems)
    throughput_rounds: int = 3
    threads: int = 2                    # throughput threads (batch-1 latency always uses 1)
    rss: bool = True
    rss_items: int = 256                # dev items the RSS child predicts, at `batch`
    rss_skip: tuple[str, ...] = ()      # row kinds whose peak RSS is not measured (smoke tests skip "teacher")
    rss_timeout_s: float = 600.0
    metric_batch: int = 64
    teacher_max_length: int = 128       # word pieces incl. [CLS]/[SEP], as the teacher was fine-tuned

    def quick(self) -> "CompareConfig":
        return replace(self, latency_samples=40, warmup=5, rounds=2, throughput_items=128, throughput_rounds=2,
                       min_round_s=0.1, rss_items=64)


def items_of(ds) -> list:
    return list(ds.texts) if ds.text_pairs is None else list(zip(ds.texts, ds.text_pairs))


class _Threads:
    """Per-phase thread count for the process-wide pools: torch (the teacher) and BLAS (threadpoolctl)."""

    def __init__(self, n: int) -> None:
        self.n, self._blas = n, None

    def __enter__(self):
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(self.n)
        try:
            from threadpoolctl import threadpool_limits
            self._blas = threadpool_limits(self.n)
        except ImportError:
            pass
        return self

    def __exit__(self, *exc) -> None:
        if self._blas is not None:
            self._blas.restore_original_limits()


def measure(entries: Sequence[Entry], items: Sequence, labels: np.ndarray, task, cfg: CompareConfig,
            progress=print) -> list[dict[str, Any]]:
    """Metric, latency, throughput and (cfg.rss) peak RSS of every entry; one JSON-able row each, table order."""
    from edgekd.profiling.harness import interleaved_latency, interleaved_throughput, peak_rss, predict_all
    from edgekd.metrics import score
    from edgekd_runtime.summaries import latency_summary, rate_summary

    metrics = {}
    with _Threads(cfg.threads):
        for e in entries:
            progress(f"metric of {e.name} on {len(items)} dev items")
            metrics[e.name] = score(task.metric, labels, predict_all(e.tp, items, cfg.metric_batch).argmax(axis=1))
    progress(f"batch-1 latency: {cfg.latency_samples} calls x {len(entries)} systems, 1 thread, interleaved")
    with _Threads(1):
        lat = interleaved_latency([e.lat for e in entries], items, {e.name: cfg.latency_samples for e in entries},
                                  cfg.rounds, cfg.warmup)
    progress(f"throughput: batch {cfg.batch}, {cfg.throughput_items} sentences x {cfg.throughput_rounds} rounds")
    with _Threads(cfg.threads):
        tp = interleaved_throughput([e.tp for e in entries], items, {e.name: [cfg.batch] for e in entries},
                                    {e.name: cfg.throughput_items for e in entries}, cfg.throughput_rounds,
                                    cfg.min_round_s)
    rss: dict[str, dict[str, Any]] = {}
    if cfg.rss:
        progress(f"peak RSS: fresh processes, {cfg.rss_items} items each")
        rss = peak_rss({e.name: (e.tp, items[:cfg.rss_items], cfg.batch) for e in entries
                        if e.kind not in cfg.rss_skip}, cfg.rss_timeout_s)
    rows = []
    for e in entries:
        (lat_wall, lat_cpu), (tp_wall, tp_cpu) = lat[e.name], tp[e.name][cfg.batch]
        ls, ts, r = latency_summary(lat_wall), rate_summary(tp_wall), rss.get(e.name) or {}
        row = {"system": e.name, "kind": e.kind, "backend": e.tp.backend, "precision": e.tp.precision,
               "metric_name": task.metric, "metric": metrics[e.name][task.metric],
               "accuracy": metrics[e.name]["accuracy"], "size_bytes": e.tp.size_bytes, "p50_ms": ls["p50"],
               "p95_ms": ls["p95"], "throughput": ts["median"], "throughput_batch": cfg.batch,
               "throughput_threads": e.tp_threads, "peak_rss_mb": r.get("peak_rss_mb"),
               "latency_ms": ls, "throughput_rounds": ts, "rss": r or None, "info": e.info,
               # process CPU time (all threads): immune to waiting for a core on a shared host
               "cpu_latency_ms": latency_summary(lat_cpu), "throughput_per_cpu_s": rate_summary(tp_cpu)}
        row["acc_per_ms"] = table.acc_per_ms(row)
        rows.append(row)
    return rows


def load_data(task_name: str, data_dir: str | None, limit_train: int | None, limit_dev: int | None,
              transfer: str | None, logits: str | None):
    """(task, train Dataset, dev Dataset, transfer (items, teacher argmax labels) or None, data record)."""
    from edgekd.tasks import DataError, get_task, load_split

    task = get_task(task_name)
    train = load_split(task, "train", data_dir, limit=limit_train)
    dev = load_split(task, "dev", data_dir, limit=limit_dev)
    record = {"train": {"source": train.source, "rows": len(train), "sha256": train.fingerprint()},
              "dev": {"source": dev.source, "rows": len(dev), "sha256": dev.fingerprint()}}
    tr = None
    if (transfer is None) != (logits is None):
        raise DataError("--transfer and --logits go together (the transfer JSONL and its teacher logits folder)")
    if transfer is not None:
        from edgekd.student.data import read_logits, read_transfer

        rows = read_transfer(transfer, task.pair)
        z = read_logits(logits, transfer)
        if z.shape != (len(rows), task.num_labels):
            raise DataError(f"{logits}: logits have shape {z.shape}, but {transfer} has {len(rows)} rows and the "
                            f"task {task.num_labels} labels")
        items = list(rows.texts) if rows.text_pairs is None else list(zip(rows.texts, rows.text_pairs))
        tr = (items, z.argmax(axis=1).astype(np.int64))
        record["transfer"] = {"source": str(transfer), "logits": str(logits), "rows": len(rows),
                              "originals": int(rows.original.sum()) if rows.original is not None else None}
    return task, train, dev, tr, record


def run_compare(task_name: str = "sst2", *, teacher: str | None = None, bundle: str | None = None,
                baseline_bundle: str | None = None, extra_bundles: tuple[tuple[str, str], ...] = (),
                transfer: str | None = None, logits: str | None = None,
                data_dir: str | None = None, work: str | None = None, limit_train: int | None = None,
                limit_dev: int | None = None, skip: Sequence[str] = (), cfg: CompareConfig = CompareConfig(),
                ft: FastTextSettings = FastTextSettings(), tfidf: TfidfSettings = TfidfSettings(),
                retrain: bool = False, progress=print) -> dict[str, Any]:
    """Everything in one record: rows, verdict, Markdown, notes, errors, host facts and settings."""
    from edgekd.profiling.machine import host_facts
    from edgekd.profiling.systems import set_thread_env

    t0 = time.perf_counter()
    task, train, dev, tr, data_rec = load_data(task_name, data_dir, limit_train, limit_dev, transfer, logits)
    dev_items, dev_labels = items_of(dev), np.asarray(dev.labels)
    saved_env = dict(os.environ)
    set_thread_env(cfg.threads)
    load_start = os.getloadavg()
    try:
        src = Sources(teacher=teacher, bundle=bundle, baseline_bundle=baseline_bundle, extra_bundles=extra_bundles,
                      train=(items_of(train), np.asarray(train.labels)), transfer=tr, dev=(dev_items, dev_labels),
                      work=work or f"runs/bench/{task.name}")
        include = [k for k in SYSTEM_KEYS if k not in skip]
        entries, notes, errors = build_lineup(src, task, include, cfg.threads, cfg.teacher_max_length, ft, tfidf,
                                              force=retrain, progress=progress)
        rows = measure(entries, dev_items, dev_labels, task, cfg, progress) if entries else []
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
    notes += method_notes(rows, cfg, load_start)
    v = table.verdict(rows)
    md = table.markdown(rows, task.name, task.metric, len(dev_items), cfg.batch, cfg.threads, v["text"])
    return {"schema": SCHEMA, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "task": task.name, "metric": task.metric, "data": data_rec, "config": asdict(cfg),
            "fasttext_settings": ft.to_dict(), "tfidf_settings": tfidf.to_dict(),
            "host": host_facts(), "load_average": {"start": load_start, "end": os.getloadavg()},
            "rows": rows, "verdict": v, "markdown": md, "notes": notes, "errors": errors,
            "elapsed_s": round(time.perf_counter() - t0, 1)}


def method_notes(rows: Sequence[dict[str, Any]], cfg: CompareConfig, load_start) -> list[str]:
    notes = [f"Batch-1 p50: median of {cfg.latency_samples} calls per system on 1 thread, text in, logits out "
             f"(tokenization/featurization included), after {cfg.warmup} warm-up calls, interleaved in "
             f"{cfg.rounds} rounds on the same dev sentences in the same order.",
             f"Throughput: median of {cfg.throughput_rounds} interleaved rounds, each the same "
             f"{max(cfg.throughput_items, cfg.batch)} dev sentences at batch {cfg.batch} repeated for at least "
             f"{cfg.min_round_s:g} s; the students (onnxruntime intra-op) and the teacher (torch) "
             f"use {cfg.threads} threads; fastText and TF-IDF predict on 1 thread (they have no intra-op threads, "
             "and fastText's binding holds the GIL, so a second caller thread does not help).",
             "Size: student = one ONNX model + tokenizer + manifest; teacher = weights + config + tokenizer; "
             "fastText = the .ftz; TF-IDF = vocab.json + weights.npz + config.json (no pickle).",
             "Accuracy % per ms = dev accuracy (%) / batch-1 p50 (ms)."]
    if cfg.rss:
        notes.append(f"Peak RSS: VmHWM of a fresh process that loads the saved artifact and predicts "
                     f"{cfg.rss_items} dev items at batch {cfg.batch} ({cfg.threads} threads)"
                     + (f"; not measured for {', '.join(cfg.rss_skip)}." if cfg.rss_skip else "."))
    failed = [f"{r['system']} ({r['rss']['error']})" for r in rows if (r.get("rss") or {}).get("error")]
    if failed:
        notes.append("Peak RSS FAILED for " + "; ".join(failed) + ".")
    lengths = sorted({r["info"]["max_length"] for r in rows if r["info"].get("max_length")})
    if lengths:
        notes.append(f"The BiLSTM bundles truncate at {'/'.join(map(str, lengths))} word pieces per sentence; the "
                     f"teacher at {cfg.teacher_max_length} (with [CLS]/[SEP]); fastText and TF-IDF see whole texts.")
    ft = [r for r in rows if r["kind"] == "fasttext"]
    if ft:
        notes.append("fastText rows are the quantized .ftz (as in REFERENCE.md); unquantized .bin dev accuracy: "
                     + ", ".join(f"{r['system']} {table._pct(r['info'].get('unquantized_dev_accuracy'))}"
                                 for r in ft) + ".")
    if load_start[0] > 1.5:
        notes.append(f"Load average {load_start[0]:.1f} at the start: other processes shared the CPUs, so "
                     "absolute timings are noisier (the interleaving keeps the comparison fair).")
    return notes


# ---- CLI -------------------------------------------------------------------------------------------------------

@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--task", default="sst2", show_default=True, help="sst2, mrpc, rte or cola.")
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False), help="GLUE root (default: found).")
@click.option("--teacher", type=click.Path(exists=True, file_okay=False), help="Fine-tuned teacher (HF folder).")
@click.option("--bundle", type=click.Path(exists=True, file_okay=False), help="Distilled student bundle.")
@click.option("--baseline-bundle", type=click.Path(exists=True, file_okay=False),
              help="Bundle of the same BiLSTM trained without distillation (edgekd distill --no-distill).")
@click.option("--extra-bundle", "extra_bundles", multiple=True, metavar="NAME=BUNDLE",
              help="Another student bundle (its int8 model) as row NAME-int8, e.g. a transformer student "
                   "(repeatable).")
@click.option("--transfer", type=click.Path(exists=True, dir_okay=False), help="Transfer set JSONL.")
@click.option("--logits", type=click.Path(exists=True, file_okay=False), help="Teacher logits of --transfer.")
@click.option("--work", type=click.Path(file_okay=False), help="Where fastText/TF-IDF artifacts go "
              "(default runs/bench/TASK); reused when data and settings match.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write the full record here.")
@click.option("--md", "md_out", type=click.Path(dir_okay=False), help="Write the Markdown table here.")
@click.option("--limit-train", type=int, help="First N train rows (smoke runs).")
@click.option("--limit-dev", type=int, help="First N dev rows (smoke runs).")
@click.option("--skip", multiple=True, type=click.Choice(SYSTEM_KEYS), help="Leave a system out (repeatable).")
@click.option("--quick", is_flag=True, help="Few iterations (smoke runs; noisier numbers).")
@click.option("--latency-samples", type=int)
@click.option("--batch", type=int)
@click.option("--throughput-items", type=int)
@click.option("--threads", type=int, help="Throughput threads (default 2; batch-1 latency always uses 1).")
@click.option("--rounds", type=int, help="Interleaved latency rounds.")
@click.option("--rss/--no-rss", default=True, show_default=True, help="Measure peak RSS in fresh processes.")
@click.option("--rss-items", type=int)
@click.option("--retrain", is_flag=True, help="Retrain fastText/TF-IDF even if matching artifacts exist.")
@click.option("--ft-epoch", type=int, default=FastTextSettings.epoch, show_default=True)
@click.option("--ft-bucket", type=int, default=FastTextSettings.bucket, show_default=True)
@click.option("--ft-cutoff", type=int, default=FastTextSettings.cutoff, show_default=True)
@click.option("--ft-threads", type=int, default=FastTextSettings.threads, show_default=True)
@click.option("--ft-dim", type=int, default=FastTextSettings.dim, show_default=True)
def main(task, data_dir, teacher, bundle, baseline_bundle, extra_bundles, transfer, logits, work, json_out, md_out, limit_train,
         limit_dev, skip, quick, latency_samples, batch, throughput_items, threads, rounds, rss, rss_items, retrain,
         ft_epoch, ft_bucket, ft_cutoff, ft_threads, ft_dim):
    """Benchmark the distilled student against its teacher, a no-distillation BiLSTM, fastText and TF-IDF."""
    from edgekd.tasks import DataError

    cfg = CompareConfig().quick() if quick else CompareConfig()
    over = {"latency_samples": latency_samples, "batch": batch, "throughput_items": throughput_items,
            "threads": threads, "rounds": rounds, "rss_items": rss_items}
    cfg = replace(cfg, rss=rss, **{k: v for k, v in over.items() if v is not None})
    ft = replace(FastTextSettings(), epoch=ft_epoch, bucket=ft_bucket, cutoff=ft_cutoff, threads=ft_threads,
                 dim=ft_dim)
    say = lambda m: click.echo(f"compare: {m}", err=True)  # noqa: E731
    extras = []
    for spec in extra_bundles:
        name, sep, path = spec.partition("=")
        if not sep or not name or not Path(path).is_dir():
            raise click.BadParameter(f"{spec!r}: expected NAME=BUNDLE_DIR", param_hint="--extra-bundle")
        extras.append((name, path))
    try:
        rec = run_compare(task, teacher=teacher, bundle=bundle, baseline_bundle=baseline_bundle,
                          extra_bundles=tuple(extras), transfer=transfer,
                          logits=logits, data_dir=data_dir, work=work, limit_train=limit_train, limit_dev=limit_dev,
                          skip=skip, cfg=cfg, ft=ft, retrain=retrain, progress=say)
    except (DataError, ValueError, OSError) as e:
        raise click.ClickException(str(e)) from None
    rec["command"] = [Path(sys.argv[0]).name, *sys.argv[1:]]
    click.echo(rec["markdown"])
    for n in rec["notes"]:
        click.echo(f"- {n}")
    if json_out:
        Path(json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(json_out).write_text(json.dumps(rec, indent=2, default=_jsonable) + "\n")
        say(f"wrote {json_out}")
    if md_out:
        Path(md_out).parent.mkdir(parents=True, exist_ok=True)
        Path(md_out).write_text(rec["markdown"])
    if rec["errors"]:
        raise click.ClickException(f"{len(rec['errors'])} system(s) failed: "
                                   + "; ".join(f"{e['system']}: {e['error']}" for e in rec["errors"]))


def _jsonable(x):
    if isinstance(x, (np.integer, np.floating)):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"not JSON-able: {type(x).__name__}")


if __name__ == "__main__":
    main()
