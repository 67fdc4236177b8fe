"""Where a CPU fine-tuning step of the built-in MiniLM teacher goes: forward, backward, optimizer step.

    python -m benchmarks.teacher_step --threads 1 --steps 12

Four variants, each on a freshly loaded teacher with the same batch (32 copies of one SST-2-like sentence, bf16
autocast as `edgekd teacher` uses): AdamW foreach (torch's default) vs fused, word embeddings trained vs frozen.
Prints a Markdown table of median milliseconds per phase (the first two steps are warm-up). This is what the
teacher's fused AdamW and the quick preset's `freeze_word_embeddings` were decided on.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):                      # the benchmarks import edgekd and each other as packages
    raise SystemExit("run it as a module from the repository root: python -m benchmarks.teacher_step ...")

import click

VARIANTS = (("foreach", False), ("fused", False), ("foreach", True), ("fused", True))
TEXT = "this movie is a delightful and surprisingly moving piece of work with great acting"


def time_variant(optimizer: str, freeze: bool, steps: int, batch_size: int = 32) -> dict[str, float]:
    """Median ms of forward, backward and clip+optimizer step over `steps` - 2 timed steps."""
    import torch

    from edgekd.teacher.model import load_teacher

    t = load_teacher(None, 2, device="cpu")
    model = t.model
    batch = t.tokenizer([TEXT] * batch_size, return_tensors="pt", padding=True)
    if freeze:
        model.get_input_embeddings().weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=5e-5, **({"fused": True} if optimizer == "fused" else {"foreach": True}))
    labels = torch.zeros(batch_size, dtype=torch.long)
    phases: dict[str, list[float]] = {"forward": [], "backward": [], "optimizer": []}
    for i in range(steps):
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(**batch).logits
        loss = torch.nn.functional.cross_entropy(logits.float(), labels)
        t1 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        t2 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        t3 = time.perf_counter()
        if i >= 2:
            for k, v in zip(phases, (t1 - t0, t2 - t1, t3 - t2)):
                phases[k].append(1e3 * v)
    return {k: statistics.median(v) for k, v in phases.items()}


@click.command()
@click.option("--threads", type=int, default=1, show_default=True)
@click.option("--steps", type=int, default=12, show_default=True, help="Steps per variant (2 of them warm-up).")
def main(threads, steps):
    """Time forward/backward/optimizer of one MiniLM fine-tuning step, four optimizer/freezing variants."""
    import torch

    if steps < 3:
        raise click.BadParameter("need at least 3 steps (2 are warm-up)", param_hint="--steps")
    torch.set_num_threads(threads)
    lines = ["| AdamW | word embeddings | forward ms | backward ms | optimizer ms | total ms |",
             "|---|---|---|---|---|---|"]
    for optimizer, freeze in VARIANTS:
        r = time_variant(optimizer, freeze, steps)
        lines.append(f"| {optimizer} | {'frozen' if freeze else 'trained'} | {r['forward']:.1f} | "
                     f"{r['backward']:.1f} | {r['optimizer']:.1f} | {sum(r.values()):.1f} |")
    click.echo(f"MiniLM-L6 fine-tuning step, batch 32, bf16 autocast, {threads} thread(s), median of {steps - 2}")
    click.echo("\n".join(lines))


if __name__ == "__main__":
    main()
