"""Few labels, lots of text (XtremeDistil's headline setting) on a GLUE task: per labelled size and seed, a
seeded sample of the training file keeps its labels, the rest becomes unlabeled text (labels dropped as read:
`edgekd.few_labels`), and two `edgekd build --preset few-labels` runs give, side by side on dev: the teacher
fine-tuned on the sample, the BiLSTM trained on the sample only, the student distilled over sample + unlabeled
text, and the same student with augmentation (`--n-iter` rounds over the labelled rows and, with
`--augment-unlabeled`, over the unlabeled text).

    nice -n 10 python -m benchmarks.few_labels --labelled 500,2000 --seeds 0,1,2 --threads 1 \\
        --out runs/few --results benchmarks/results/few-labels

Resumable per (labels, seed) cell: a finished cell keeps OUT/n<N>/seed<S>/cell.json and is skipped, and an
interrupted one resumes stage by stage (the builds skip finished stages). The augmented build reuses the plain
build's teacher and baseline (same stage keys; copied, then skipped as up to date). After each cell, every
finished cell under OUT goes to few_labels.json and few_labels.md in --results.
"""
from __future__ import annotations

import json
import shutil
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):                      # the benchmarks import edgekd and each other as packages
    raise SystemExit("run it as a module from the repository root: python -m benchmarks.few_labels ...")

import click

SHARED = ("teacher", "baseline")   # stages whose keys do not depend on the unlabeled text or the augmentation


def run_cell(task: str, n: int, seed: int, out: Path, *, aug_iter: int, data_dir: str | None,
             threads: int | None, log) -> dict:
    """Split, then the plain and the augmented build of one (labels, seed) cell; its record (also cell.json)."""
    from edgekd.augment.unlabeled import UnlabeledOptions
    from edgekd.few_labels import LABELLED, UNLABELED, split_labelled
    from edgekd.inputs import DataOptions
    from edgekd.pipeline.chain import run_build
    from edgekd.tasks import get_task, split_path

    cell = out / f"n{n}" / f"seed{seed}"
    if (cell / "cell.json").is_file():
        return json.loads((cell / "cell.json").read_text())
    t = get_task(task)
    split = split_labelled(split_path(t, "train", data_dir), t, n, seed, cell / "data")
    data = DataOptions(task=task, data_dir=Path(data_dir) if data_dir else None, train_file=cell / "data" / LABELLED)
    t0 = time.perf_counter()
    runs = {}
    for name, aug in (("plain", False), ("aug", True)):
        if aug:
            for stage in SHARED:
                if not (cell / name / stage).exists():
                    shutil.copytree(cell / "plain" / stage, cell / name / stage)
        log(f"== {task} n={n} seed={seed}: {name} build ==")
        runs[name] = run_build(data, cell / name, preset="few-labels",
                               overrides=dict(seed=seed, n_iter=aug_iter if aug else None, profile=False),
                               threads=threads, progress=False, unlabeled=UnlabeledOptions(cell / "data" / UNLABELED,
                                                                                        augment=aug), log=log)
    rec = cell_record(n, seed, split, runs, time.perf_counter() - t0)
    (cell / "cell.json").write_text(json.dumps(rec, indent=2, sort_keys=True) + "\n")
    return rec


def cell_record(n: int, seed: int, split: dict, runs: dict, wall: float) -> dict:
    """What the tables need from the two build summaries."""
    p, a = runs["plain"], runs["aug"]
    rows = {k: (r.get("unlabeled") or {}) for k, r in runs.items()}
    return {"labelled": n, "seed": seed, "metric": p["metric"], "teacher": p["teacher"],
            "baseline": p["baseline_no_distill"], "distilled": p["student_fp32"], "distilled_aug": a["student_fp32"],
            "distilled_int8": p["student_int8"], "distilled_aug_int8": a["student_int8"],
            "mcnemar": {"distilled_vs_baseline": p.get("distill_vs_baseline"),
                        "distilled_aug_vs_baseline": a.get("distill_vs_baseline")},
            "unlabeled_rows": split["unlabeled"], "unlabeled_written": {k: v.get("written") for k, v in rows.items()},
            "unlabeled_augmented": rows["aug"].get("augmented"),
            "stage_seconds": {k: {s: v["seconds"] for s, v in r["stages"].items()} for k, r in runs.items()},
            "wall_s": round(wall, 1)}


COLUMNS = (("teacher", "teacher"), ("baseline", "BiLSTM, labels only"), ("distilled", "distilled (unlabeled text)"),
           ("distilled_aug", "distilled + augmentation"))


