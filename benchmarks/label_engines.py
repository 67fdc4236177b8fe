"""Teacher labelling throughput: the local engine against Ray Data actor pools, on the same transfer rows.

    python benchmarks/label_engines.py TRANSFER.jsonl --limit 20000 --rounds 3 --json runs/bench/label-engines.json

Each configuration is one fresh `edgekd label ... --quiet` process labelling the first LIMIT rows into a new cache
(the same teacher, settings and chunks for all), run in rounds that interleave the configurations (each round
starts with another one), so load from other jobs on a shared host spreads over all of them. Reported per
configuration, as medians over the rounds:
- `label_s`: labelling as the cache header records it (Ray: from `ray.init` to the last commit, so start-up is in);
- `rows_per_s`: rows / label_s, what a run of this size gets;
- `steady_rows_per_s`: Ray only, rows after the first committed chunk / time after it (the pool at full speed);
- `ray_init_s`, `first_chunk_s`: Ray's start (a local Ray) and the time to the first committed chunk;
- `wall_s`: the whole command (Python start, imports, teacher load and hash included).
Prints a Markdown table; `--json` keeps every run.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

REPO = Path(__file__).resolve().parents[1]
CONFIGS = {
    "local, 2 threads": ["--threads", "2"],
    "local, 1 thread": ["--threads", "1"],
    "ray, 1 actor x 2 CPUs": ["--engine", "ray", "--actors", "1", "--cpus-per-actor", "2"],
    "ray, 2 actors x 1 CPU": ["--engine", "ray", "--actors", "2", "--cpus-per-actor", "1"],
}


def run_one(transfer: Path, out: Path, args: list[str], common: list[str]) -> dict:
    """One `edgekd label` process into a fresh `out`; its header stats plus the command's wall time."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "edgekd.cli", "label", str(transfer), "--out", str(out), "--quiet", *common, *args]
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if r.returncode:
        raise click.ClickException(f"{' '.join(cmd)} failed:\n{r.stderr[-3000:]}")
    head = json.loads((out / "cache.json").read_text())
    s = dict(head["stats"], wall_s=round(wall, 2), rows=head["key"]["rows"], chunk_rows=head["key"]["chunk_rows"])
    s["rows_per_s"] = s["rows"] / s["label_s"]
    if s.get("first_chunk_s") is not None:
        rest = s["rows"] - s["chunk_rows"]
        s["steady_rows_per_s"] = rest / (s["label_s"] - s["first_chunk_s"]) if rest > 0 else None
    return s


def median(runs: list[dict], key: str):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def table(results: dict[str, list[dict]]) -> str:
    def f(v, fmt="{:.0f}"):
        return "—" if v is None else fmt.format(v)

    lines = ["| engine | rows/s (whole run) | rows/s after the first chunk | label s | Ray start s | first chunk s |"
             " command wall s | runs |", "|---|---|---|---|---|---|---|---|"]
    for name, runs in results.items():
        lines.append(f"| {name} | {f(median(runs, 'rows_per_s'))} | {f(median(runs, 'steady_rows_per_s'))} | "
                     f"{f(median(runs, 'label_s'), '{:.1f}')} | {f(median(runs, 'ray_init_s'), '{:.1f}')} | "
                     f"{f(median(runs, 'first_chunk_s'), '{:.1f}')} | {f(median(runs, 'wall_s'), '{:.1f}')} | "
                     f"{len(runs)} |")
    return "\n".join(lines)


@click.command()
@click.argument("transfer", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--limit", type=int, default=20000, show_default=True, help="Rows labelled by every run.")
@click.option("--rounds", type=int, default=3, show_default=True)
@click.option("--teacher", default=None, help="Teacher folder (default: the packaged MiniLM).")
@click.option("--chunk-rows", type=int, default=1024, show_default=True,
              help="Rows per chunk: a Ray pool needs many more chunks than actors.")
@click.option("--max-length", type=int, default=64, show_default=True)
@click.option("--bf16/--no-bf16", default=True, show_default=True)
@click.option("--only", multiple=True, type=click.Choice(tuple(CONFIGS)), help="Run only these configurations.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def main(transfer, limit, rounds, teacher, chunk_rows, max_length, bf16, only, json_out):
    common = ["--limit", str(limit), "--chunk-rows", str(chunk_rows), "--max-length", str(max_length),
              "--bf16" if bf16 else "--no-bf16"] + (["--teacher", teacher] if teacher else [])
    names = list(only or CONFIGS)
    results: dict[str, list[dict]] = {n: [] for n in names}
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="edgekd-label-bench-") as tmp:
        for r in range(rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                s = run_one(transfer, Path(tmp) / "cache", CONFIGS[name], common)
                results[name].append(s)
                click.echo(f"round {r + 1}: {name}: {s['rows_per_s']:.0f} rows/s over {s['label_s']:.1f} s"
                           + (f" (Ray up {s['ray_init_s']:.1f} s, first chunk {s['first_chunk_s']:.1f} s)"
                              if "ray_init_s" in s else ""), err=True)
    click.echo(table(results))
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        args = dict(transfer=str(transfer), limit=limit, rounds=rounds, teacher=teacher, chunk_rows=chunk_rows,
                    max_length=max_length, bf16=bf16)
        json_out.write_text(json.dumps({"args": args, "loadavg_start": load_start, "loadavg_end": os.getloadavg(),
                                        "cpus": os.cpu_count(), "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
