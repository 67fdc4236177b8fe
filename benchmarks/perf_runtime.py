"""Before/after benchmark of the runtime's predict path, in one run, interleaved: batch-1 latency against the teacher and
BERT-base, throughput at 1 and 2 threads, tokenization, and batching variants.

"before" is the runtime package at git revision --before (extracted into a temporary folder as the package
`edgekd_runtime_before`, so both run in this process on the same bundle and texts); "after" is the working tree's.

    PYTHONPATH=.:runtime:exporters:contract python benchmarks/perf_runtime.py \\
        --bundle /work/main/runs/js/sst2-bundle --teacher /work/main/runs/quick-sst2/teacher/model \\
        --texts /work/shared/data/glue/SST-2/dev.tsv --out benchmarks/results/perf

Batch-1 rows: `predict([text])`, tokenization included, one text after another over the dev set, every system on
1 thread (onnxruntime intra-op 1; torch 1 thread), interleaved in rounds by the profiler's harness.
Throughput rows: `predict(dev x --repeat)` with the library's default batching (64 rows, <= 512 padded tokens)
unless the row says otherwise; "Nt" = onnxruntime intra-op threads N and, after, N batches in flight at once.
Medians over rounds; the load average is recorded. No assertions: this measures.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def before_package(rev: str, into: Path) -> str:
    """Extract runtime/edgekd_runtime at `rev` as package `edgekd_runtime_before` under `into`; return its name."""
    pkg = into / "edgekd_runtime_before"
    pkg.mkdir(parents=True)
    names = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", rev, "runtime/edgekd_runtime/"],
                           check=True, capture_output=True, text=True).stdout.split()
    for name in names:
        if name.endswith(".py"):
            src = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{name}"], check=True,
                                 capture_output=True, text=True).stdout
            (pkg / Path(name).name).write_text(src)
    sys.path.insert(0, str(into))
    return pkg.name


def student(module, name: str, bundle: str, threads: int, **load):
    from edgekd.profiling.systems import System
    b = module.Bundle.load(bundle, threads=threads, **load)
    return b, System(name=name, kind="student", backend="onnxruntime", device="cpu", precision=b.spec.precision,
                     size_bytes=None, predict=lambda items: b.predict(list(items)).logits, spec={})


def batch1(systems, items, samples: int, rounds: int) -> dict:
    from edgekd.profiling.harness import interleaved_latency
    from edgekd_runtime.summaries import latency_summary
    n = {s.name: samples // {"teacher": 10, "reference": 100}.get(s.kind, 1) for s in systems}
    lat = interleaved_latency(systems, items, n, rounds, warmup=20)
    return {k: {"wall_ms": latency_summary(w), "cpu_ms": latency_summary(c)} for k, (w, c) in lat.items()}


def throughput(variants: dict, work: list, rounds: int) -> dict:
    """variants: name -> callable(work); sentences/s (wall and per process CPU-second), rounds interleaved."""
    from edgekd.profiling.harness import _no_gc, _rotated
    for f in variants.values():
        f(work[:256])
    rates = {k: ([], []) for k in variants}
    names = list(variants)
    with _no_gc():
        for r in range(rounds):
            for k in _rotated(names, r):
                c0, t0 = time.process_time(), time.perf_counter()
                variants[k](work)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                rates[k][0].append(len(work) / wall)
                rates[k][1].append(len(work) / max(cpu, 1e-9))
    return {k: {"sent_per_s": float(np.median(w)), "sent_per_cpu_s": float(np.median(c)), "rounds": len(w),
                "min": float(min(w)), "max": float(max(w))} for k, (w, c) in rates.items()}


def tokenization(tok, fast, work: list, rounds: int) -> dict:
    """CPU microseconds per text of each way to get the ids (and wall texts/s)."""
    ways = {
        "encode per text": lambda: [tok.encode(x, add_special_tokens=False).ids for x in work],
        "encode_batch": lambda: [e.ids for e in tok.encode_batch(work, add_special_tokens=False)],
        "encode_batch_fast": lambda: [e.ids for e in tok.encode_batch_fast(work, add_special_tokens=False)],
        "ascii fast path (cached)": lambda: [fast.ids(x) or tok.encode(x, add_special_tokens=False).ids for x in work],
    }
    out = throughput({k: (lambda _w, f=f: f()) for k, f in ways.items()}, work, rounds)
    return {k: {**v, "cpu_us_per_text": 1e6 / v["sent_per_cpu_s"]} for k, v in out.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--teacher", default=None, help="teacher HF folder: timed at batch 1 beside the student")
    ap.add_argument("--bert-base", action="store_true", help="also time a random-weight BERT-base at batch 1")
    ap.add_argument("--texts", required=True)
    ap.add_argument("--before", default="bf333b3", help="git revision of the 'before' runtime")
    ap.add_argument("--samples", type=int, default=2000, help="batch-1 calls per student (teacher: /10, BERT-base: /100)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=4, help="throughput: predict(dev x repeat) per round")
    ap.add_argument("--out", default=None, help="folder for perf.json and perf.md")
    a = ap.parse_args(argv)

    import importlib

    import edgekd_runtime as after
    from edgekd_runtime.fasttok import AsciiWordPiece
    from edgekd_runtime.textio import read_items

    tmp = tempfile.TemporaryDirectory(prefix="perf_before_")
    before = importlib.import_module(before_package(a.before, Path(tmp.name)))
    b_before, s_before = student(before, "before", a.bundle, 1)
    b_after, s_after = student(after, "after", a.bundle, 1)
    items = read_items(a.texts, b_after.pair, None)
    load0 = os.getloadavg()
    systems = [s_before, s_after]
    if a.teacher or a.bert_base:
        from edgekd.profiling.systems import reference_system, set_thread_env, teacher_system
        set_thread_env(1)
        if a.teacher:
            systems.append(teacher_system(a.teacher, "cpu", 1, 128, len(b_after.labels)))
        if a.bert_base:
            systems.append(reference_system("bert-base", a.teacher or a.bundle, "cpu", 1, 128, len(b_after.labels)))
    lat = batch1(systems, items, a.samples, a.rounds)
    two = {"before": student(before, "before", a.bundle, 2)[0], "after": student(after, "after", a.bundle, 2)[0]}
    one = {"before": b_before, "after": b_after}
    work = items * a.repeat
    variants = {f"{k} {t}t": (lambda w, b=b: b.predict(w)) for t, d in ((1, one), (2, two)) for k, b in d.items()}
    variants.update({
        "after 2t, 128 rows / 2048 tokens": lambda w: two["after"].predict(w, batch_size=128, max_tokens=2048),
        "after 2t, 256 rows / no token cap": lambda w: two["after"].predict(w, batch_size=256, max_tokens=None),
        "after 2t, 32 rows / 512 tokens": lambda w: two["after"].predict(w, batch_size=32, max_tokens=512),
    })
    thr = throughput(variants, work, a.rounds)
    tok = tokenization(b_after.tokenizer, AsciiWordPiece.for_tokenizer(b_after.tokenizer), work, a.rounds)
    result = {"bundle": a.bundle, "model": b_after.spec.file, "texts": a.texts, "num_texts": len(items),
              "before": a.before, "after": _head(), "cpu_count": os.cpu_count(),
              "loadavg_start": [round(x, 2) for x in load0], "loadavg_end": [round(x, 2) for x in os.getloadavg()],
              "command": " ".join([Path(sys.executable).name, *sys.argv]),
              "batch1": lat, "throughput": thr, "throughput_rows": len(work), "tokenization": tok}
    md = format_md(result)
    print(md)
    if a.out:
        out = Path(a.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "perf.json").write_text(json.dumps(result, indent=2) + "\n")
        (out / "perf.md").write_text(md + "\n")
    return 0


def _head() -> str:
    r = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return r.stdout.strip() or "?"


def format_md(r: dict) -> str:
    lat, thr = r["batch1"], r["throughput"]
    after = lat["after"]["wall_ms"]["p50"]
    lines = [f"# Runtime predict: before ({r['before']}) vs after ({r['after']})", "",
             f"`{r['command']}`", "",
             f"{r['model']} of {r['bundle']}; {r['num_texts']} texts of {r['texts']}; {r['cpu_count']} CPUs; "
             f"load average (1/5/15 min) {r['loadavg_start']} at the start, {r['loadavg_end']} at the end.", "",
             "## Batch 1, 1 thread, tokenization included (interleaved)", "",
             "| system | p50 ms | p95 ms | CPU p50 ms | after is faster by (p50) |", "|---|---|---|---|---|"]
    for k, v in lat.items():
        w, c = v["wall_ms"], v["cpu_ms"]
        lines.append(f"| {k} | {w['p50']:.3f} | {w['p95']:.3f} | {c['p50']:.3f} | {w['p50'] / after:.1f}x |")
    lines += ["", f"## Throughput, predict({r['throughput_rows']} texts), sentences/s (median of rounds)", "",
              "| variant | sent/s | sent per CPU-s | vs before, same threads |", "|---|---|---|---|"]
    for k, v in thr.items():
        t = k.split(",")[0].split()[-1]
        base = thr.get(f"before {t}", {}).get("sent_per_s")
        ratio = f"{v['sent_per_s'] / base:.2f}x" if base else "-"
        lines.append(f"| {k} | {v['sent_per_s']:,.0f} | {v['sent_per_cpu_s']:,.0f} | {ratio} |")
    lines += ["", "## Tokenization (ids of every text)", "", "| way | texts/s | CPU us per text |", "|---|---|---|"]
    for k, v in r["tokenization"].items():
        lines.append(f"| {k} | {v['sent_per_s']:,.0f} | {v['cpu_us_per_text']:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
