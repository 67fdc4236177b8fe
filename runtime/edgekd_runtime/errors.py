"""The runtime's exceptions: one class per way a bundle or an input can be wrong, all under `BundleError`.

Two families matter to callers (and to `edgekd-run`'s exit codes): `InputError` means the caller's input is
wrong (exit 2); every other `BundleError` means the bundle itself is invalid or cannot run here (exit 3).
"""
from __future__ import annotations

from .manifest import BundleError, ManifestError, UnsupportedSchemaError

__all__ = [
    "BundleError", "ManifestError", "UnsupportedSchemaError", "MissingFileError", "ChecksumMismatchError",
    "TokenizerError", "VocabMismatchError", "ModelFormatError", "UnsupportedOpError", "BackendUnavailableError",
    "InputError", "InputArityError",
]


class MissingFileError(BundleError):
    """The bundle directory, or a file the manifest lists, does not exist."""


class ChecksumMismatchError(BundleError):
    """A file's size or sha256 differs from the manifest: the bundle is corrupted or was edited."""


class TokenizerError(BundleError):
    """tokenizer.json cannot be loaded by `tokenizers`."""


class VocabMismatchError(BundleError):
    """Tokenizer vocabulary, manifest `tokenizer.vocab_size` and the graph's id remap table disagree."""


class ModelFormatError(BundleError):
    """The ONNX file cannot be parsed, or its inputs/outputs differ from what the manifest promises."""


class UnsupportedOpError(ModelFormatError):
    """The numpy backend has no implementation of an operator the graph uses."""


class BackendUnavailableError(BundleError):
    """The requested backend is unknown or its library (onnxruntime) is not installed."""


class InputError(BundleError, ValueError):
    """The caller's input is wrong (not text, bad JSONL, ...); the bundle itself is fine."""


class InputArityError(InputError):
    """Single texts were given to a pair model, or pairs to a single-sentence model."""
