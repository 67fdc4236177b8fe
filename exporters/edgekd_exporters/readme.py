"""The bundle's README.md: a short model card written from the manifest (what it is, how well, how to run it)."""
from __future__ import annotations

from typing import Any

from .families import card_text


def _pct(x: Any) -> str:
    return f"{100 * x:.2f}" if isinstance(x, (int, float)) else "n/a"


def model_card(man) -> str:
    """Markdown for a Manifest whose `files` may still be empty (sizes come from metrics.model_bytes)."""
    s, m = man.student, man.metrics
    par = m.get("parity_torch_fp32", {})
    what, student = card_text(s, man.pair)      # the student family's own wording (families.FAMILIES)
    lines = [
        f"# edgekd student: {man.task}",
        "",
        f"A distilled {what} ({s.get('kind')}) exported by edgekd "
        f"{man.edgekd_version}. Labels: {', '.join(man.labels)}. "
        f"Input: {'a sentence pair' if man.pair else 'one sentence'}, word pieces of the bundled tokenizer without "
        f"special tokens, at most {man.max_length} per sentence (longer text is truncated).",
        "",
        "## Files",
        "",
    ]
    for spec in man.models:
        size = m.get("model_bytes", {}).get(spec.file)
        lines.append(f"- `{spec.file}`: {spec.precision} ONNX (opset {spec.opset}, IR {spec.ir_version}), "
                     f"{size if size is not None else '?'} bytes{' (default)' if spec.file == man.default_model else ''}.")
    lines += ["  Each graph carries the teacher-id -> student-id remap as its `vocab_map` initializer.",
              f"- `{man.tokenizer.file}`: the teacher's WordPiece tokenizer ({man.tokenizer.vocab_size} ids).",
              *([f"- `{man.golden}`: golden vectors (inputs for every encoding rule, their exact ids and expected "
                 "logits); `edgekd-run selftest` / `edgekd-run-js selftest` check a host against them."]
                if man.golden else []),
              "- `manifest.json`: everything above, checksums, and the numbers below.", "",
              "## Student", "",
              student, "",
              "## Measured at export", ""]
    if par.get("measured"):
        lines.append(f"- torch student vs fp32 ONNX: max abs logit diff {par['max_abs_diff']:.2e} over {par['rows']} rows.")
    else:
        lines.append(f"- torch student vs fp32 ONNX: not measured ({par.get('reason', '?')}).")
    if "fp32_dev" in m:
        met = next(k for k in m["fp32_dev"] if k != "accuracy") if len(m["fp32_dev"]) > 1 else "accuracy"
        lines.append(f"- fp32 on dev ({m['dev']['rows']} rows): {met} {_pct(m['fp32_dev'][met])}, "
                     f"accuracy {_pct(m['fp32_dev']['accuracy'])}.")
    dev = m.get("int8_vs_fp32_dev")
    if dev:
        lines.append(f"- int8 on dev: {dev['metric']} {_pct(dev['int8'][dev['metric']])} "
                     f"(drop {dev['drop_points']:.2f} points), argmax agreement with fp32 {_pct(dev['argmax_agreement'])}%.")
    if "dev" not in m:
        lines.append("- dev metric: not measured (no dev data was given at export).")
    rnd = m.get("int8_vs_fp32_random")
    if rnd:
        lines.append(f"- int8 vs fp32 on {rnd['rows']} random inputs: argmax agreement {_pct(rnd['argmax_agreement'])}%, "
                     f"max abs logit diff {rnd['max_abs_logit_diff']:.3g}.")
    if m.get("budget_broken"):
        lines.append(f"- **Budgets broken (export was forced):** {'; '.join(m['budget_broken'])}.")
    if man.quantization:
        q = man.quantization
        lines += ["", "## Quantization", "",
                  f"Preset `{q.get('name')}`: LSTM {q.get('lstm')} (per-channel: {q.get('per_channel')}), embedding "
                  f"{q.get('embedding')}, classifier MatMuls {q.get('matmul')}. Activations are quantized dynamically "
                  "with one scale per tensor, so an int8 row's logits can shift slightly with the rest of its batch."]
    lines += ["", "## Use", "",
              "Run with the torch-free runtime (`pip install edgekd`: numpy, onnxruntime, tokenizers, click), "
              "e.g. `edgekd-run predict BUNDLE_DIR \"some text\"`. `manifest.json` pins every file by sha256.", ""]
    return "\n".join(lines)
