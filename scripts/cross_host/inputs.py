"""GLUE dev TSV -> the JSON list of inputs every host classifies: `python inputs.py TSV OUT.json`.

SST-2 (`sentence` column) gives strings, MRPC (`#1 String`, `#2 String`) gives [a, b] pairs. Parsed once, on the
native host, so every host and runtime (Python, Node) classifies exactly the same strings. Standard library only.
"""
from __future__ import annotations

import csv
import json
import sys

PAIR_COLUMNS = ("#1 String", "#2 String")
SINGLE_COLUMN = "sentence"


def read_rows(path: str) -> list:
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        rows = [r for r in reader if r]
    if all(c in header for c in PAIR_COLUMNS):
        a, b = (header.index(c) for c in PAIR_COLUMNS)
        return [[r[a], r[b]] for r in rows]
    col = header.index(SINGLE_COLUMN)
    return [r[col] for r in rows]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: inputs.py DEV.tsv OUT.json", file=sys.stderr)
        return 2
    rows = read_rows(argv[0])
    with open(argv[1], "w", encoding="utf-8") as f:
        json.dump({"source": argv[0], "pair": isinstance(rows[0], list), "rows": rows}, f, ensure_ascii=False)
    print(f"{argv[1]}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
