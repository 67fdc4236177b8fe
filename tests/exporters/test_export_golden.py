"""golden.json as the exporter writes it: every encoding rule covered, ids and logits true to the runtime."""
from __future__ import annotations

import json

import numpy as np
import pytest
from tokenizers import Tokenizer

from edgekd_exporters import export_bundle
from edgekd_exporters.golden import GOLDEN_TEXTS, golden_items
from edgekd_runtime import Bundle
from edgekd_runtime.encoding import encode
from edgekd_runtime.manifest import Manifest, sha256_file

from tests.helpers.checkpoints import make_random_checkpoint, make_tiny_bundle

RULES = ("empty", "whitespace_only", "mixed_case", "latin1_accents", "casing_outside_latin1", "cjk_chinese", "emoji",
         "emoji_zwj", "punctuation_runs", "fullwidth_latin", "control_chars", "long_text", "exactly_max_length",
         "one_over_max_length")


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden") / "single"
    make_tiny_bundle(out, pair=False, precision="both")
    return out


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden") / "pair"
    make_tiny_bundle(out, pair=True, precision="int8")
    return out


def _golden(b):
    return json.loads((b / "golden.json").read_text(encoding="utf-8"))


def test_listed_in_manifest_with_checksum(single):
    man = Manifest.read(single)
    entry = next(f for f in man.files if f.path == "golden.json")
    assert man.golden == "golden.json" and entry.role == "golden"
    assert entry.sha256 == sha256_file(single / "golden.json")


def test_covers_every_encoding_rule(single):
    g = _golden(single)
    names = [x["name"] for x in g["inputs"]]
    assert set(RULES) <= set(names) and 32 <= len(names) <= 40
    by = {x["name"]: x for x in g["inputs"]}
    assert by["empty"]["ids"] == [g["tokenizer"]["empty_id"]] and by["empty"]["pieces"] == 0
    assert by["whitespace_only"]["ids"] == [g["tokenizer"]["empty_id"]]
    m = g["max_length"]
    assert by["exactly_max_length"]["truncated"] is False and len(by["exactly_max_length"]["ids"]) == m
    assert by["one_over_max_length"]["truncated"] is True and by["one_over_max_length"]["pieces"] == m + 1
    assert by["long_text"]["truncated"] is True and len(by["long_text"]["ids"]) == m


def test_ids_and_logits_match_the_runtime(single):
    g = _golden(single)
    tok = Tokenizer.from_file(str(single / "tokenizer.json"))
    texts = [x["text"] for x in g["inputs"]]
    enc = encode(tok, texts, g["max_length"], pad_id=g["tokenizer"]["pad_id"], empty_id=g["tokenizer"]["empty_id"])
    for i, x in enumerate(g["inputs"]):
        assert x["ids"] == enc.ids[i, :enc.lengths[i]].tolist(), x["name"]
        assert x["truncated"] == bool(enc.truncated[i])
    for model in ("model.int8.onnx", "model.fp32.onnx"):
        b = Bundle.load(single, model=model)
        for x in g["inputs"]:
            got = b.predict([x["text"]]).logits[0]
            np.testing.assert_array_equal(got, np.asarray(x["expected"][model]["logits"], dtype=np.float32))
            assert x["expected"][model]["label"] == b.labels[int(got.argmax())]


def test_pairs_carry_both_sides_and_edge_cases_on_each(pair):
    g = _golden(pair)
    assert g["pair"] is True
    by = {x["name"]: x for x in g["inputs"]}
    assert {"empty+empty", "long_text+empty", "plain_positive+long_text"} <= set(by)
    assert by["plain_positive+long_text"]["truncated"] is True and by["plain_positive+long_text"]["pieces_b"] > g["max_length"]
    assert any(x["text_pair"] == "" for x in g["inputs"]) and any(x["text"] == "" for x in g["inputs"])
    assert all(set(x["expected"]) == {"model.int8.onnx"} for x in g["inputs"])


def test_golden_items_are_deterministic_and_sized():
    assert golden_items(False, 8) == golden_items(False, 8)
    assert len(golden_items(False, 8)) == len(GOLDEN_TEXTS) + 2
    assert " ".join(["the"] * 8) in dict(golden_items(False, 8)).values()


def test_label_names_override_and_checks(tmp_path):
    ckpt = make_random_checkpoint(tmp_path / "ckpt", "bilstm", seed=1)
    man = export_bundle(ckpt, tmp_path / "b", label_names=("negative", "positive"))
    assert man.labels == ("negative", "positive")
    assert _golden(tmp_path / "b")["labels"] == ["negative", "positive"]
    assert Bundle.load(tmp_path / "b").predict(["a good film"]).labels[0] in ("negative", "positive")
    with pytest.raises(ValueError, match="3 label names given"):
        export_bundle(ckpt, tmp_path / "c", label_names=("a", "b", "c"))
    with pytest.raises(ValueError, match="distinct"):
        export_bundle(ckpt, tmp_path / "d", label_names=("a", "a"))


def test_records_how_the_expectations_were_made_the_tolerance_source_and_where_they_hold(single):
    g = _golden(single)
    assert "onnxruntime" in g["expectations"]["made_by"] and "1 thread" in g["expectations"]["made_by"]
    assert g["expectations"]["exporting_host"]["int8_kernels"]
    assert set(g["tolerance_source"]) == set(g["tolerance"]) == {"fp32", "int8"}
    assert "cross-host" in g["tolerance_source"]["int8"]
    man = json.loads((single / "manifest.json").read_text(encoding="utf-8"))
    assert man["quantization"]["golden_hosts"] == ["x86-64", "arm64", "wasm"]
