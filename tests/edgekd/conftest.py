"""Fixtures of the core's tests: the tiny teacher loaded once per module, and torch on one thread."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def teacher(tiny_teacher_dir):
    from edgekd.teacher.model import load_teacher
    return load_teacher(str(tiny_teacher_dir), 2, device="cpu")


@pytest.fixture()
def one_thread():
    """Torch on one thread, like labelling workers and Ray actors, so float reductions happen in the same order."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
