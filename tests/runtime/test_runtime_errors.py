"""Every way a bundle can be broken raises its own BundleError subclass with a message naming the problem."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgekd_runtime import (BackendUnavailableError, Bundle, BundleError, ChecksumMismatchError, ManifestError,
                            MissingFileError, ModelFormatError, TokenizerError, UnsupportedSchemaError,
                            VocabMismatchError)
from edgekd_runtime.manifest import file_entry


def _edit_manifest(bundle: Path, rehash: bool = False, **changes) -> None:
    """Apply top-level/tokenizer changes to manifest.json; with rehash, re-record every file's size and sha256."""
    path = bundle / "manifest.json"
    m = json.loads(path.read_text())
    for k, v in changes.items():
        if k.startswith("tokenizer."):
            m["tokenizer"][k.split(".", 1)[1]] = v
        else:
            m[k] = v
    if rehash:
        m["files"] = [{**f, **vars(file_entry(bundle, f["path"], f["role"]))} for f in m["files"]]
    path.write_text(json.dumps(m))


def test_all_errors_share_the_base_class():
    for cls in (ManifestError, UnsupportedSchemaError, MissingFileError, ChecksumMismatchError, TokenizerError,
                VocabMismatchError, ModelFormatError, BackendUnavailableError):
        assert issubclass(cls, BundleError)


def test_not_a_bundle(tmp_path):
    with pytest.raises(MissingFileError, match="no such bundle directory"):
        Bundle.load(tmp_path / "nope")
    with pytest.raises(ManifestError, match="no manifest.json"):
        Bundle.load(tmp_path)


def test_manifest_not_json(single_copy):
    (single_copy / "manifest.json").write_text("{not json")
    with pytest.raises(ManifestError, match="not valid JSON"):
        Bundle.load(single_copy)


def test_manifest_missing_field(single_copy):
    m = json.loads((single_copy / "manifest.json").read_text())
    del m["labels"]
    (single_copy / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ManifestError, match="'labels'"):
        Bundle.load(single_copy)


def test_unsupported_schema(single_copy):
    _edit_manifest(single_copy, schema_version=99)
    with pytest.raises(UnsupportedSchemaError, match="99"):
        Bundle.load(single_copy)


def test_missing_file(single_copy):
    (single_copy / "tokenizer.json").unlink()
    with pytest.raises(MissingFileError, match="tokenizer.json"):
        Bundle.load(single_copy)


def test_size_mismatch(single_copy):
    with open(single_copy / "model.int8.onnx", "ab") as f:
        f.write(b"\0")
    with pytest.raises(ChecksumMismatchError, match="model.int8.onnx.*bytes"):
        Bundle.load(single_copy)


def test_checksum_mismatch_same_size(single_copy):
    p = single_copy / "model.fp32.onnx"
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x01                  # one flipped bit inside a weight
    p.write_bytes(bytes(data))
    with pytest.raises(ChecksumMismatchError, match="model.fp32.onnx.*sha256"):
        Bundle.load(single_copy)                  # the default (int8) model is fine; every file is verified
    Bundle.load(single_copy, verify=False)        # sizes only: loads (and would run the edited weights)


def test_path_escaping_the_bundle(single_copy):
    m = json.loads((single_copy / "manifest.json").read_text())
    m["files"].append({"path": "../outside.txt", "sha256": "0" * 64, "bytes": 1, "role": "other"})
    (single_copy / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ManifestError, match="outside|plain path"):
        Bundle.load(single_copy)


def test_tokenizer_unreadable(single_copy):
    (single_copy / "tokenizer.json").write_text('{"model": "nonsense"}')
    _edit_manifest(single_copy, rehash=True)
    with pytest.raises(TokenizerError, match="tokenizer.json"):
        Bundle.load(single_copy)


def test_vocab_mismatch(single_copy):
    m = json.loads((single_copy / "manifest.json").read_text())
    _edit_manifest(single_copy, **{"tokenizer.vocab_size": m["tokenizer"]["vocab_size"] + 1})
    with pytest.raises(VocabMismatchError, match="vocabulary sizes disagree"):
        Bundle.load(single_copy)


def test_vocab_mismatch_between_tokenizer_and_graph(single_copy):
    tok = json.loads((single_copy / "tokenizer.json").read_text())
    tok["model"]["vocab"]["brandnewpiece"] = len(tok["model"]["vocab"])
    (single_copy / "tokenizer.json").write_text(json.dumps(tok))
    _edit_manifest(single_copy, rehash=True, **{"tokenizer.vocab_size": len(tok["model"]["vocab"])})
    with pytest.raises(VocabMismatchError, match="remaps"):
        Bundle.load(single_copy)


@pytest.mark.parametrize("backend", ["numpy", "onnxruntime"])
def test_model_garbage(single_copy, backend):
    if backend == "onnxruntime":
        pytest.importorskip("onnxruntime")
    (single_copy / "model.int8.onnx").write_bytes(b"\x08\x07this is not an onnx model at all")
    _edit_manifest(single_copy, rehash=True)
    with pytest.raises(ModelFormatError, match="model.int8.onnx"):
        Bundle.load(single_copy, backend=backend)


def test_manifest_inputs_disagree_with_pair_flag(single_copy):
    _edit_manifest(single_copy, pair=True)
    with pytest.raises(ModelFormatError, match="pair"):
        Bundle.load(single_copy)


def test_unknown_backend(single_dir):
    with pytest.raises(BackendUnavailableError, match="tensorflow"):
        Bundle.load(single_dir, backend="tensorflow")
