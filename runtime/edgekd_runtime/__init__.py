"""edgekd_runtime: run an edgekd bundle with only numpy, tokenizers and (optionally) onnxruntime; never torch.

    from edgekd_runtime import Bundle
    bundle = Bundle.load("path/to/bundle")                 # backend="numpy" where onnxruntime is absent
    result = bundle.predict(["a gripping, funny film"])
    result.labels, result.probabilities, result.metadata["truncated_rows"]
"""
from __future__ import annotations

from .bundle import BACKENDS, Bundle, Prediction
from .errors import (BackendUnavailableError, BundleError, ChecksumMismatchError, InputArityError, InputError,
                     ManifestError, MissingFileError, ModelFormatError, TokenizerError, UnsupportedOpError,
                     UnsupportedSchemaError, VocabMismatchError)

__all__ = [
    "BACKENDS", "Bundle", "Prediction", "BundleError", "ManifestError", "UnsupportedSchemaError", "MissingFileError",
    "ChecksumMismatchError", "TokenizerError", "VocabMismatchError", "ModelFormatError", "UnsupportedOpError",
    "BackendUnavailableError", "InputError", "InputArityError",
]
