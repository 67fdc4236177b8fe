"""Build the transfer set: originals first, then deduplicated augmented rows, streamed to JSONL with a metadata sidecar.

Row i of the JSONL is row i of the teacher-logits cache. Each row is
`{"text", "text_pair" (pairs only), "label" (gold id; -1 for augmented rows), "src" (index of the original;
minus the line number for --unlabeled text), "aug" ("orig" | "mask" | "pos" | "mask+pos" | "ngram" |
"mask+ngram" | ... | "unlabeled" | "unlabeled+mask" | ...)}`; unlabeled text comes last (see unlabeled.py).
Every example draws from its own Generator seeded by (seed, index), so the file is byte-identical for the
same data and seed however the work is batched. Duplicates (of originals or of each other) are dropped via
8-byte blake2b hashes in a flat open-addressing table (about 16 MB for SST-2's 1.3M candidates).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgekd_contract.fsutil import write_json_atomic

from .. import __version__
from ..inputs import DataOptions
from ..tasks import Dataset
from ..util.progress import progress_bar
from ..util.rowhash import HashSet64, row_hash
from .config import AugmentConfig
from .pos import Tagger, load_tagger
from .rules import PosTableBuilder, aug_name, augment_example
from .unlabeled import dev_hashes, file_sha256, write_unlabeled_rows

FORMAT = "edgekd-transfer/1"
_FLUSH_ROWS = 8192


def meta_path(out_path: str | Path) -> Path:
    """`transfer.jsonl` -> `transfer.meta.json` beside it."""
    p = Path(out_path)
    return p.with_name(p.stem + ".meta.json")


def _resolve_tagger(tagger) -> Tagger | None:
    if tagger is None or tagger is False:
        return None
    if tagger == "auto":
        return load_tagger(None)
    if isinstance(tagger, str):
        return load_tagger(tagger)
    return tagger


def _words(dataset: Dataset) -> list[list[list[str]]]:
    pairs = dataset.text_pairs
    return [[t.split()] if pairs is None else [t.split(), pairs[i].split()] for i, t in enumerate(dataset.texts)]


def build_transfer_set(dataset: Dataset, out_path: str | Path, cfg: AugmentConfig, seed: int, *,
                       tagger: Tagger | str | None = "auto", mask_token: str = "[MASK]", progress: bool = True,
                       task: str | None = None, unlabeled=None, exclude: Dataset | None = None) -> dict:
    """Write the transfer set for `dataset` to `out_path` (+ `meta_path(out_path)`) and return the metadata.

    tagger: "auto" (the default spaCy package), a spaCy package name, a `Tagger`, or None for `--no-pos`
    (POS-guided replacement off, recorded as p_pos 0 and tagger "none"). The file is written to a temporary
    name and renamed at the end, so a partial file never looks finished.
    unlabeled: `UnlabeledOptions` (see unlabeled.py): the user's text appended after the training rows.
    exclude: the dev set: no augmented or unlabeled row may equal one of its rows (dropped and counted).
    Without both, the file and metadata are exactly those of a build without these options.
    """
    t0 = time.perf_counter()
    tg = _resolve_tagger(tagger)
    if tg is None:
        cfg = cfg.without_pos()
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    words = _words(dataset)
    tagged = _tag_all(words, tg, progress)
    t_tag = time.perf_counter() - t0
    tmp = out_path.with_name(out_path.name + ".tmp")
    with open(tmp, "wb") as f:
        writer = _RowWriter(f, pair=dataset.text_pairs is not None)
        seen = HashSet64(expected=len(words) * (1 + cfg.n_iter))
        dev = None if exclude is None else dev_hashes(exclude)
        counts = _write_rows(writer, dataset, words, tagged, cfg, seed, mask_token, progress, seen, dev)
        if unlabeled is not None:
            u = write_unlabeled_rows(writer, unlabeled, seen, dev if dev is not None else HashSet64(), tagged.table,
                                     tg, cfg, seed, mask_token, progress)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, out_path)
    wall = time.perf_counter() - t0
    n, written = len(words), len(words) + counts["augmented"]
    extra = {}
    if exclude is not None:
        extra["dev_excluded"] = {"dev_rows": len(exclude), "dev_fingerprint": exclude.fingerprint(),
                                 "augmented_dropped": counts.pop("dev_dropped"),
                                 "originals_equal_to_dev_kept": counts.pop("orig_in_dev")}
    if unlabeled is not None:
        written += u["written"] + u["augmented"]
        extra["unlabeled"] = {"file": str(unlabeled.path), "sha256": file_sha256(unlabeled.path),
                              "augment": unlabeled.augment, **u}
    meta = {
        "format": FORMAT, "edgekd_version": __version__, "task": task, "pair": writer.pair, "seed": int(seed),
        "config": {**cfg.to_dict(), "tagger": tg.describe() if tg is not None else "none"},
        "pos_rule": "on" if tg is not None else "off (--no-pos)",
        "mask_token": mask_token,
        "input": {"fingerprint": dataset.fingerprint(), "source": dataset.source, "rows": n},
        "counts": {"originals": n, "original_duplicates": counts["original_duplicates"],
                   "generated": n * cfg.n_iter, "duplicates_dropped": counts["duplicates_dropped"],
                   "augmented": counts["augmented"], "written": written, "by_aug": counts["by_aug"], **extra},
        "pos_table": {"entries": len(tagged.table), "tags": len(tagged.table.tags)},
        "file": {"name": out_path.name, "sha256": writer.sha.hexdigest(), "bytes": writer.n_bytes, "rows": written},
        "wall_s": round(wall, 3), "tag_s": round(t_tag, 3),
        "rows_per_s": round(written / wall, 1) if wall > 0 else None,
    }
    write_json_atomic(meta_path(out_path), meta)
    return meta


@dataclass(frozen=True)
class _Tagged:
    """Pass 1's result: the POS unigram tables and every sentence's word ids (sentence k = ids[offsets[k]:...])."""

    table: Any
    ids: np.ndarray        # int32 (total words,)
    offsets: list[int]


def _tag_all(words: list[list[list[str]]], tg: Tagger | None, progress: bool) -> _Tagged:
    """Pass 1: tag every sentence once; count (tag, word) entries for the POS unigram tables."""
    builder, flat, offsets = PosTableBuilder(), array("i"), [0]
    sentences = (s for ex in words for s in ex)
    tags = tg.tag(sentences) if tg is not None else (["-"] * len(s) for ex in words for s in ex)
    bar = progress_bar(len(words), progress, "POS tagging" if tg is not None else "reading")
    for ex in words:
        for s in ex:
            flat.extend(builder.add(s, next(tags)))
            offsets.append(len(flat))
        bar.update(1)
    bar.close()
    table, remap = builder.finish()
    ids = remap[np.frombuffer(flat, dtype=np.int32)] if len(flat) else np.zeros(0, np.int32)  # (total words,)
    return _Tagged(table, ids, offsets)


class _RowWriter:
    """JSONL rows, buffered, with the running sha256 and byte count of what was written."""

    def __init__(self, f, pair: bool) -> None:
        self.f, self.pair = f, pair
        self.sha, self.n_bytes, self.buf = hashlib.sha256(), 0, []

    def emit(self, texts, label: int, src: int, aug: str) -> None:
        row = {"text": texts[0]}
        if self.pair:
            row["text_pair"] = texts[1]
        row.update(label=label, src=src, aug=aug)
        self.buf.append(json.dumps(row, ensure_ascii=False))
        if len(self.buf) >= _FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            data = ("\n".join(self.buf) + "\n").encode("utf-8")
            self.f.write(data)
            self.sha.update(data)
            self.n_bytes += len(data)
            self.buf.clear()


def _write_rows(writer: _RowWriter, dataset: Dataset, words, tagged: _Tagged, cfg: AugmentConfig, seed: int,
                mask_token: str, progress: bool, seen: HashSet64, dev: HashSet64 | None) -> dict[str, Any]:
    """Pass 2: stream the originals, then each example's deduplicated augmentations (none equal to a `dev`
    row when given); the counts."""
    n = len(words)
    by_aug: dict[str, int] = {}
    orig_dups = dropped = written_aug = dev_dropped = orig_in_dev = 0
    for i, ex in enumerate(words):
        texts = (dataset.texts[i],) if not writer.pair else (dataset.texts[i], dataset.text_pairs[i])
        h = row_hash([" ".join(s) for s in ex])
        if dev is not None and dev.contains(h):
            orig_in_dev += 1                     # kept too: it is gold training data (counted for the record)
        if not seen.add(h):
            orig_dups += 1                       # kept: the original training set is written in full
        writer.emit(texts, int(dataset.labels[i]), i, "orig")
    bar = progress_bar(n, progress, "augmenting")
    for i, ex in enumerate(words):
        rng = np.random.default_rng([seed, i])
        sides = [tagged.ids[tagged.offsets[j]:tagged.offsets[j + 1]] for j in range(len(ex) * i, len(ex) * (i + 1))]
        for texts, bits in augment_example(sides, tagged.table, cfg, rng, mask_token):
            h = row_hash(texts)
            if dev is not None and dev.contains(h):
                dev_dropped += 1
                continue
            if not seen.add(h):
                dropped += 1
                continue
            name = aug_name(bits)
            by_aug[name] = by_aug.get(name, 0) + 1
            written_aug += 1
            writer.emit(texts, -1, i, name)
        bar.update(1)
    bar.close()
    writer.flush()
    return {"original_duplicates": orig_dups, "duplicates_dropped": dropped, "augmented": written_aug,
            "by_aug": dict(sorted(by_aug.items())), "dev_dropped": dev_dropped, "orig_in_dev": orig_in_dev}


def run_augment(data: DataOptions, out_path: str | Path, overrides: dict, seed: int, *, tagger="auto",
                mask_token: str = "[MASK]", limit: int | None = None, progress: bool = True,
                unlabeled=None) -> dict:
    """`edgekd augment`: the first `limit` training rows of the task, then `build_transfer_set` with the task's
    default AugmentConfig, `overrides` (None keeps a default) applied, and `unlabeled` (UnlabeledOptions) added.
    The dev split is loaded too: no augmented or unlabeled row may equal a dev row."""
    t, train, dev = data.load(train_limit=limit)
    cfg = AugmentConfig.for_task(t.pair, **overrides)
    return build_transfer_set(train, out_path, cfg, seed, tagger=tagger, mask_token=mask_token, progress=progress,
                              task=t.name, unlabeled=unlabeled, exclude=dev)


def read_meta(out_path: str | Path) -> dict:
    p = meta_path(out_path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no transfer-set metadata beside {out_path}")
    return json.loads(p.read_text())


def read_transfer_set(path: str | Path) -> tuple[Dataset, np.ndarray, tuple[str, ...]]:
    """(texts/pairs/labels as a Dataset, src (N,) int64, aug kinds) of a transfer JSONL, in file order."""
    texts, pairs, labels, src, aug = [], [], [], [], []
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            try:
                row = json.loads(line)
                texts.append(row["text"])
                if "text_pair" in row:
                    pairs.append(row["text_pair"])
                labels.append(row["label"])
                src.append(row["src"])
                aug.append(row["aug"])
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise ValueError(f"{path}:{line_no}: not a transfer-set row ({e})") from None
    if pairs and len(pairs) != len(texts):
        raise ValueError(f"{path}: some rows have text_pair and some do not")
    ds = Dataset(tuple(texts), np.asarray(labels, dtype=np.int64), tuple(pairs) if pairs else None, source=str(path))
    return ds, np.asarray(src, dtype=np.int64), tuple(aug)

