"""The teacher-step micro-benchmark's argument checks (its timings are a benchmark, not a test)."""
from __future__ import annotations


def test_teacher_step_rejects_too_few_steps():
    from click.testing import CliRunner

    from benchmarks.teacher_step import main

    r = CliRunner().invoke(main, ["--steps", "2"])
    assert r.exit_code == 2 and "at least 3 steps" in r.output
