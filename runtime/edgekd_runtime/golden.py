"""Golden vectors: `golden.json` in a bundle proves that a host encodes text and runs the model exactly as edgekd does.

The exporter writes it (listed in manifest.json with role "golden" and its sha256; `manifest.golden` names it).
Every host (this runtime, `runtime/js`, an app) runs the inputs and compares. Format, version 1:

    {"format": "edgekd-golden", "version": 1,
     "task": "sst2", "pair": false, "labels": ["negative", "positive"], "max_length": 64,
     "tokenizer": {"pad_id": 0, "empty_id": 100},
     "batch": 1,                                   # "logits": each input alone (one session.run per input)
     "batched": {"batch_size": 64, "max_tokens": 512},   # "batched_logits": all inputs in one predict() call
     "tolerance": {"fp32": 1e-05, "int8": 0.05},   # see `tolerance()` below
     "made_with": {"onnxruntime": "1.2x.y", "tokenizers": "0.2x.y"},
     "inputs": [
       {"name": "empty", "text": "", "text_pair": "...",      # text_pair only in pair bundles
        "ids": [100], "ids_b": [...],                          # ids after truncation / the empty rule (ids_b: pairs)
        "pieces": 0, "pieces_b": 3,                            # word pieces before truncation
        "truncated": false,                                    # any side longer than max_length
        "expected": {"model.int8.onnx": {"logits": [0.12, -0.3], "label": "negative",
                                         "batched_logits": [0.11, -0.29]}, ...}},
       ...]}

Rules a host applies (the same as encoding.py): word pieces of tokenizer.json without special tokens; cut to
`max_length`; no pieces -> [empty_id]; feed `input_ids` int64 [B, T] right-padded with pad_id and `lengths`
int64 [B] (pairs add `input_ids_b`, `lengths_b`).

A batched check runs all inputs through the host's predict (length-sorted batches within batch_size and
max_tokens rows x padded length, as bundle.py cuts them) and compares with `batched_logits` (older golden files
without them: with `logits`). int8 logits of a row depend a little on its batch mates, so an int8 row passes the
batched check when it matches either expectation.

Tolerance: fp32 logits must agree within `tolerance.fp32` absolute. int8 logits within
`tolerance.int8 * max(1, max |expected logit of the row|)`: onnxruntime's DynamicQuantizeLSTM quantizes
activations per tensor at run time, so kernels and batch mates move int8 logits a little. The label must equal
the expected one wherever the expected top-two margin exceeds twice the tolerance. Ids must match exactly.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .contract import DEFAULT_BATCH_SIZE, DEFAULT_MAX_TOKENS, GOLDEN_FILE, GOLDEN_FORMAT, GOLDEN_VERSION, TOLERANCE
from .errors import BundleError
from .int8host import SATURATING, arch_of, cpu_flags, int8_kernels
from .manifest import Manifest, read_json

# Where the tolerance comes from (written into every golden.json): the largest differences measured between hosts
# on the same bundles (scripts/cross-host.sh; benchmarks/results/cross-host/).
TOLERANCE_SOURCE = {
    "fp32": "1e-5 absolute: onnxruntime's float kernels on x86-64 (AVX2 under qemu Haswell, AVX-512/AMX) gave "
            "identical fp32 logits, and the numpy backend differs by at most 6e-7 on every host measured "
            "(benchmarks/results/cross-host/)",
    "int8": "0.05 x max(1, max |expected logit|): with 7-bit weights (every preset but 'vnni') onnxruntime's int8 "
            "logits were identical on x86-64 AVX2 (qemu Haswell) and AVX-512 VNNI/AMX and within 0.00093 on arm64 "
            "(qemu) on the SST-2 / MRPC dev sets of the quick bundles, and the numpy backend "
            "(float activations) differs from onnxruntime by at most 0.024 on fixture bundles and 0.049 / 0.008 on "
            "the SST-2 / MRPC dev sets of the quick bundles; a bundle with 8-bit "
            "weights differs by 0.2 between those CPUs, which this bound rejects "
            "(scripts/cross-host.sh; benchmarks/results/cross-host/)",
}
DEFAULT_BATCHING = {"batch_size": DEFAULT_BATCH_SIZE, "max_tokens": DEFAULT_MAX_TOKENS}   # predict's defaults


class GoldenError(BundleError):
    """golden.json is missing or malformed (the bundle cannot prove itself)."""


def tolerance(precision: str, expected: Sequence[float], table: Mapping[str, float] = TOLERANCE) -> float:
    """Largest |logit difference| allowed against the expected row (see the module docstring)."""
    if precision == "fp32":
        return float(table["fp32"])
    return float(table["int8"]) * max(1.0, max((abs(x) for x in expected), default=0.0))


def margin(logits: Sequence[float]) -> float:
    """Top-1 minus top-2 logit (inf with a single logit)."""
    top = sorted(logits, reverse=True)
    return top[0] - top[1] if len(top) > 1 else math.inf


@dataclass(frozen=True)
class GoldenInput:
    name: str
    text: str
    text_pair: str | None
    ids: tuple[int, ...]
    ids_b: tuple[int, ...] | None
    truncated: bool
    expected: Mapping[str, Mapping[str, Any]]   # model file -> {"logits": [...], "label": str}

    @property
    def item(self) -> str | tuple[str, str]:
        return self.text if self.text_pair is None else (self.text, self.text_pair)

    def describe(self, width: int = 60) -> str:
        t = self.text if self.text_pair is None else f"{self.text} ||| {self.text_pair}"
        t = t if len(t) <= width else t[:width - 1] + "…"
        return f"input {self.name!r} ({json.dumps(t, ensure_ascii=False)})"


@dataclass(frozen=True)
class Golden:
    labels: tuple[str, ...]
    pair: bool
    max_length: int
    tolerance: Mapping[str, float]
    inputs: tuple[GoldenInput, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def batching(self) -> dict[str, int]:
        """The predict() batching the batched expectations were made with (the runtime's defaults if absent)."""
        b = {**DEFAULT_BATCHING, **dict(self.raw.get("batched") or {})}
        return {k: int(b[k]) for k in DEFAULT_BATCHING}


def parse_golden(raw: Any, manifest: Manifest, where: str = GOLDEN_FILE) -> Golden:
    """Validate the JSON structure against the manifest; GoldenError names the first problem."""
    def bad(msg: str) -> GoldenError:
        return GoldenError(f"{where}: {msg}")

    if not isinstance(raw, Mapping) or raw.get("format") != GOLDEN_FORMAT:
        raise bad(f"not an edgekd golden file (format must be {GOLDEN_FORMAT!r})")
    if raw.get("version") != GOLDEN_VERSION:
        raise bad(f"golden version {raw.get('version')!r} is not supported (supported: {GOLDEN_VERSION})")
    try:
        labels, pair, max_len = tuple(raw["labels"]), bool(raw["pair"]), int(raw["max_length"])
        tol = {**TOLERANCE, **{k: float(v) for k, v in dict(raw.get("tolerance", {})).items()}}
        inputs = tuple(_parse_input(i, x, pair) for i, x in enumerate(raw["inputs"]))
    except (KeyError, TypeError, ValueError) as e:
        raise bad(f"malformed ({type(e).__name__}: {e})") from None
    if labels != manifest.labels or pair != manifest.pair or max_len != manifest.max_length:
        raise bad("labels, pair or max_length differ from manifest.json")
    models = {m.file for m in manifest.models}
    for g in inputs:
        if not set(g.expected) <= models:
            raise bad(f"input {g.name!r} has expectations for models not in the manifest: "
                      f"{sorted(set(g.expected) - models)}")
    if not inputs:
        raise bad("holds no inputs")
    return Golden(labels, pair, max_len, tol, inputs, raw)


def _parse_input(i: int, x: Mapping[str, Any], pair: bool) -> GoldenInput:
    if pair and not isinstance(x.get("text_pair"), str):
        raise ValueError(f"input {i} of a pair bundle lacks text_pair")
    exp = {str(k): {"logits": [float(v) for v in e["logits"]], "label": str(e["label"]),
                    "batched_logits": [float(v) for v in e.get("batched_logits", e["logits"])]}
           for k, e in dict(x["expected"]).items()}
    return GoldenInput(name=str(x.get("name", i)), text=str(x["text"]),
                       text_pair=str(x["text_pair"]) if pair else None,
                       ids=tuple(int(v) for v in x["ids"]),
                       ids_b=tuple(int(v) for v in x["ids_b"]) if pair else None,
                       truncated=bool(x["truncated"]), expected=exp)


def read_golden(root: str | Path, manifest: Manifest) -> Golden:
    """The bundle's golden vectors (the file was already size- and sha256-checked by `open_bundle`)."""
    name = manifest.golden
    if not name:
        raise GoldenError(f"{root}: this bundle carries no golden vectors (exported before edgekd 0.2); "
                          "re-export it with `edgekd export` to add them")
    path = Path(root) / name
    return parse_golden(read_json(path, GoldenError, "named by manifest.json but missing"), manifest, where=str(path))


# ------------------------------------------------------------------------------------------------ selftest
@dataclass(frozen=True)
class SelftestReport:
    """What `selftest` checked; `failure` is the first mismatch (None when everything passed)."""

    bundle: str
    backend: str
    inputs: int
    models: tuple[str, ...]
    max_abs_diff: Mapping[str, float]       # per model, over the batch-1 and the batched runs
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def summary(self) -> str:
        if not self.ok:
            return f"selftest FAILED: {self.failure}"
        diffs = ", ".join(f"{m} max |Δlogit| {d:.2e}" for m, d in self.max_abs_diff.items())
        return (f"selftest passed: {self.inputs} golden inputs, ids exact; {len(self.models)} model(s) at batch 1 "
                f"and batched on {self.backend}: {diffs}")


class _Mismatch(Exception):
    pass


def _fmt(xs: Sequence[float]) -> str:
    return "[" + ", ".join(f"{x:.6g}" for x in xs) + "]"


def _check_ids(bundle, g: GoldenInput) -> None:
    sides = [(g.text, g.ids)] + ([(g.text_pair, g.ids_b)] if g.text_pair is not None else [])
    truncated = False
    for side, (text, want) in zip(("ids", "ids_b"), sides):
        raw = bundle._ids([text])[0]
        enc = bundle._padded([raw])
        got = tuple(int(x) for x in enc.ids[0, :int(enc.lengths[0])])
        truncated |= bool(enc.truncated[0])
        if got != want:
            raise _Mismatch(f"{g.describe()}: {side} expected {list(want)} got {list(got)}")
    if truncated != g.truncated:
        raise _Mismatch(f"{g.describe()}: truncated expected {g.truncated} got {truncated}")


def _check_logits(g: GoldenInput, model: str, precision: str, got: Sequence[float], labels: Sequence[str],
                  table: Mapping[str, float], how: str) -> float:
    exp = g.expected[model]
    wants = [exp["logits"]] if how == "batch 1" else [exp["batched_logits"], exp["logits"]]
    if precision == "fp32":
        wants = wants[:1]                      # fp32 does not depend on batch mates
    want = wants[0]
    if len(got) != len(want):
        raise _Mismatch(f"{g.describe()}: {model} ({how}) gave {len(got)} logits, expected {len(want)}")
    fits = [(max(abs(a - b) for a, b in zip(got, w)), tolerance(precision, w, table), w) for w in wants]
    ok = [f for f in fits if f[0] <= f[1]]     # NaN never fits
    if not ok:
        diff, tol, _ = fits[0]
        raise _Mismatch(f"{g.describe()}: {model} ({how}) logits expected {_fmt(want)} got {_fmt(got)} "
                        f"(max |Δ| {diff:.3g} > tolerance {tol:.3g})")
    diff, tol, w = ok[0]
    label = labels[max(range(len(got)), key=lambda i: got[i])]
    want_label = exp["label"] if w is exp["logits"] else labels[max(range(len(w)), key=lambda i: w[i])]
    if label != want_label and margin(w) > 2 * tol:
        raise _Mismatch(f"{g.describe()}: {model} ({how}) label expected {want_label!r} got {label!r}")
    return diff


def selftest(path: str | Path, backend: str = "onnxruntime", threads: int = 1,
             models: Sequence[str] | None = None) -> SelftestReport:
    """Run the bundle's golden vectors on this host: ids, then every model at batch 1 and batched.

    Raises BundleError when the bundle is invalid or has no golden vectors; a mismatch is returned in the report.
    """
    from .bundle import Bundle

    first = Bundle.load(path, backend=backend, threads=threads)
    golden = read_golden(first.root, first.manifest)
    files = tuple(models or (m.file for m in first.manifest.models))
    diffs: dict[str, float] = {}
    report = lambda failure=None: SelftestReport(str(first.root), backend, len(golden.inputs), files,  # noqa: E731
                                                 diffs, failure)
    try:
        for g in golden.inputs:
            _check_ids(first, g)
        for file in files:
            b = first if file == first.spec.file else Bundle.load(path, backend=backend, threads=threads, model=file)
            diffs[file] = _check_model(b, golden)
    except _Mismatch as e:
        return report(str(e) + host_hint(first.manifest.quantization))
    return report()


def host_hint(quantization: Mapping[str, Any], cpuinfo: str | None = None, machine: str | None = None) -> str:
    """Why an int8 mismatch may be this CPU's doing: a bundle with full 8-bit weights (quantization preset "vnni",
    `reduce_range` false) on an x86-64 CPU without VNNI, whose int8 kernels saturate. Empty otherwise."""
    import platform

    if quantization.get("reduce_range", True) or arch_of(machine or platform.machine()) != "x86-64":
        return ""
    flags = cpu_flags(cpuinfo)
    if flags is None or int8_kernels(flags, "x86-64") != SATURATING:
        return ""
    hosts = ", ".join(quantization.get("golden_hosts", ())) or "CPUs with VNNI"
    return (f". Note: this bundle stores full 8-bit weights (quantization {quantization.get('name')!r}), whose "
            f"golden vectors hold on {hosts}; this x86-64 CPU has no VNNI, so its int8 kernels saturate. Re-export "
            "with the default preset (7-bit weights) for one answer on every CPU")


def _check_model(b, golden: Golden) -> float:
    file, prec = b.spec.file, b.spec.precision
    worst = 0.0
    rows = [g for g in golden.inputs if file in g.expected]
    if not rows:
        raise _Mismatch(f"golden.json has no expected logits for {file}")
    for g in rows:                                            # batch 1: the exact conditions of the expectations
        got = b.predict([g.item]).logits[0].tolist()
        worst = max(worst, _check_logits(g, file, prec, got, golden.labels, golden.tolerance, "batch 1"))
    batched = b.predict([g.item for g in rows], **golden.batching)   # length-sorted batches, padding, `lengths`
    for g, got in zip(rows, batched.logits.tolist()):
        worst = max(worst, _check_logits(g, file, prec, got, golden.labels, golden.tolerance, "batched"))
    for g, t in zip(rows, batched.truncated.tolist()):
        if bool(t) != g.truncated:
            raise _Mismatch(f"{g.describe()}: predict() reported truncated={bool(t)}, expected {g.truncated}")
    return worst
