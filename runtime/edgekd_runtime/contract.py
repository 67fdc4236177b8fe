"""The bundle contract's constants: the one source for every writer and reader of a bundle.

The exporters (writers), the Python runtime and, through a generated copy, the JavaScript runtime
(`runtime/js/src/core/contract.js` and the types in `runtime/js/index.d.ts`, written by
`runtime/js/tools/gen_contract.py`; a test fails when they are stale) all take these values from here. The
manifest's and golden file's field lists are the dataclasses of `manifest.py` and the reader of `golden.py`.

It lives in the runtime distribution, not in `edgekd_contract`: a device installs `edgekd-runtime` alone and must
carry the contract it reads, while `edgekd_contract` (the checkpoint contract) needs safetensors, which the
runtime does not depend on. Plain values only: importable without numpy, onnx or torch.
"""
from __future__ import annotations

# Files and schema
SCHEMA_VERSION = 1                  # manifest.json's schema_version written today
SUPPORTED_SCHEMA_VERSIONS = (1,)    # what readers accept
MANIFEST_FILE = "manifest.json"
TOKENIZER_FILE = "tokenizer.json"
GOLDEN_FILE = "golden.json"
GOLDEN_FORMAT = "edgekd-golden"
GOLDEN_VERSION = 1

# Graph inputs and output. Pair models take the second sentence as *_b.
INPUT_IDS = "input_ids"             # int64 [batch, seq]: the teacher tokenizer's word pieces, no [CLS]/[SEP]
LENGTHS = "lengths"                 # int64 [batch]: real tokens per row, >= 1
INPUT_IDS_B = "input_ids_b"
LENGTHS_B = "lengths_b"
LOGITS = "logits"                   # float32 [batch, num_labels]

# Encoding (defaults of the manifest's tokenizer block; a manifest states its own). Truncation keeps the first
# `max_length` word pieces of each sentence; an empty or whitespace-only text is the single id EMPTY_ID.
PAD_ID = 0
UNK_ID = 100
EMPTY_ID = 100
TRUNCATION = "keep-first"

# Batching of a predict call: rows are sorted by length in windows of SORT_WINDOW consecutive rows, then cut into
# batches of at most DEFAULT_BATCH_SIZE rows and DEFAULT_MAX_TOKENS padded word pieces (int8 activations are
# quantized per batch, so these defaults are part of what golden vectors expect from "batched" runs).
SORT_WINDOW = 1024
DEFAULT_BATCH_SIZE = 64
DEFAULT_MAX_TOKENS = 512

# Logit tolerances (golden vectors and backend parity): fp32 absolute; int8 relative to max(1, max |logit|).
TOLERANCE = {"fp32": 1e-5, "int8": 0.05}

# Exit codes of every edgekd command line (`edgekd`, `edgekd-run`, `edgekd-run-js`; docs/cli.md).
EXIT_OK = 0
EXIT_USAGE = 2          # bad usage (unknown option, missing argument, bad value) or bad input (file, text, data)
EXIT_INVALID = 3        # invalid bundle/artifact, failed check (selftest, budget, host), cannot run here, internal
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT), as a shell reports 128 + 2