def markdown(cells: list[dict]) -> str:
    """One table per labelled size: a row per seed, then mean ± sd."""
    out = []
    for n in sorted({c["labelled"] for c in cells}):
        cs = sorted((c for c in cells if c["labelled"] == n), key=lambda c: c["seed"])
        m = cs[0]["metric"]
        out += [f"**{n} labels** (dev {m}, %; McNemar p: student vs the BiLSTM, exact, same seed)", "",
                "| seed | " + " | ".join(h for _, h in COLUMNS) + " | student − BiLSTM | student − teacher "
                "| McNemar p (distilled / + aug) |", "|---" * (len(COLUMNS) + 4) + "|"]
        for c in cs:
            mc = c["mcnemar"]
            ps = " / ".join("n/a" if mc[k] is None else f"{mc[k]['p_value']:.2g}"
                            for k in ("distilled_vs_baseline", "distilled_aug_vs_baseline"))
            out.append(f"| {c['seed']} | " + " | ".join(f"{100 * c[k]:.2f}" for k, _ in COLUMNS)
                       + f" | {_gap(c, 'baseline')} | {_gap(c, 'teacher')} | {ps} |")
        if len(cs) > 1:
            cols = []
            for k, _ in COLUMNS:
                v = [100 * c[k] for c in cs]
                cols.append(f"{statistics.mean(v):.2f} ± {statistics.stdev(v):.2f}")
            gb = [100 * (c["distilled"] - c["baseline"]) for c in cs]
            gt = [100 * (c["distilled"] - c["teacher"]) for c in cs]
            out.append("| mean ± sd | " + " | ".join(cols) + f" | {statistics.mean(gb):+.2f} | "
                       f"{statistics.mean(gt):+.2f} | |")
        seen = [c for c in cs if c.get("examples_seen")]
        if seen:
            out += ["", "Training examples seen (BiLSTM / distilled / + augmentation; the distilled students stop "
                    "at the 3-minute cap): " + "; ".join(f"seed {c['seed']}: " + " / ".join(
                        f"{c['examples_seen'].get(k, 0):,}" for k in ("baseline", "distilled", "distilled_aug"))
                        for c in seen)]
        out.append("")
    return "\n".join(out)


def _gap(c: dict, ref: str) -> str:
    return f"{100 * (c['distilled'] - c[ref]):+.2f}"


def _ints(text: str, hint: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(","))
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}", param_hint=hint) from None


@click.command()
@click.option("--task", default="sst2", show_default=True, help="A registered single-sentence or pair GLUE task.")
@click.option("--labelled", default="500", show_default=True, help="Comma-separated labelled sample sizes.")
@click.option("--seeds", default="0,1,2", show_default=True,
              help="Comma-separated seeds: each draws its own sample and seeds the teacher, augmentation and students.")
@click.option("--aug-iter", type=int, default=1, show_default=True,
              help="Augmentation rounds per labelled and unlabeled row in the augmented build.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Run folder: OUT/n<N>/seed<S>/{data,plain,aug,cell.json}.")
@click.option("--results", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write few_labels.json and few_labels.md here (default: OUT).")
@click.option("--data-dir", default=None, help="GLUE root (default: the usual lookup).")
@click.option("--threads", type=int, default=None, help="torch threads (default: all cores).")
def main(task, labelled, seeds, aug_iter, out, results, data_dir, threads):
    """The few-labels experiment: teacher, labels-only BiLSTM, distilled student, distilled + augmentation."""
    from edgekd.teacher.stage import set_threads

    set_threads(threads)
    results = results or out
    for n in _ints(labelled, "--labelled"):
        for seed in _ints(seeds, "--seeds"):
            c = run_cell(task, n, seed, out, aug_iter=aug_iter, data_dir=data_dir, threads=threads,
                         log=lambda m: click.echo(m, err=True))
            cells = write_results(out, results, dict(task=task, aug_iter=aug_iter, threads=threads))
            click.echo(f"[few-labels] n={n} seed={seed} done: {json.dumps(_brief(c))}", err=True)
    click.echo(markdown(cells))


def write_results(out: Path, results: Path, settings: dict) -> list[dict]:
    """Gather every finished cell under OUT (this run's and earlier ones) into the results files."""
    cells = [_with_seen(json.loads(p.read_text()), p.parent) for p in sorted(out.glob("n*/seed*/cell.json"))]
    results.mkdir(parents=True, exist_ok=True)
    (results / "few_labels.json").write_text(json.dumps({"settings": settings, "cells": cells}, indent=2,
                                                        sort_keys=True) + "\n")
    (results / "few_labels.md").write_text(markdown(cells) + "\n")
    return cells


def _with_seen(rec: dict, cell: Path) -> dict:
    """`rec` with the examples its students saw, read from the cell's runs (kept from the record when a cell was
    restored from committed results without its run folders)."""
    return rec | {"examples_seen": _seen(cell) or rec.get("examples_seen", {})}


def _seen(cell: Path) -> dict:
    """Training examples each student saw (the distilled ones stop at the preset's time cap, so this varies
    with the machine's load)."""
    out = {}
    for name, stage in (("baseline", "plain/baseline"), ("distilled", "plain/distill"),
                        ("distilled_aug", "aug/distill")):
        f = cell / stage / "student" / "metrics.json"
        if f.is_file():
            out[name] = json.loads(f.read_text()).get("train_examples_seen")
    return out


def _brief(c: dict) -> dict:
    return {k: round(100 * c[k], 2) for k, _ in COLUMNS} | {"wall_s": c["wall_s"]}


if __name__ == "__main__":
    main()
