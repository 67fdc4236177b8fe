"""The one progress bar style of every stage (tqdm, imported when a bar is made)."""
from __future__ import annotations


def progress_bar(total: int | None, enabled: bool, desc: str, unit: str = "ex"):
    """A tqdm bar of `total` units (None: unknown), disabled when not `enabled`; redrawn at most once a second."""
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc=desc, unit=unit, dynamic_ncols=True, mininterval=1.0)
