"""Reading inputs for `edgekd-run`: stream lines or JSONL records in bounded chunks, or load a text file for bench.

Stream formats (one record per line; `mode="auto"` decides from the first non-blank line):
  text   a plain line is one text; for pair bundles the line is "text<TAB>text_pair";
  jsonl  {"text": ...} or {"text": ..., "text_pair": ...} (other keys are ignored).
Files for the bench may also be a GLUE-style TSV with a header (sentence / sentence1,sentence2 / #1 String,#2 String).
"""
from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Iterable, Iterator, TextIO

from .errors import InputError

MODES = ("auto", "text", "jsonl")
_TSV_COLUMNS = (("sentence1", "sentence2"), ("#1 String", "#2 String"), ("question1", "question2"),
                ("premise", "hypothesis"), ("text", "text_pair"), ("sentence",), ("text",))


def _json_item(line: str, lineno: int, pair: bool):
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as e:
        raise InputError(f"line {lineno}: not valid JSON ({e.msg}); use plain lines or one JSON object per line")
    if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
        raise InputError(f"line {lineno}: a JSONL record needs a string field \"text\"")
    if pair:
        if not isinstance(rec.get("text_pair"), str):
            raise InputError(f"line {lineno}: this is a pair model; the record needs a string \"text_pair\" too")
        return rec["text"], rec["text_pair"]
    if "text_pair" in rec:
        raise InputError(f"line {lineno}: \"text_pair\" given, but this bundle is a single-sentence model")
    return rec["text"]


def _text_item(line: str, lineno: int, pair: bool):
    if not pair:
        return line
    parts = line.split("\t")
    if len(parts) != 2:
        raise InputError(f"line {lineno}: a pair model needs \"text<TAB>text_pair\" per line (found "
                         f"{len(parts) - 1} tabs), or JSONL with text/text_pair")
    return parts[0], parts[1]


def iter_items(lines: Iterable[str], pair: bool, mode: str = "auto") -> Iterator:
    """Yield one text (or pair) per input line, lazily. Blank lines are (empty) texts in text mode and are
    skipped in JSONL mode; in auto mode, leading blank lines wait until the first non-blank line decides."""
    if mode not in MODES:
        raise InputError(f"unknown input format {mode!r}; choose one of {MODES}")
    parse = None if mode == "auto" else (_json_item if mode == "jsonl" else _text_item)
    pending: list[tuple[int, str]] = []
    for lineno, raw in enumerate(lines, 1):
        line = raw[:-1] if raw.endswith("\n") else raw
        line = line[:-1] if line.endswith("\r") else line
        if parse is None:
            if not line.strip():
                pending.append((lineno, line))
                continue
            parse = _json_item if line.lstrip().startswith("{") else _text_item
            if parse is _text_item:
                for no, blank in pending:
                    yield _text_item(blank, no, pair)
            pending = []
        if parse is _json_item and not line.strip():
            continue
        yield parse(line, lineno, pair)
    for no, blank in pending:                          # input of blank lines only: empty texts
        yield _text_item(blank, no, pair)


def chunks(items: Iterable, size: int) -> Iterator[list]:
    """Split a (possibly endless) iterable into lists of at most `size` items without reading ahead further."""
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def read_items(path: str | Path, pair: bool, limit: int | None = None) -> list:
    """Texts (or pairs) from a file: GLUE-style TSV with a header, JSONL, or plain lines; at most `limit`."""
    path = Path(path)
    with open(path, encoding="utf-8-sig") as f:
        first = f.readline()
        f.seek(0)
        header = first.rstrip("\r\n").split("\t")
        if path.suffix.lower() == ".tsv" and len(header) > 1:
            return _read_tsv(f, header, pair, limit, path)
        return list(itertools.islice(iter_items(f, pair), limit))


def _read_tsv(f: TextIO, header: list[str], pair: bool, limit: int | None, path: Path) -> list:
    want = [c for c in _TSV_COLUMNS if len(c) == (2 if pair else 1) and all(x in header for x in c)]
    if not want:
        raise InputError(f"{path}: no {'pair' if pair else 'text'} columns in the TSV header {header}")
    cols = [header.index(c) for c in want[0]]
    out = []
    next(f)
    for lineno, line in enumerate(f, 2):
        parts = line.rstrip("\r\n").split("\t")
        if len(parts) <= max(cols):
            raise InputError(f"{path}:{lineno}: {len(parts)} columns, the header has {len(header)}")
        out.append(tuple(parts[c] for c in cols) if pair else parts[cols[0]])
        if limit is not None and len(out) >= limit:
            break
    return out
