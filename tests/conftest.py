"""Shared fixtures: paths to the real GLUE data and a tiny randomly initialised BERT teacher on disk."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:      # `tests.helpers` (shared fixtures) imports from the repository root
    sys.path.insert(0, str(REPO))
GLUE = Path(os.environ.get("EDGEKD_GLUE_DIR", REPO.parent / "shared" / "data" / "glue"))


def pytest_configure(config):
    os.environ.setdefault("EDGEKD_GLUE_DIR", str(GLUE))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def glue_dir() -> Path:
    if not (GLUE / "SST-2" / "dev.tsv").is_file():
        pytest.skip(f"real GLUE data not found at {GLUE} (set EDGEKD_GLUE_DIR)")
    return GLUE


def make_tiny_teacher(out: Path, texts, num_labels: int = 2, vocab_size: int = 400, hidden: int = 16,
                      seed: int = 0) -> Path:
    """A 2-layer BERT with hidden size 16 and a WordPiece vocabulary trained on `texts`, saved in HF format."""
    import torch
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    wp = BertWordPieceTokenizer(lowercase=True)
    wp.train_from_iterator(list(texts), vocab_size=vocab_size, min_frequency=1, show_progress=False,
                           special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tok = BertTokenizerFast(tokenizer_object=wp._tokenizer, unk_token="[UNK]", pad_token="[PAD]",
                            cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]", do_lower_case=True)
    torch.manual_seed(seed)
    cfg = BertConfig(vocab_size=wp.get_vocab_size(), hidden_size=hidden, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=256, num_labels=num_labels)
    model = BertForSequenceClassification(cfg)
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_teacher_dir(tmp_path_factory, glue_dir) -> Path:
    from edgekd.tasks import load_split

    texts = load_split("sst2", "train", glue_dir, limit=3000).texts
    return make_tiny_teacher(tmp_path_factory.mktemp("tiny_teacher"), texts)
