"""Teacher and reference-architecture systems on a tiny BERT: logits shape, size on disk, pair inputs."""
from __future__ import annotations

import numpy as np
import pytest

from edgekd.profiling import systems
from edgekd.profiling.systems import build, teacher_files


def test_teacher_system_predicts_and_counts_deployable_files(tiny_teacher_dir, tmp_path):
    s = build({"kind": "teacher", "teacher": str(tiny_teacher_dir), "device": "cpu", "threads": 1,
               "max_length": 16, "num_labels": 2})
    out = s.predict(["a good film", "a very very long and rather boring film that never ends at all"])
    assert out.shape == (2, 2) and out.dtype == np.float32
    pairs = s.predict([("a good film", "a bad film")])
    assert pairs.shape == (1, 2)
    files = teacher_files(tiny_teacher_dir)
    assert "model.safetensors" in files and "config.json" in files
    assert s.size_bytes == sum(files.values()) and s.name == "teacher-cpu" and not s.timing_only
    (tmp_path / "eval.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"x" * 10)
    assert teacher_files(tmp_path) == {"model.safetensors": 10}


def test_reference_system_is_random_and_timing_only(tiny_teacher_dir, monkeypatch):
    monkeypatch.setitem(systems.REFERENCE_ARCHS, "bert-tiny", {"hidden_size": 16, "num_hidden_layers": 1,
                                                               "num_attention_heads": 2, "intermediate_size": 32})
    s = build({"kind": "reference", "arch": "bert-tiny", "tokenizer": str(tiny_teacher_dir), "device": "cpu",
               "threads": 1, "max_length": 16, "num_labels": 3})
    assert s.timing_only and s.kind == "reference"
    assert s.predict(["one", "two words"]).shape == (2, 3)
    assert s.size_bytes == 4 * s.info["params"]


def test_bert_base_reference_config_is_the_transformers_default():
    from transformers import BertConfig

    cfg = BertConfig(**systems.REFERENCE_ARCHS["bert-base"])
    assert (cfg.hidden_size, cfg.num_hidden_layers, cfg.num_attention_heads) == (768, 12, 12)
    large = BertConfig(**systems.REFERENCE_ARCHS["bert-large"])
    assert (large.hidden_size, large.num_hidden_layers, large.intermediate_size) == (1024, 24, 4096)


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown system kind"):
        build({"kind": "oracle"})
