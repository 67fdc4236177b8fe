"""Length-bucketed batching shared by teacher fine-tuning and student training."""
from __future__ import annotations

import numpy as np

def length_buckets(lengths: np.ndarray, batch_size: int, rng: np.random.Generator, group: int = 200) -> list[np.ndarray]:
    """Shuffle, sort within windows of `group` batches by length, cut into batches, shuffle the batch order.

    Rows of similar length share a batch (little padding) while each epoch's order stays random. With
    group=200 on SST-2 about 80% of batches have no padding at all, so the student skips packing for them
    (the packed LSTM is ~1.6x slower); group=50 gives 46%.
    """
    perm = rng.permutation(len(lengths))
    batches = []
    window = batch_size * group
    for s in range(0, len(perm), window):
        chunk = perm[s:s + window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]
