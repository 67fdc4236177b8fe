"""Torch-free fixtures: a tiny random student checkpoint (with a real WordPiece tokenizer) and a tiny bundle.

Used by the exporters', the runtime's, the devices' and the benchmarks' tests (and `tests/runtime/make_fixtures`),
so every side builds bundles the same way without torch. Needs tokenizers and safetensors; the bundle needs onnx.
"""
from __future__ import annotations

import string
import tempfile
from pathlib import Path

import numpy as np

# edgekd_contract is imported inside the functions that need it: tests/runtime imports this module for
# make_tokenizer/TINY_TEXTS in a venv holding only the edgekd-runtime wheel, which has no contract.

# A BERT-like id layout: [PAD]=0, [unused*] 1..99, [UNK]=100, [CLS]=101, [SEP]=102, [MASK]=103, then pieces.
PAD, UNK, CLS, SEP, MASK = 0, 100, 101, 102, 103
WORDS = ("the a an and or but not no is was are be it this that of to in on for with as at by from film movie "
         "good bad great awful best worst fun dull funny boring love hate like story plot actor acting one two "
         "very too so more most less really just all some time make made see seen well never ever still much "
         "he she they we you i his her their our my me him them what who how why when where there here can "
         "will would could should do does did has have had been being yes nice poor fine charming mess "
         "beautiful ugly smart stupid slow fast long short new old big little man woman people life world "
         "same said says say quite rather enough").split()
TINY_TEXTS = ("a good film", "the worst movie ever made", "", "charming , funny and beautiful",
              "not bad at all", "zzz qqq xylophone !", "it is a very very long story that never ends and ends")


def tiny_vocab() -> list[str]:
    """About 350 pieces: specials, unused slots, characters, ##characters, punctuation, digits and common words."""
    vocab = ["[PAD]"] + [f"[unused{i}]" for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = list(string.ascii_lowercase) + list(string.digits)
    vocab += list(string.punctuation) + chars + ["##" + c for c in chars]
    vocab += [w for w in dict.fromkeys(WORDS) if w not in vocab]
    vocab += ["##s", "##ing", "##ed", "##ly", "##er", "##est", "##n't"]
    return vocab


def make_tokenizer():
    """A real `tokenizers` WordPiece tokenizer (BERT normalizer and pre-tokenizer) over `tiny_vocab()`."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers

    vocab = {p: i for i, p in enumerate(tiny_vocab())}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    return tok


def random_weights(cfg, seed: int = 0, scale: float = 0.5) -> dict[str, np.ndarray]:
    """Checkpoint tensors of `cfg` (a StudentConfig) with random values, named as in `edgekd_contract.checkpoint`."""
    from edgekd_contract.checkpoint import PAD_ID, UNK_ID

    rng = np.random.default_rng(seed)
    V, E, H, M, C, F, Vt = (cfg.vocab_size, cfg.embed_dim, cfg.hidden_size, cfg.mlp_size, cfg.num_labels,
                            cfg.feature_size, cfg.teacher_vocab_size)

    def r(*shape, s=scale):
        return (rng.standard_normal(shape) * s).astype(np.float32)

    # Teacher ids 1..Vt-1 except [UNK]/[MASK] get a student id where one is free; the rest (and [MASK]) fall to UNK.
    vocab_map = np.full(Vt, UNK_ID, dtype=np.int64)
    vocab_map[PAD] = PAD_ID
    kept = [i for i in rng.permutation(np.arange(1, Vt)) if i not in (UNK, MASK)][:V - 2]
    vocab_map[np.sort(kept)] = np.arange(2, 2 + len(kept))
    w = {"vocab_map": vocab_map, "embedding.weight": r(V, E, s=1.0)}
    w["embedding.weight"][PAD_ID] = 0.0
    for s in ("_l0", "_l0_reverse"):
        w |= {f"lstm.weight_ih{s}": r(4 * H, E), f"lstm.weight_hh{s}": r(4 * H, H),
              f"lstm.bias_ih{s}": r(4 * H, s=0.1), f"lstm.bias_hh{s}": r(4 * H, s=0.1)}
    w |= {"hidden.weight": r(M, F, s=1 / np.sqrt(F)), "hidden.bias": r(M, s=0.1),
          "out.weight": r(C, M, s=1 / np.sqrt(M)), "out.bias": r(C, s=0.1)}
    return w


def write_checkpoint(out_dir: str | Path, cfg, weights: dict[str, np.ndarray], tokenizer,
                     metrics: dict | None = None) -> Path:
    """Write a checkpoint directory through the contract's writer, without torch."""
    from edgekd_contract.checkpoint import write_checkpoint as write_checkpoint_dir

    with tempfile.TemporaryDirectory(prefix="edgekd_tok_") as tmp:
        tokenizer.save(str(Path(tmp) / "tokenizer.json"))
        return write_checkpoint_dir(out_dir, cfg, weights, Path(tmp) / "tokenizer.json",
                                    metrics or {"note": "random weights (testing)"})


def make_random_checkpoint(out_dir: str | Path, kind: str = "bilstm", *, seed: int = 0, vocab_size: int = 200,
                           embed_dim: int = 16, hidden_size: int = 12, mlp_size: int = 20, max_length: int = 32,
                           labels: tuple[str, ...] | None = None, task: str | None = None, scale: float = 0.5) -> Path:
    """A tiny random student checkpoint of `kind` ("bilstm" | "siamese_bilstm") in `out_dir`; returns it."""
    from edgekd_contract.checkpoint import StudentConfig

    tok = make_tokenizer()
    pair = kind == "siamese_bilstm"
    cfg = StudentConfig(kind=kind, task=task or ("mrpc" if pair else "sst2"), labels=labels or ("0", "1"),
                        vocab_size=vocab_size, teacher_vocab_size=tok.get_vocab_size(), embed_dim=embed_dim,
                        hidden_size=hidden_size, mlp_size=mlp_size, dropout=0.0, max_length=max_length)
    return write_checkpoint(out_dir, cfg, random_weights(cfg, seed=seed, scale=scale), tok)


def make_tiny_bundle(out_dir: str | Path, pair: bool = False, precision: str = "int8", *, seed: int = 0,
                     **export_kwargs):
    """Export a tiny random student (checkpoint in a temporary folder) to a bundle in `out_dir`; the Manifest.

    Parity is skipped (no torch here) and budgets are the defaults (a random model has no meaningful accuracy);
    everything else is real.
    """
    from edgekd_exporters import Parity, export_bundle

    with tempfile.TemporaryDirectory(prefix="edgekd_tiny_ckpt_") as tmp:
        ckpt = make_random_checkpoint(Path(tmp) / "ckpt", "siamese_bilstm" if pair else "bilstm", seed=seed)
        export_kwargs.setdefault("parity", Parity(reason="skipped on request"))
        return export_bundle(ckpt, out_dir, precision=precision, **export_kwargs)
