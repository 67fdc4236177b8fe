"""`edgekd-run`: predict with, inspect, and benchmark a bundle from the shell (torch-free).

Exit codes (`exits.py`, docs/cli.md): 0 ok; 2 usage or input error (bad option, bad JSONL line, wrong arity,
missing input file); 3 the bundle is invalid (missing/corrupted file, unsupported schema, vocab mismatch, ...),
fails its selftest, or cannot run here (no onnxruntime, the bench's RSS child failed; also any unexpected error);
130 interrupted. Nothing else. Errors print one line, `edgekd-run: error: ...`, never a traceback
(EDGEKD_DEBUG=1 shows the traceback of an unexpected error).
"""
from __future__ import annotations

import functools
import io
import json
import os
import sys

import click

from . import exits
from .cli_policy import Failure, Interrupted, PolicyGroup
from .contract import DEFAULT_BATCH_SIZE, DEFAULT_MAX_TOKENS, SORT_WINDOW
from .errors import BundleError, InputError
from .textio import MODES, chunks, iter_items


def guarded(fn):
    """Map runtime exceptions to one stderr line and the policy's exit code (`PolicyGroup` prints it)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as e:
            raise Failure(str(e), exits.USAGE) from None
        except BundleError as e:
            raise Failure(str(e), exits.INVALID) from None
        except UnicodeDecodeError as e:
            raise Failure(f"input is not valid UTF-8 ({e.reason} at byte {e.start})", exits.USAGE) from None
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as e:
            raise Failure(f"{e.filename}: {e.strerror}", exits.USAGE) from None
        except BrokenPipeError:                         # e.g. `edgekd-run predict ... | head`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(exits.OK) from None
        except KeyboardInterrupt:
            raise Interrupted() from None
        except RuntimeError as e:                       # e.g. the bench's RSS subprocess failed: cannot run here
            raise Failure(str(e), exits.INVALID) from None
    return wrapper


@click.group(name="edgekd-run", cls=PolicyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="edgekd-runtime", prog_name="edgekd-run")
def main() -> None:
    """Run an edgekd bundle: predict, info, selftest, bench."""


def _blas_threads(n: int | None) -> None:
    """Pin numpy's BLAS pool before numpy loads (this module does not import it). The numpy backend's matrices
    are tiny, so BLAS threads only add hand-offs: batch-1 p50 0.9 ms with 1 thread vs 12.8 ms with 2 on a
    busy 2-core host. onnxruntime does its own threading, so there numpy needs none. A user's setting wins."""
    if "numpy" not in sys.modules:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, str(n or 1))


def _load(bundle, backend, model, threads, verify=True, profile=None):
    opts = {}
    if profile:
        from .profile import load_runtime_profile
        p = load_runtime_profile(profile)
        threads = threads or p.threads
        opts = p.session_options
    _blas_threads(threads if backend == "numpy" else 1)
    from .bundle import Bundle
    return Bundle.load(bundle, backend=backend, model=model, threads=threads, verify=verify, **opts)


_backend = click.option("--backend", type=click.Choice(["onnxruntime", "numpy"]), default="onnxruntime",
                        show_default=True, help="numpy runs without onnxruntime")
_model = click.option("--model", default=None, help="model file or precision (fp32/int8); default: the manifest's")
_profile = click.option("--profile", default=None, help="device profile (devices/NAME.toml or a path): threads etc.")


@main.command()
@click.argument("bundle", type=click.Path())
@click.argument("texts", nargs=-1)
@click.option("-i", "--input", "input_path", type=click.Path(allow_dash=True), default=None,
              help="read texts from FILE ('-' = stdin, the default when no TEXT is given)")
@click.option("--input-format", type=click.Choice(MODES), default="auto", show_default=True,
              help='lines of text ("a<TAB>b" for pairs) or JSONL {"text"[, "text_pair"]}; auto looks at line 1')
