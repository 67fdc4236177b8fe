"""Checks that turn a directory into a trusted bundle: files present, sizes and sha256, tokenizer, graph I/O, vocab.

Each check raises its own `BundleError` subclass with one readable line naming the file and the problem.
Nothing executed: the manifest is JSON, the tokenizer is `tokenizers` JSON, the model is parsed as data.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import (ChecksumMismatchError, ManifestError, MissingFileError, ModelFormatError, TokenizerError,
                     VocabMismatchError)
from .manifest import (INPUT_IDS, INPUT_IDS_B, LENGTHS, LENGTHS_B, LOGITS, MANIFEST_FILE, Manifest, ModelSpec, new_sha256,
                       sha256_file)
from .onnx_proto import Model, ProtoError, parse_model


@dataclass(frozen=True)
class Verified:
    """A bundle that passed every check: manifest, chosen model spec and bytes, tokenizer, parsed graph."""

    root: Path
    manifest: Manifest
    spec: ModelSpec
    data: bytes
    tokenizer: object
    graph: Model
    vocab_size: int

    @property
    def label(self) -> str:
        return str(self.root / self.spec.file)


def open_bundle(path: str | Path, model: str | None = None, check_hashes: bool = True,
                decode: bool = False) -> Verified:
    """Run every check in order; `decode` also decodes the weights (the numpy backend needs them)."""
    root = bundle_root(path)
    manifest = Manifest.read(root)
    spec = manifest.model(model)
    data = verify_files(root, manifest, keep=spec.file, check_hashes=check_hashes)
    tokenizer = load_tokenizer(root, manifest)
    label = str(root / spec.file)
    graph = parse_graph(data, label, decode=decode)
    vocab = check_vocab(tokenizer, manifest, check_graph(graph, manifest, spec, label), label)
    return Verified(root, manifest, spec, data, tokenizer, graph, vocab)


def bundle_root(path: str | Path) -> Path:
    root = Path(path)
    if root.is_file() and root.name == MANIFEST_FILE:
        root = root.parent
    if not root.is_dir():
        raise MissingFileError(f"{root}: no such bundle directory")
    return root


def _resolve(root: Path, rel: str) -> Path:
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts or not rel:
        raise ManifestError(f"manifest.json lists the file {rel!r}, which is not a plain path inside the bundle")
    return root / p


def verify_files(root: Path, manifest: Manifest, keep: str | None = None, check_hashes: bool = True) -> bytes | None:
    """Check every listed file exists with the listed size and sha256. Returns the bytes of file `keep`.

    The kept file (the model) is read once and hashed from memory, so it is never read from disk twice.
    """
    listed = {f.path for f in manifest.files}
    for must in (manifest.tokenizer.file, *(m.file for m in manifest.models), *([manifest.golden] if manifest.golden else [])):
        if must not in listed:
            raise ManifestError(f"manifest.json does not list {must!r} under files, so it cannot be verified")
    kept = None
    for entry in manifest.files:
        path = _resolve(root, entry.path)
        if not path.is_file():
            raise MissingFileError(f"{path}: listed in manifest.json but missing from the bundle")
        size = path.stat().st_size
        if size != entry.bytes:
            raise ChecksumMismatchError(f"{path}: {size} bytes on disk but manifest.json says {entry.bytes}; "
                                        "the bundle is corrupted or was modified")
        if entry.path == keep:
            kept = path.read_bytes()
        if not check_hashes:
            continue
        if entry.path == keep:
            h = new_sha256()
            h.update(kept)
            digest = h.hexdigest()
        else:
            digest = sha256_file(path)
        if digest != entry.sha256.lower():
            raise ChecksumMismatchError(f"{path}: sha256 {digest[:16]}... does not match manifest.json "
                                        f"({entry.sha256[:16]}...); the bundle is corrupted or was modified")
    return kept


def load_tokenizer(root: Path, manifest: Manifest):
    """tokenizers.Tokenizer with padding and truncation switched off: encoding.py does both, explicitly."""
    from tokenizers import Tokenizer
    path = _resolve(root, manifest.tokenizer.file)
    try:
        tok = Tokenizer.from_file(str(path))
    except Exception as e:  # tokenizers raises plain Exception subclasses from Rust
        raise TokenizerError(f"{path}: tokenizers cannot load it ({str(e).strip() or type(e).__name__})") from None
    tok.no_padding()
    tok.no_truncation()
    return tok


def parse_graph(data: bytes, label: str, decode: bool) -> Model:
    try:
        return parse_model(data, decode=decode)
    except ProtoError as e:
        raise ModelFormatError(f"{label}: not a readable ONNX model ({e})") from None


def expected_inputs(pair: bool) -> tuple[str, ...]:
    return (INPUT_IDS, LENGTHS, INPUT_IDS_B, LENGTHS_B) if pair else (INPUT_IDS, LENGTHS)


def check_graph(model: Model, manifest: Manifest, spec: ModelSpec, label: str) -> int:
    """Check the graph's inputs/outputs against the manifest; return the length of its id remap table."""
    want = expected_inputs(manifest.pair)
    got = tuple(v.name for v in model.graph.inputs)
    if set(spec.inputs) != set(want):
        raise ModelFormatError(f"manifest.json: model {spec.file} declares inputs {list(spec.inputs)}, but a "
                               f"{'pair' if manifest.pair else 'single-sentence'} bundle needs {list(want)}")
    if set(got) != set(want):
        raise ModelFormatError(f"{label}: graph inputs are {list(got)}, expected {list(want)}")
    outs = {v.name: v for v in model.graph.outputs}
    if LOGITS not in outs:
        raise ModelFormatError(f"{label}: graph has no output {LOGITS!r} (outputs: {list(outs)})")
    shape = outs[LOGITS].shape
    if shape and isinstance(shape[-1], int) and shape[-1] > 0 and shape[-1] != len(manifest.labels):
        raise ModelFormatError(f"{label}: logits have {shape[-1]} columns but manifest.json lists "
                               f"{len(manifest.labels)} labels")
    # The id remap table: a 1-D integer initializer gathered by the ids (named "vocab_remap" by the exporters).
    tables = []
    for node in model.graph.nodes:
        if node.op_type == "Gather" and len(node.inputs) == 2:
            t = model.graph.initializers.get(node.inputs[0])
            if t is not None and len(t.dims) == 1 and t.data_type in (6, 7):      # int32 / int64
                tables.append((node.name != "vocab_remap", int(t.dims[0])))
    if not tables:
        raise ModelFormatError(f"{label}: no Gather reads the ids through an integer remap table")
    return min(tables)[1]


def check_vocab(tokenizer, manifest: Manifest, graph_vocab: int, label: str) -> int:
    tok_vocab = tokenizer.get_vocab_size(with_added_tokens=True)
    declared = manifest.tokenizer.vocab_size
    if not tok_vocab == declared == graph_vocab:
        raise VocabMismatchError(f"vocabulary sizes disagree: tokenizer {manifest.tokenizer.file} has {tok_vocab}, "
                                 f"manifest.json tokenizer.vocab_size says {declared}, {label} remaps {graph_vocab} ids")
    ids = (manifest.tokenizer.pad_id, manifest.tokenizer.unk_id, manifest.tokenizer.empty_id)
    if not all(0 <= i < tok_vocab for i in ids):
        raise VocabMismatchError(f"manifest.json tokenizer pad/unk/empty ids {ids} lie outside the vocabulary "
                                 f"of {tok_vocab}")
    return tok_vocab
