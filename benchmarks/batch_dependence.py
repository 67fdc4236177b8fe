"""How much do a bundle's predictions depend on the rows batched with them? Dev logits at batch 1 against the
runtime's default batching (length-sorted windows): argmax agreement and |dlogit|. onnxruntime's dynamic int8
quantizes activations per tensor, so int8 bundles are not exactly batch-invariant; validate's tolerance per
student family (edgekd/pipeline/steps.py) comes from this measurement.

    python benchmarks/batch_dependence.py runs/tiny-sst2/export/bundle --task sst2
"""
from __future__ import annotations

import click
import numpy as np


@click.command()
@click.argument("bundle", type=click.Path(exists=True, file_okay=False))
@click.option("--task", default="sst2", show_default=True)
@click.option("--data-dir", default=None, help="GLUE root (default: found).")
def main(bundle, task, data_dir):
    from edgekd.tasks import get_task, load_split
    from edgekd_runtime import Bundle

    b = Bundle.load(bundle, threads=1)
    dev = load_split(task, "dev", data_dir)
    items = list(zip(dev.texts, dev.text_pairs)) if get_task(task).pair else list(dev.texts)
    labels = np.asarray(dev.labels)
    batched = b.predict(items)
    single = np.stack([b.predict([x]).logits[0] for x in items])
    d = np.abs(single - batched.logits)
    click.echo(f"{bundle}: accuracy batched {100 * (batched.label_ids == labels).mean():.2f}, batch 1 "
               f"{100 * (single.argmax(1) == labels).mean():.2f}; argmax agreement "
               f"{100 * (single.argmax(1) == batched.label_ids).mean():.2f}%; |dlogit| max {d.max():.3g}, "
               f"median {np.median(d):.3g}")


if __name__ == "__main__":
    main()
