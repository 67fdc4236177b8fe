"""Teacher labelling speed and fidelity: torch fp32, torch bf16, onnxruntime fp32, onnxruntime int8, side by side.

    python -m benchmarks.label_backends --teacher runs/quick-sst2/teacher/model \
        --transfer runs/quick-sst2/augment/transfer.jsonl --rows 20000 --threads 2 --out runs/bench/label-backends

The same seeded sample of transfer rows is cut into rounds; every round runs each backend once on its slice, in
a rotating order, so machine noise hits all backends alike. Reported: sentences/s (total rows / total seconds,
and the median over rounds), and on the task's dev set each backend's argmax agreement and logit MSE against
torch fp32 (the agreement gate of `edgekd.teacher.onnx`). Writes JSON and a Markdown table.
"""
from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):                      # the benchmarks import edgekd and each other as packages
    raise SystemExit("run it as a module from the repository root: python -m benchmarks.label_backends ...")

import click

BACKENDS = ("torch-fp32", "torch-bf16", "ort-fp32", "ort-int8")


def sample_rows(transfer: Path, n: int, seed: int = 0) -> list[str]:
    lines = transfer.read_text(encoding="utf-8").splitlines()
    random.Random(seed).shuffle(lines)
    return [json.loads(x)["text"] for x in lines[:n]]


def make_runners(teacher_dir: str, work: Path, threads: int, max_length: int):
    import torch

    from edgekd.teacher.model import load_teacher, teacher_logits
    from edgekd.teacher.onnx import OrtTeacher, export_teacher_onnx

    torch.set_num_threads(threads)
    t = load_teacher(teacher_dir, 2, device="cpu")
    paths = {}
    for prec in ("fp32", "int8"):
        paths[prec] = work / f"teacher.{prec}.onnx"
        if not paths[prec].is_file():
            export_teacher_onnx(t, paths[prec], prec)
    ort = {p: OrtTeacher(paths[p], t.tokenizer, threads=threads) for p in paths}
    return {
        "torch-fp32": lambda xs: teacher_logits(t, xs, max_length=max_length),
        "torch-bf16": lambda xs: teacher_logits(t, xs, max_length=max_length, bf16=True),
        "ort-fp32": lambda xs: ort["fp32"].logits(xs, max_length=max_length),
        "ort-int8": lambda xs: ort["int8"].logits(xs, max_length=max_length),
    }, {p: paths[p].stat().st_size for p in paths}


@click.command()
@click.option("--teacher", required=True, help="fine-tuned teacher folder")
@click.option("--transfer", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--task", default="sst2", show_default=True)
@click.option("--rows", type=int, default=20000, show_default=True)
@click.option("--rounds", type=int, default=5, show_default=True)
@click.option("--threads", type=int, default=2, show_default=True)
@click.option("--max-length", type=int, default=64, show_default=True,
              help="teacher input length with [CLS]/[SEP] (the SST-2 presets label at 64)")
@click.option("--out", type=click.Path(path_type=Path), required=True)
def main(teacher, transfer, task, rows, rounds, threads, max_length, out):
    from edgekd.tasks import load_split
    from edgekd.teacher.onnx import agreement_gate

    out.mkdir(parents=True, exist_ok=True)
    texts = sample_rows(transfer, rows)
    runners, onnx_bytes = make_runners(teacher, out, threads, max_length)
    per = len(texts) // rounds
    secs = {b: [] for b in BACKENDS}
    for r in range(rounds):
        part = texts[r * per:(r + 1) * per]
        order = BACKENDS[r % len(BACKENDS):] + BACKENDS[:r % len(BACKENDS)]
        for b in order:
            t0 = time.perf_counter()
            runners[b](part)
            secs[b].append(time.perf_counter() - t0)
            click.echo(f"round {r + 1}/{rounds} {b}: {per / secs[b][-1]:.0f} sentences/s", err=True)
    dev = load_split(task, "dev")
    ref = runners["torch-fp32"](list(dev.texts))
    result = {"rows": per * rounds, "rounds": rounds, "threads": threads, "max_length": max_length,
              "onnx_bytes": onnx_bytes, "backends": {}}
    for b in BACKENDS:
        logits = ref if b == "torch-fp32" else runners[b](list(dev.texts))
        gate = agreement_gate(ref, logits).to_dict()
        acc = float((logits.argmax(1) == dev.labels).mean())
        result["backends"][b] = {"sentences_per_s": per * rounds / sum(secs[b]),
                                 "median_round_sentences_per_s": statistics.median(per / s for s in secs[b]),
                                 "dev_accuracy": acc, "vs_torch_fp32": gate}
    bf16 = result["backends"]["torch-bf16"]["sentences_per_s"]
    for b in BACKENDS:
        result["backends"][b]["x_torch_bf16"] = result["backends"][b]["sentences_per_s"] / bf16
    (out / "label_backends.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "label_backends.md").write_text(table(result))
    click.echo(table(result))


def table(res: dict) -> str:
    lines = [f"{res['rows']:,} transfer rows in {res['rounds']} rotating rounds, {res['threads']} threads, "
             f"teacher input length {res['max_length']}", "",
             "| backend | sentences/s | median round | x torch bf16 | dev acc. | agreement vs torch fp32 | logit MSE |",
             "|---|---|---|---|---|---|---|"]
    for b, r in res["backends"].items():
        g = r["vs_torch_fp32"]
        lines.append(f"| {b} | {r['sentences_per_s']:,.0f} | {r['median_round_sentences_per_s']:,.0f} | "
                     f"{r['x_torch_bf16']:.2f} | {100 * r['dev_accuracy']:.2f} | {100 * g['agreement']:.2f}% | "
                     f"{g['logit_mse']:.2e} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