@click.option("-f", "--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True)
@click.option("--probs", is_flag=True, help="add every label's probability")
@click.option("--echo", is_flag=True, help="repeat the input text in each JSONL record")
@_backend
@_model
@click.option("--threads", type=click.IntRange(1), default=None, help="onnxruntime intra-op threads [1]")
@_profile
@click.option("--batch-size", type=click.IntRange(1), default=DEFAULT_BATCH_SIZE, show_default=True,
              help="rows per batch at most")
@click.option("--max-tokens", type=click.IntRange(1), default=DEFAULT_MAX_TOKENS, show_default=True,
              help="padded word pieces per batch at most (bounds memory)")
@click.option("--chunk-size", type=click.IntRange(1), default=SORT_WINDOW, show_default=True,
              help="inputs read, predicted and written at a time (bounds memory on huge inputs)")
@click.option("--no-verify", is_flag=True, help="skip the sha256 checks (sizes are still checked)")
@guarded
def predict(bundle, texts, input_path, input_format, fmt, probs, echo, backend, model, threads, profile,
            batch_size, max_tokens, chunk_size, no_verify):
    """Classify TEXT arguments (pairs: consecutive arguments A1 B1 A2 B2 ...), or stdin/FILE line by line.

    Output: one JSON object per input, in input order: {"label", "score", "probs"?, "truncated"?}.
    Inputs longer than the bundle's max_length are truncated, flagged "truncated": true and counted on stderr.
    """
    b = _load(bundle, backend, model, threads, verify=not no_verify, profile=profile)
    if texts and input_path:
        raise InputError("give TEXT arguments or --input, not both")
    if texts:
        if b.pair and len(texts) % 2:
            raise InputError(f"this is a pair model: give TEXT arguments in pairs (got {len(texts)})")
        items = list(zip(texts[::2], texts[1::2])) if b.pair else list(texts)
        stream = None
    else:
        if input_path in (None, "-") and sys.stdin.isatty():
            click.echo("edgekd-run: reading texts from stdin, one per line (Ctrl-D ends)", err=True)
        stream = (io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="\n")
                  if input_path in (None, "-") else open(input_path, encoding="utf-8", newline="\n"))
        items = iter_items(stream, b.pair, input_format)
    out = sys.stdout
    if (out.encoding or "").lower().replace("-", "") != "utf8" and hasattr(out, "reconfigure"):
        out.reconfigure(encoding="utf-8")               # texts are any Unicode; never fail on a C locale
    total = truncated = 0
    first = True
    try:
        for chunk in chunks(items, chunk_size):
            r = b.predict(chunk, batch_size=batch_size, max_tokens=max_tokens)
            if fmt == "table":
                out.write(_table(b, chunk, r, probs, header=first))
            else:
                for x, rec in zip(chunk, r.records(probs=probs, label_names=b.labels)):
                    if echo:
                        rec = ({"text": x[0], "text_pair": x[1]} if b.pair else {"text": x}) | rec
                    out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            out.flush()
            first = False
            total += len(chunk)
            truncated += r.metadata["num_truncated"]
    finally:
        if stream is not None and input_path not in (None, "-"):
            stream.close()
    if truncated:
        click.echo(f"edgekd-run: {truncated} of {total} inputs were longer than {b.max_length} word pieces and "
                   "were truncated (marked \"truncated\")", err=True)


def _table(b, chunk, r, probs: bool, header: bool) -> str:
    cols = ["label", "score"] + ([f"p({n})" for n in b.labels] if probs else []) + ["text"]
    lines = ["  ".join(f"{c:<10}" if c != "text" else c for c in cols)] if header else []
    for i, x in enumerate(chunk):
        text = f"{x[0]} ||| {x[1]}" if b.pair else x
        text = " ".join(text.split())
        text = (text[:69] + "…" if len(text) > 70 else text) + ("  [truncated]" if r.truncated[i] else "")
        vals = [r.labels[i], f"{r.probabilities[i, r.label_ids[i]]:.4f}"]
        vals += [f"{p:.4f}" for p in r.probabilities[i]] if probs else []
        lines.append("  ".join(f"{v:<10}" for v in vals) + "  " + text)
    return "\n".join(lines) + "\n"


