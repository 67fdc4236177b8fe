"""The bundle manifest: the one definition of the contract between the exporters (writers) and the runtime (reader).

Everything here is plain JSON-able data (frozen dataclasses of str/int/float/bool/tuples/dicts), so a
bundle never executes code on load. The exporters import these classes to write a manifest; the runtime
parses and validates it with `Manifest.from_dict`, raising `ManifestError` subclasses with readable text.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .contract import (EMPTY_ID, INPUT_IDS, INPUT_IDS_B, LENGTHS, LENGTHS_B, LOGITS, MANIFEST_FILE,  # noqa: F401
                       PAD_ID, SCHEMA_VERSION, SUPPORTED_SCHEMA_VERSIONS, TOKENIZER_FILE, UNK_ID)


class BundleError(Exception):
    """Base class of every error raised while loading or using a bundle."""


class ManifestError(BundleError):
    """The manifest is missing, is not valid JSON, or a field is missing or of the wrong type."""


class UnsupportedSchemaError(BundleError):
    """The bundle was written with a schema version this runtime cannot read."""


@dataclass(frozen=True)
class FileEntry:
    """One file of the bundle, relative to the bundle root, with its size and sha256."""

    path: str
    sha256: str
    bytes: int
    role: str  # "model" | "tokenizer" | "readme" | "golden" | "other"


@dataclass(frozen=True)
class TokenizerSpec:
    """How raw text becomes input ids. The student sees word pieces without [CLS]/[SEP]."""

    file: str = TOKENIZER_FILE
    vocab_size: int = 0           # the tokenizer's full vocabulary; must equal the graph's remap table length
    add_special_tokens: bool = False
    pad_id: int = PAD_ID
    unk_id: int = UNK_ID
    # A text with no tokens at all (empty or whitespace only) is encoded as this one id, so every row has
    # length >= 1 and the model's answer on "nothing" is defined and identical in every backend.
    empty_id: int = EMPTY_ID


@dataclass(frozen=True)
class ModelSpec:
    """One ONNX file of the bundle."""

    file: str                     # e.g. "model.int8.onnx"
    precision: str                # "fp32" | "int8"
    opset: int
    ir_version: int
    inputs: tuple[str, ...]
    outputs: tuple[str, ...] = (LOGITS,)


@dataclass(frozen=True)
class Manifest:
    """Everything a host needs to run the bundle, and everything that made it."""

    task: str
    labels: tuple[str, ...]
    pair: bool
    max_length: int               # per sentence, in word pieces; longer input is truncated and reported
    tokenizer: TokenizerSpec
    models: tuple[ModelSpec, ...]
    default_model: str            # file name of the model `Bundle.load` uses unless told otherwise
    files: tuple[FileEntry, ...]
    quantization: Mapping[str, Any] = field(default_factory=dict)   # the QuantSpec as a dict, {} for fp32
    metrics: Mapping[str, Any] = field(default_factory=dict)        # measured at export: parity, agreement, metric
    student: Mapping[str, Any] = field(default_factory=dict)        # the StudentConfig as a dict
    provenance: Mapping[str, Any] = field(default_factory=dict)     # teacher/data hashes, versions, created_at
    edgekd_version: str = "0.0.0"
    schema_version: int = SCHEMA_VERSION
    # File of golden vectors (inputs, exact ids, expected logits per model) every host can check itself
    # against; None in bundles exported before edgekd 0.2, which still load. Readers that predate it ignore it.
    golden: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def model(self, file: str | None = None) -> ModelSpec:
        want = file or self.default_model
        for spec in self.models:
            if spec.file == want or spec.precision == want:
                return spec
        raise ManifestError(f"manifest lists no model {want!r}; it has {[m.file for m in self.models]}")

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "Manifest":
        if not isinstance(raw, Mapping):
            raise ManifestError("manifest.json must hold a JSON object")
        version = raw.get("schema_version")
        if version not in SUPPORTED_SCHEMA_VERSIONS:
            raise UnsupportedSchemaError(
                f"bundle schema version {version!r} is not supported by this runtime "
                f"(supported: {list(SUPPORTED_SCHEMA_VERSIONS)}); upgrade edgekd or re-export the bundle")
        try:
            tok = TokenizerSpec(**raw["tokenizer"])
            models = tuple(ModelSpec(**{**m, "inputs": tuple(m["inputs"]), "outputs": tuple(m.get("outputs", (LOGITS,)))})
                           for m in raw["models"])
            files = tuple(FileEntry(**f) for f in raw["files"])
            man = cls(
                task=str(raw["task"]), labels=tuple(str(x) for x in raw["labels"]), pair=bool(raw["pair"]),
                max_length=int(raw["max_length"]), tokenizer=tok, models=models,
                default_model=str(raw["default_model"]), files=files,
                quantization=dict(raw.get("quantization", {})), metrics=dict(raw.get("metrics", {})),
                student=dict(raw.get("student", {})), provenance=dict(raw.get("provenance", {})),
                edgekd_version=str(raw.get("edgekd_version", "0.0.0")), schema_version=int(version),
                golden=str(raw["golden"]) if raw.get("golden") else None)
        except KeyError as e:
            raise ManifestError(f"manifest.json lacks the field {e.args[0]!r}") from None
        except TypeError as e:
            raise ManifestError(f"manifest.json has a malformed entry: {e}") from None
        man.model()  # default_model must name a listed model
        if len(man.labels) < 2:
            raise ManifestError("manifest.json must list at least two labels")
        return man

    @classmethod
    def read(cls, bundle_dir: str | Path) -> "Manifest":
        path = Path(bundle_dir) / MANIFEST_FILE
        return cls.from_dict(read_json(path, ManifestError, "no manifest.json; is this an edgekd bundle?"))


def read_json(path: Path, error: type[BundleError], missing: str) -> Any:
    """A bundle's JSON file, or `error` naming the path: `missing` when absent, "not valid JSON" when unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: {missing}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise error(f"{path}: not valid JSON ({e})") from None


def new_sha256():
    """A sha256 object from CPython's built-in implementation when there is one.

    `hashlib` loads OpenSSL's libcrypto, which adds about 3.5 MB of RSS to a runtime process whose whole
    budget is tens of MB; hashing a bundle of a few MB does not need OpenSSL's speed. Same digests.
    """
    try:
        from _sha2 import sha256            # CPython >= 3.12
    except ImportError:
        try:
            from _sha256 import sha256      # CPython <= 3.11
        except ImportError:                 # other interpreters
            from hashlib import sha256
    return sha256()


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, streamed."""
    h = new_sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def file_entry(bundle_dir: str | Path, rel: str, role: str) -> FileEntry:
    """Describe one file of a bundle being written (used by the exporters)."""
    p = Path(bundle_dir) / rel
    return FileEntry(path=rel, sha256=sha256_file(p), bytes=p.stat().st_size, role=role)


def _jsonable(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if hasattr(x, "item") and callable(x.item):  # numpy scalars
        return x.item()
    return x
