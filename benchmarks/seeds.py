"""Is distillation's gain real? Train the distilled student and the gold-label baseline with several seeds on a
finished `edgekd build` folder (its teacher, transfer set and logits cache; the build's own student settings)
and print a Markdown table: dev metric per seed, mean and standard deviation, and an exact McNemar test per seed.

    python benchmarks/seeds.py runs/quick-sst2 --seeds 0,1,2 --out runs/bench/seeds-quick

One seed and one 872-sentence dev set cannot separate a 1.5-point gain from noise (the standard error of one
accuracy is ~1.1 points); the seed spread and the paired test can. Seeds change the student's initialisation
and batch order only; the teacher, the transfer set and its logits are the build's.
"""
from __future__ import annotations

import json
import statistics
import sys
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):                      # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import click


def run_seeds(build_dir: Path, seeds: tuple[int, ...], out: Path, threads: int | None, data_dir: str | None,
              progress: bool) -> dict:
    """Train distilled + baseline students per seed; return per-seed scores and paired tests."""
    from edgekd.distill.config import DistillConfig
    from edgekd.label import load_logits
    from edgekd.metrics import paired_comparison
    from edgekd.student.data import TrainRows, read_transfer
    from edgekd.student_stage import StudentShape, student_config, train_student
    from edgekd.tasks import get_task, load_split
    from edgekd_contract.checkpoint import load_dev_predictions

    cfg_json = json.loads((build_dir / "build_config.json").read_text())
    dcfg = DistillConfig.from_dict(cfg_json["distill"])
    sh = cfg_json["student"]
    task = get_task(json.loads((build_dir / "summary.json").read_text())["task"])   # registered tasks only
    dev = load_split(task, "dev", data_dir)
    train = load_split(task, "train", data_dir)
    teacher = str(build_dir / "teacher" / "model")
    transfer = str(build_dir / "augment" / "transfer.jsonl")
    rows = read_transfer(transfer, task.pair).with_logits(load_logits(str(build_dir / "label" / "cache"), transfer))
    scfg = student_config(task, StudentShape(**sh))
    per_seed = []
    for seed in seeds:
        res = {"seed": seed}
        for name, rws, c in (("distilled", rows, replace(dcfg, seed=seed)),
                             ("baseline", TrainRows.from_dataset(train), replace(dcfg, seed=seed, loss="ce", alpha=0.0))):
            d = out / f"seed{seed}" / name
            rec = train_student(task, rws, dev, d, teacher=teacher, cfg=c, scfg=scfg, threads=threads,
                                progress=progress, log=lambda m: None)
            res[name] = rec["dev"][task.metric]
            res[name + "_final"] = rec["history"][-1][task.metric]
            res[name + "_pred"] = load_dev_predictions(d)
        p = paired_comparison(dev.labels, res.pop("distilled_pred"), res.pop("baseline_pred"))
        res.update(p)
        per_seed.append(res)
        click.echo(f"seed {seed}: distilled {res['distilled']:.4f} baseline {res['baseline']:.4f} "
                   f"McNemar p={p['p_value']:.3g}", err=True)
    return {"build": str(build_dir), "task": task.name, "metric": task.metric, "distill_config": dcfg.to_dict(),
            "seeds": per_seed}


def markdown(r: dict) -> str:
    m = r["metric"]
    lines = [f"| seed | distilled {m} (best / final) | baseline {m} (best / final) | gain | only distilled right "
             "| only baseline right | McNemar p |", "|---|---|---|---|---|---|---|"]
    for s in r["seeds"]:
        lines.append(f"| {s['seed']} | {100 * s['distilled']:.2f} / {100 * s['distilled_final']:.2f} | "
                     f"{100 * s['baseline']:.2f} / {100 * s['baseline_final']:.2f} | "
                     f"{100 * (s['distilled'] - s['baseline']):+.2f} | {s['a_only']} | {s['b_only']} | "
                     f"{s['p_value']:.3g} |")
    for key in ("distilled", "baseline"):
        v = [100 * s[key] for s in r["seeds"]]
        r.setdefault("mean", {})[key] = (statistics.mean(v), statistics.stdev(v) if len(v) > 1 else 0.0)
    gains = [100 * (s["distilled"] - s["baseline"]) for s in r["seeds"]]
    (dm, ds), (bm, bs) = r["mean"]["distilled"], r["mean"]["baseline"]
    lines.append(f"| mean ± sd | {dm:.2f} ± {ds:.2f} | {bm:.2f} ± {bs:.2f} | {statistics.mean(gains):+.2f} "
                 f"(min {min(gains):+.2f}) | | | |")
    return "\n".join(lines)


@click.command()
@click.argument("build_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--seeds", default="0,1,2", show_default=True, help="Comma-separated seeds.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the students and seeds.json / seeds.md.")
@click.option("--data-dir", default=None, help="GLUE root (default: the usual lookup).")
@click.option("--threads", type=int, default=None)
@click.option("--progress/--no-progress", default=False, show_default=True)
def main(build_dir, seeds, out, data_dir, threads, progress):
    """Distilled student vs gold-label baseline over several seeds, on a finished build's artifacts."""
    try:
        seed_list = tuple(int(x) for x in seeds.split(","))
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {seeds!r}", param_hint="--seeds")
    r = run_seeds(build_dir, seed_list, out, threads, data_dir, progress)
    md = markdown(r)
    out.mkdir(parents=True, exist_ok=True)
    (out / "seeds.json").write_text(json.dumps(r, indent=2, default=float) + "\n")
    (out / "seeds.md").write_text(md + "\n")
    click.echo(md)


if __name__ == "__main__":
    main()
