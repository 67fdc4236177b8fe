"""Reference outputs of the Python runtime for the JS tests and benchmarks (stdin JSON in, stdout JSON out).

Request: {"bundle": DIR, "items": [text | [text, text_pair], ...], "model": null | file | precision,
          "batch_size": 64, "max_tokens": 512 | null, "ids": true, "one_by_one": false}
Reply:   {"labels", "label_ids", "logits", "probabilities", "truncated", "ids", "ids_b"?, "pieces", "pieces_b"?}
`ids` are the fed ids per row (after truncation and the empty rule: edgekd_runtime.encoding), `pieces` the
word-piece counts before truncation. With one_by_one every item is predicted alone (batch 1).
"""
from __future__ import annotations

import json
import sys

from edgekd_runtime import Bundle
from edgekd_runtime.encoding import encode_ids, pad_batch


def main() -> int:
    req = json.load(sys.stdin)
    b = Bundle.load(req["bundle"], model=req.get("model"), threads=1)
    items = [tuple(x) if isinstance(x, list) else x for x in req["items"]]
    kw = {"batch_size": req.get("batch_size", 64), "max_tokens": req.get("max_tokens", 512)}
    if req.get("one_by_one"):
        rows = [b.predict([x], **kw) for x in items]
        out = {"labels": [r.labels[0] for r in rows], "label_ids": [int(r.label_ids[0]) for r in rows],
               "logits": [[float(v) for v in r.logits[0]] for r in rows],
               "probabilities": [[float(v) for v in r.probabilities[0]] for r in rows],
               "truncated": [bool(r.truncated[0]) for r in rows]}
    else:
        r = b.predict(items, **kw)
        out = {"labels": list(r.labels), "label_ids": [int(i) for i in r.label_ids],
               "logits": [[float(v) for v in row] for row in r.logits],
               "probabilities": [[float(v) for v in row] for row in r.probabilities],
               "truncated": [bool(t) for t in r.truncated]}
    if req.get("ids", True):
        tok, spec = b.tokenizer, b.manifest.tokenizer
        sides = [[x[0] for x in items], [x[1] for x in items]] if b.pair else [list(items)]
        for key, texts in zip(("ids", "ids_b"), sides):
            pieces = [] if not texts else [p for i in range(0, len(texts), 256) for p in encode_ids(tok, texts[i:i + 256])]
            fed = []
            for p in pieces:
                enc = pad_batch([p], b.max_length, pad_id=spec.pad_id, empty_id=spec.empty_id)
                fed.append([int(v) for v in enc.ids[0, :int(enc.lengths[0])]])
            out[key] = fed
            out["pieces" if key == "ids" else "pieces_b"] = [len(p) for p in pieces]
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
