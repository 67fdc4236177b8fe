"""numpy backend vs onnxruntime on the same bundle, fp32 and int8, on real dev data (SST-2, MRPC) and odd Unicode."""
from __future__ import annotations

import numpy as np
import pytest

from edgekd_runtime import Bundle
from edgekd_runtime.bundle import parity_tolerance
from edgekd_runtime.textio import read_items

pytest.importorskip("onnxruntime")


def _check(bundle_dir, items, precision):
    ort = Bundle.load(bundle_dir, backend="onnxruntime", model=precision).predict(items)
    npy = Bundle.load(bundle_dir, backend="numpy", model=precision).predict(items)
    tol = parity_tolerance(precision, ort.logits)
    diff = np.abs(ort.logits - npy.logits)
    assert diff.max() <= tol, f"{precision}: max |diff| {diff.max():.3g} > {tol:.3g}"
    top2 = np.sort(ort.logits, axis=1)[:, -2:]
    clear = (top2[:, 1] - top2[:, 0]) > 2 * tol
    assert np.array_equal(ort.label_ids[clear], npy.label_ids[clear])
    assert ort.metadata["truncated_rows"] == npy.metadata["truncated_rows"]
    return diff.max()


@pytest.mark.parametrize("name,precision", [("single", "fp32"), ("single", "int8"), ("all8", "int8")])
def test_parity_on_sst2_dev(bundles_dir, glue_dir, name, precision):
    items = read_items(glue_dir / "SST-2" / "dev.tsv", pair=False)
    assert len(items) == 872
    _check(bundles_dir / name, items, precision)


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_parity_on_mrpc_dev(pair_dir, glue_dir, precision):
    items = read_items(glue_dir / "MRPC" / "dev.tsv", pair=True)
    assert len(items) == 408 and all(isinstance(x, tuple) for x in items)
    _check(pair_dir, items, precision)


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_parity_on_odd_text(single_dir, pair_dir, texts, pairs, precision):
    _check(single_dir, texts, precision)
    _check(pair_dir, pairs, precision)
