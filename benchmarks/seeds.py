"""Is distillation's gain real? Train the distilled student and the gold-label baseline with several seeds on a
finished `edgekd build` folder (its teacher, transfer set and logits cache; the build's own student settings)
and print a Markdown table: dev metric per seed, mean and standard deviation, and an exact McNemar test per seed.

    python -m benchmarks.seeds runs/quick-sst2 --seeds 0,1,2 --out runs/bench/seeds-quick
    python -m benchmarks.seeds runs/quick-sst2 --cache runs/ablate/cache --arm logits --arm repr:repr_weight=1 ...

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

if __package__ in (None, ""):                      # the benchmarks import edgekd and each other as packages
    raise SystemExit("run it as a module from the repository root: python -m benchmarks.seeds ...")

import click


def parse_arm(spec: str) -> tuple[str, dict]:
    """"NAME" or "NAME:key=value,key=value" -> (name, DistillConfig overrides); values are JSON scalars."""
    name, _, rest = spec.partition(":")
    if not name or not name.replace("_", "").replace("-", "").isalnum() or name == "baseline":
        raise ValueError(f"arm {spec!r}: the name must be letters, digits, - or _ (and not 'baseline')")
    overrides = {}
    for item in filter(None, rest.split(",")):
        k, eq, v = item.partition("=")
        if not eq:
            raise ValueError(f"arm {spec!r}: expected key=value, got {item!r}")
        try:
            overrides[k] = json.loads(v)
        except json.JSONDecodeError:
            overrides[k] = v
    return name, overrides


def run_seeds(build_dir: Path, seeds: tuple[int, ...], out: Path, threads: int | None, data_dir: str | None,
              progress: bool, arms: tuple[tuple[str, dict], ...] = (("distilled", {}),),
              cache: Path | None = None, time_budget: bool = True) -> dict:
    """Per seed: the gold-label baseline and each arm (the build's settings with the arm's overrides; an arm with
    loss "ce" trains on the gold-labelled training rows, like the baseline, e.g. from a pre-distilled encoder),
    and paired tests (each arm vs the baseline, each later arm vs the first). A student already trained with the
    same settings under `out` is reused, so a killed run resumes."""
    from edgekd.distill.config import DistillConfig, gold_only
    from edgekd.metrics import paired_comparison
    from edgekd.student_stage import StudentShape, student_config, training_rows
    from edgekd.tasks import get_task, load_split

    cfg_json = json.loads((build_dir / "build_config.json").read_text())
    dcfg = DistillConfig.from_dict(cfg_json["distill"])
    if not time_budget:            # epochs alone bound training (a shared machine's wall clock would not be fair)
        dcfg = replace(dcfg, time_budget_min=None)
    task = get_task(json.loads((build_dir / "summary.json").read_text())["task"])   # registered tasks only
    dev, train = load_split(task, "dev", data_dir), load_split(task, "train", data_dir)
    cache = cache or build_dir / "label" / "cache"
    transfer = build_dir / "augment" / "transfer.jsonl"
    cfgs = {name: replace(dcfg, **ov) for name, ov in arms}
    need_reps = any(c.repr_weight > 0 for c in cfgs.values())
    rows, _ = training_rows(task, None, transfer, cache, reps=need_reps)
    gold, _ = training_rows(task, train)
    student = _trainer(task, dev, str(build_dir / "teacher" / "model"), student_config(task, StudentShape(**cfg_json["student"])),
                       threads, progress)
    per_seed = []
    for seed in seeds:
        res, pred = {"seed": seed}, {}
        arms_rows = ((n, gold if c.loss == "ce" else rows, c) for n, c in cfgs.items())   # ce: gold labels only
        for name, rws, c in (("baseline", gold, gold_only(dcfg)), *arms_rows):
            res[name], res[name + "_final"], pred[name] = student(out / f"seed{seed}" / name, rws, replace(c, seed=seed))
        names = list(cfgs)
        res["vs_baseline"] = {n: paired_comparison(dev.labels, pred[n], pred["baseline"]) for n in names}
        res["vs_first"] = {n: paired_comparison(dev.labels, pred[n], pred[names[0]]) for n in names[1:]}
        res.update(res["vs_baseline"][names[0]])       # the first arm's test, in the single-arm table's columns
        per_seed.append(res)
        click.echo(f"seed {seed}: " + ", ".join(f"{n} {res[n]:.4f}" for n in ["baseline", *names]), err=True)
    return {"build": str(build_dir), "cache": str(cache), "task": task.name, "metric": task.metric,
            "distill_config": dcfg.to_dict(), "arms": {n: ov for n, ov in arms}, "seeds": per_seed}


def _trainer(task, dev, teacher: str, scfg, threads, progress):
    """train(dir, rows, cfg) -> (best dev metric, final dev metric, dev predictions), reusing a finished student
    trained with the same settings in `dir`."""
    from edgekd.distill.config import DistillConfig
    from edgekd.student_stage import train_student
    from edgekd_contract.checkpoint import METRICS_FILE, load_dev_predictions

    def train(d: Path, rows, cfg):
        done = d / METRICS_FILE
        rec = json.loads(done.read_text()) if done.is_file() else None
        finished = rec is not None and "stopped" in rec      # a killed run leaves its best-so-far metrics only
        same = finished and DistillConfig.from_dict(rec["distill_config"]) == cfg   # fields added later: defaults
        if not same or load_dev_predictions(d) is None:
            rec = train_student(task, rows, dev, d, teacher=teacher, cfg=cfg, scfg=scfg, threads=threads,
                                progress=progress, log=lambda m: None)
        return rec["dev"][task.metric], rec["history"][-1][task.metric], load_dev_predictions(d)
    return train


def markdown(r: dict) -> str:
    """Per seed and arm: the arm vs the gold-label baseline (best / final dev metric, gain, paired test), with mean
    and sd per arm in r["mean"]; then, with several arms, each later arm against the first."""
    m, names = r["metric"], list(r.get("arms") or {"distilled": {}})
    lines = [f"| seed | arm | arm {m} (best / final) | baseline {m} (best / final) | gain | only arm right "
             "| only baseline right | McNemar p |", "|---|---|---|---|---|---|---|---|"]
    for s in r["seeds"]:
        for n in names:
            t = s.get("vs_baseline", {}).get(n) or s
            lines.append(f"| {s['seed']} | {n} | {100 * s[n]:.2f} / {100 * s[n + '_final']:.2f} | "
                         f"{100 * s['baseline']:.2f} / {100 * s['baseline_final']:.2f} | "
                         f"{100 * (s[n] - s['baseline']):+.2f} | {t['a_only']} | {t['b_only']} | {t['p_value']:.3g} |")
    mean = r.setdefault("mean", {})
    for key in ("baseline", *names):
        v = [100 * s[key] for s in r["seeds"]]
        mean[key] = (statistics.mean(v), statistics.stdev(v) if len(v) > 1 else 0.0)
    bm, bs = mean["baseline"]
    for n in names:
        gains = [100 * (s[n] - s["baseline"]) for s in r["seeds"]]
        lines.append(f"| mean ± sd | {n} | {mean[n][0]:.2f} ± {mean[n][1]:.2f} | {bm:.2f} ± {bs:.2f} | "
                     f"{statistics.mean(gains):+.2f} (min {min(gains):+.2f}) | | | |")
    if len(names) > 1:
        lines += ["", f"| seed | arm | vs {names[0]} | only arm right | only {names[0]} right | McNemar p |",
                  "|---|---|---|---|---|---|"]
        for s in r["seeds"]:
            for n in names[1:]:
                t = s["vs_first"][n]
                lines.append(f"| {s['seed']} | {n} | {100 * (s[n] - s[names[0]]):+.2f} | {t['a_only']} | "
                             f"{t['b_only']} | {t['p_value']:.3g} |")
    return "\n".join(lines)


@click.command()
@click.argument("build_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--seeds", default="0,1,2", show_default=True, help="Comma-separated seeds.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the students and seeds.json / seeds.md.")
@click.option("--data-dir", default=None, help="GLUE root (default: the usual lookup).")
@click.option("--arm", "arm_specs", multiple=True,
              help="A distilled student to train per seed: NAME or NAME:key=value,... overriding the build's "
                   "DistillConfig (e.g. repr:repr_weight=1.0). Repeatable; default: one arm 'distilled'.")
@click.option("--cache", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Label cache to distil from instead of the build's (e.g. one with --representations).")
@click.option("--time-budget/--no-time-budget", default=True, show_default=True,
              help="Keep the build's per-student wall-time cap; --no-time-budget trains every student for its "
                   "full epochs (fair on a busy machine).")
@click.option("--threads", type=int, default=None)
@click.option("--progress/--no-progress", default=False, show_default=True)
def main(build_dir, seeds, out, data_dir, arm_specs, cache, time_budget, threads, progress):
    """Distilled students vs the gold-label baseline over several seeds, on a finished build's artifacts.
    Students already trained in OUT with the same settings are reused (a killed run resumes)."""
    try:
        seed_list = tuple(int(x) for x in seeds.split(","))
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {seeds!r}", param_hint="--seeds")
    try:
        arms = tuple(parse_arm(a) for a in arm_specs) or (("distilled", {}),)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--arm")
    if len({n for n, _ in arms}) != len(arms):
        raise click.BadParameter("arm names must differ", param_hint="--arm")
    r = run_seeds(build_dir, seed_list, out, threads, data_dir, progress, arms, cache, time_budget)
    md = markdown(r)
    out.mkdir(parents=True, exist_ok=True)
    (out / "seeds.json").write_text(json.dumps(r, indent=2, default=float) + "\n")
    (out / "seeds.md").write_text(md + "\n")
    click.echo(md)


if __name__ == "__main__":
    main()
