"""edgekd_runtime: run an edgekd bundle with only numpy, tokenizers and (optionally) onnxruntime; never torch.

    from edgekd_runtime import Bundle
    bundle = Bundle.load("path/to/bundle")                 # backend="numpy" where onnxruntime is absent
    result = bundle.predict(["a gripping, funny film"])
    result.labels, result.probabilities, result.metadata["truncated_rows"]

Names are imported lazily, so `edgekd-run` can set numpy's BLAS thread count before numpy loads.
"""
from __future__ import annotations

import importlib

_ERRORS = ("BundleError", "ManifestError", "UnsupportedSchemaError", "MissingFileError", "ChecksumMismatchError",
           "TokenizerError", "VocabMismatchError", "ModelFormatError", "UnsupportedOpError", "BackendUnavailableError",
           "InputError", "InputArityError")
_WHERE = {"BACKENDS": ".bundle", "Bundle": ".bundle", "Prediction": ".bundle", **{e: ".errors" for e in _ERRORS}}

__all__ = ["BACKENDS", "Bundle", "Prediction", *_ERRORS]


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
