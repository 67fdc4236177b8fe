"""Where a predicting process's memory goes: RSS after each step of a fresh interpreter (imports, the first
onnxruntime session on a one-node model, the bundle load, batch-1 predictions, the batched default predict), for
each backend, thread count and token cap, each in its own child process. Linux only (/proc/self/status).

    python benchmarks/rss_floor.py --bundle runs/js/sst2-bundle --texts ../shared/data/glue/SST-2/dev.tsv \\
        --out benchmarks/results/perf

`edgekd-run bench` reports the same peak (VmHWM) for the library defaults; this script splits it into parts, so
it shows which parts a user of the runtime controls (the token cap, the thread count, the backend) and which are
fixed costs of the libraries (the interpreter, numpy, tokenizers, onnxruntime and its first session).
"""
from __future__ import annotations

import json
import sys

# Nothing else at module level: the child's first reading is the bare interpreter (the parent imports the rest).

FIELDS = ("VmRSS", "RssAnon", "RssFile", "VmHWM")
# (backend, threads, max_tokens, Bundle.load session options): the defaults, the token cap, and onnxruntime's
# memory options (the arena off; initializers outside the arena).
VARIANTS = (("onnxruntime", 1, 512, {}), ("onnxruntime", 1, 256, {}), ("onnxruntime", 2, 512, {}),
            ("onnxruntime", 2, 256, {}), ("onnxruntime", 1, 512, {"mem_arena": False}),
            ("onnxruntime", 1, 512, {"session_config": {"session.use_device_allocator_for_initializers": "1"}}),
            ("numpy", 1, 512, {}))


def _status() -> dict:
    """VmRSS, RssAnon, RssFile and VmHWM in MB. Not `edgekd_runtime.rss`: importing the runtime package imports
    numpy, and the child's first reading must be the bare interpreter."""
    out = {}
    with open("/proc/self/status") as f:
        lines = f.read().splitlines()
    for line in lines:
        k, _, v = line.partition(":")
        if k in FIELDS:
            out[k] = round(int(v.split()[0]) / 1024, 1)
    return out


def child(bundle: str, texts: str, backend: str, threads: int, max_tokens: int, options: dict, one_node: str) -> list:
    """The steps of one fresh process, [(step, {field: MB})]; `one_node`: an ONNX file with a single Identity node."""
    steps = [("interpreter", _status())]
    import numpy  # noqa: F401
    steps.append(("numpy", _status()))
    import tokenizers  # noqa: F401
    steps.append(("tokenizers", _status()))
    if backend == "onnxruntime":
        import onnxruntime as ort
        steps.append(("onnxruntime", _status()))
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        ort.InferenceSession(one_node, so, providers=["CPUExecutionProvider"])
        steps.append(("first session (1 node)", _status()))
    from edgekd_runtime import Bundle
    from edgekd_runtime.bench import bench_items
    steps.append(("edgekd_runtime", _status()))
    b = Bundle.load(bundle, backend=backend, threads=threads, **options)
    steps.append(("Bundle.load", _status()))
    items, _ = bench_items(b, texts, None)
    for x in items[:300]:
        b.predict([x])
    steps.append(("300 x predict([text])", _status()))
    b.predict(items, max_tokens=max_tokens)
    steps.append((f"predict(all {len(items)}), max_tokens {max_tokens}", _status()))
    return steps


def markdown(runs: list[dict]) -> str:
    out = []
    for r in runs:
        opts = f", {json.dumps(r['options'])}" if r.get("options") else ""
        out += [f"**{r['backend']}, {r['threads']} thread(s), max_tokens {r['max_tokens']}{opts}**: peak "
                f"{r['steps'][-1][1]['VmHWM']} MB", "", "| step | RSS MB | + MB | anonymous | file-backed | peak |",
                "|---|---|---|---|---|---|"]
        prev = 0.0
        for name, s in r["steps"]:
            out.append(f"| {name} | {s['VmRSS']} | {s['VmRSS'] - prev:+.1f} | {s['RssAnon']} | {s['RssFile']} | "
                       f"{s['VmHWM']} |")
            prev = s["VmRSS"]
        out.append("")
    return "\n".join(out)


def one_node_model(path) -> str:
    import onnx
    g = onnx.helper.make_graph([onnx.helper.make_node("Identity", ["x"], ["y"])], "g",
                               [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
                               [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])])
    onnx.save(onnx.helper.make_model(g), path)
    return str(path)


def measure(bundle: str, texts: str) -> list[dict]:
    """Every variant, each in a fresh child that imports nothing but what a predicting process needs."""
    import subprocess
    import tempfile
    from pathlib import Path
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        model = one_node_model(Path(tmp) / "one_node.onnx")
        for backend, threads, cap, options in VARIANTS:
            args = json.dumps([bundle, texts, backend, threads, cap, options, model])
            p = subprocess.run([sys.executable, __file__, "--child", args], capture_output=True, text=True, check=True)
            runs.append({"backend": backend, "threads": threads, "max_tokens": cap, "options": options,
                         "steps": json.loads(p.stdout.strip().splitlines()[-1])})
    return runs


def main() -> None:
    import click

    @click.command()
    @click.option("--bundle", required=True, type=click.Path(exists=True, file_okay=False))
    @click.option("--texts", required=True, type=click.Path(exists=True, dir_okay=False),
                  help="GLUE TSV, JSONL or lines")
    @click.option("--out", type=click.Path(file_okay=False), default=None, help="write rss_floor.{json,md} here")
    def cli(bundle, texts, out):
        """Split a predicting process's peak RSS into its parts, one fresh process per variant."""
        write(measure(bundle, texts), out)
    cli()


def write(runs: list[dict], out: str | None) -> None:
    md = markdown(runs)
    print(md)
    if out:
        from pathlib import Path
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "rss_floor.json").write_text(json.dumps(runs, indent=2) + "\n")
        (Path(out) / "rss_floor.md").write_text(md + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:         # before any other import: the child measures its own imports
        print(json.dumps(child(*json.loads(sys.argv[2]))))
    else:
        main()