@main.command()
@click.argument("bundle", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="print the manifest and file sizes as JSON")
@guarded
def info(bundle, as_json):
    """Verify BUNDLE and show its manifest, files, sizes and the metrics measured at export."""
    _blas_threads(1)
    from .verify import open_bundle
    v = open_bundle(bundle)
    m = v.manifest
    if as_json:
        click.echo(json.dumps({"path": str(v.root), "verified": True, "manifest": m.to_dict()}, indent=2))
        return
    kb = lambda n: f"{n / 1024:,.1f} KiB" if n < 1 << 20 else f"{n / (1 << 20):,.2f} MiB"  # noqa: E731
    lines = [f"bundle      {v.root}  (all {len(m.files)} files verified by sha256)",
             f"task        {m.task} ({'sentence pairs' if m.pair else 'single sentences'}), labels: "
             f"{', '.join(m.labels)}",
             f"max length  {m.max_length} word pieces per sentence (longer input is truncated and reported)",
             f"tokenizer   {m.tokenizer.file}: {v.vocab_size} ids, empty text -> id {m.tokenizer.empty_id}",
             "models"]
    sizes = {f.path: f.bytes for f in m.files}
    for s in m.models:
        lines.append(f"  {s.file:<22} {s.precision:<5} {kb(sizes.get(s.file, 0)):>12}  opset {s.opset}, IR "
                     f"{s.ir_version}{'  (default)' if s.file == m.default_model else ''}")
    lines.append(f"total       {kb(sum(sizes.values()))} in {len(m.files)} files")
    if m.student:
        lines.append("student     " + ", ".join(f"{k}={v}" for k, v in sorted(m.student.items()) if k != "labels"))
    if m.quantization:
        lines.append("quant       " + ", ".join(f"{k}={v}" for k, v in sorted(m.quantization.items())))
    if m.metrics:
        lines.append("metrics")
        lines += [f"  {k}: {json.dumps(val, sort_keys=True)}" for k, val in sorted(m.metrics.items())]
    prov = m.provenance
    lines.append(f"made by     edgekd {m.edgekd_version}, schema {m.schema_version}"
                 + (f", {prov['created_at']}" if "created_at" in prov else ""))
    click.echo("\n".join(lines))


@main.command()
@click.argument("bundle", type=click.Path())
@_backend
@click.option("--model", "models", multiple=True,
              help="check only this model file or precision (repeatable); default: every model in the bundle")
@click.option("--threads", type=click.IntRange(1), default=1, show_default=True, help="onnxruntime intra-op threads")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@guarded
def selftest(bundle, backend, models, threads, as_json):
    """Prove this host runs BUNDLE exactly as edgekd does, with the golden vectors it carries.

    For every golden input (empty, whitespace, accents, CJK, emoji, over-long, pairs, ...) the ids after
    truncation must be identical, and every model's logits must match within the golden tolerance, one input
    at a time and batched. Exit 0 when all pass; 3 when one fails (the first mismatch is named: input, expected
    vs got) or the bundle is invalid or carries no golden vectors.
    """
    _blas_threads(1)
    from .bundle import Bundle
    from .golden import selftest as run
    if models:
        probe = Bundle.load(bundle, backend=backend, verify=False)
        models = tuple(probe.manifest.model(m).file for m in models)
    report = run(bundle, backend=backend, threads=threads, models=models or None)
    if as_json:
        click.echo(json.dumps({"ok": report.ok, "bundle": report.bundle, "backend": report.backend,
                               "inputs": report.inputs, "models": list(report.models),
                               "max_abs_diff": dict(report.max_abs_diff), "failure": report.failure}, indent=2))
    if not report.ok:
        raise Failure(report.summary(), exits.INVALID)
    if not as_json:
        click.echo(report.summary())


@main.command()
@click.argument("bundle", type=click.Path())
@click.option("--texts", type=click.Path(exists=True, dir_okay=False), default=None,
              help="real text to time: GLUE TSV, JSONL or lines (default: the bundle's sample)")
@click.option("--limit", type=click.IntRange(1), default=None, help="use at most N texts")
@click.option("--threads", "threads", type=click.IntRange(1), multiple=True,
              help="thread counts to measure (repeatable) [1 and the profile's, else 1 and 2]")
@_profile
@click.option("--batch", type=click.IntRange(1), default=256, show_default=True, help="throughput batch size")
@click.option("--iters", type=click.IntRange(10), default=2000, show_default=True, help="batch-1 timings")
@_backend
@_model
@click.option("--rss/--no-rss", default=True, show_default=True, help="peak RSS in a fresh subprocess")
@click.option("--json", "as_json", is_flag=True, help="print the results as JSON")
@guarded
def bench(bundle, texts, limit, threads, profile, batch, iters, backend, model, rss, as_json):
    """Batch-1 latency p50/p95/p99 (tokenization included), throughput at --batch, and peak RSS."""
    _blas_threads(1)
    from .bench import format_table, run_bench
    opts = {}
    if profile:
        from .profile import load_runtime_profile
        p = load_runtime_profile(profile)
        threads = threads or tuple(sorted({1, p.threads}))
        opts = p.session_options
    result = run_bench(bundle, backend=backend, model=model, threads=threads or (1, 2), batch=batch, texts=texts,
                       limit=limit, iters=iters, rss=rss, **opts)
    if profile:
        result["profile"] = str(profile)
    click.echo(json.dumps(result, indent=2) if as_json else format_table(result))


if __name__ == "__main__":
    main()
