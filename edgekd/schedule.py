"""Training schedules that fit a time budget: `TimePlan` shortens a run's planned optimizer steps to what the
measured pace allows, so a slow CPU gets a shorter but complete schedule (the LR decays to zero at its last step)
instead of one cut off by the budget at a high LR.

Without a budget the plan never changes, and the schedule stays a pure function of the step (reproducible runs).
With one, how many steps fit depends on the machine and its load; the run records the plan it got.
"""
from __future__ import annotations


class TimePlan:
    """The planned number of optimizer steps, shrunk (never grown) as the measured pace says.

    `update(step, elapsed)` after each step: once `CALIBRATION_S` (or a quarter of the budget) has passed, the
    plan becomes min(plan, steps that fit in MARGIN x budget at the pace so far). The pace includes whatever the
    loop does besides steps (dev evaluations, checkpoints), so later estimates account for them."""

    CALIBRATION_S = 20.0
    MARGIN = 0.9

    def __init__(self, total: int, budget_s: float | None) -> None:
        self.planned = self.total = max(1, int(total))
        self.budget_s = budget_s

    @property
    def shortened(self) -> bool:
        return self.total < self.planned

    def update(self, step: int, elapsed: float) -> int:
        if self.budget_s is None or step <= 0 or elapsed < min(self.CALIBRATION_S, self.budget_s / 4):
            return self.total
        fits = int(step * self.MARGIN * self.budget_s / elapsed)
        self.total = max(step + 1, min(self.total, fits))
        return self.total

    def record(self) -> dict:
        return {"planned_steps": self.planned, "steps_fitting_budget": self.total if self.shortened else None}


def warmup_linear(step: int, total: int, warmup_ratio: float) -> float:
    """transformers' linear warmup then linear decay to 0 at `total`."""
    warm = int(warmup_ratio * total)
    if step < warm:
        return step / max(1, warm)
    return max(0.0, (total - step) / max(1, total - warm))
