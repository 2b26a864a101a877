"""The model's time rules, as pure decisions on times read from an injected clock (tested without waiting).

- The budget is meta.json's ``time_budget``; else the first train call's ``remaining_time_budget``; else
  ``config.default_time_budget`` (the kit's default).
- Done (DESIGN): once the remaining budget is ≤ ``stop_fraction`` × budget.
- Hard deadline of a train call: the remaining budget less the (safety-scaled) estimated validation and next
  test call; fitting that reaches it ends training.
- A round (DESIGN: 5 epochs) also ends after ``round_fraction`` of the remaining budget (ours: rounds stay
  short when an epoch is long); such a cut only ends the round.
- The final refit (ours) ends after ``refit_fraction`` of the remaining budget, or at the hard deadline.
- The first call (ours) describes as many training clips as fit, with the test clips, in
  ``first_prediction_seconds``, within [``quick_min_clips``, ``quick_max_clips``].
- Test-time passes (DESIGN: 10) are cut so that a test call takes at most ``test_fraction`` of the remaining
  budget, at least one pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from autospeech_model.config import ModelConfig


def resolve_time_budget(metadata: dict, remaining_time_budget: float | None, default: float) -> float:
    """meta.json's ``time_budget``, else the first call's remaining budget, else ``default``."""
    if metadata.get("time_budget") is not None:
        return float(metadata["time_budget"])
    return float(remaining_time_budget) if remaining_time_budget is not None else default


@dataclass(frozen=True)
class RoundPlan:
    """When a round must end (``deadline``) and whether that is the train call's hard deadline."""

    deadline: float
    hard: bool


class BudgetRules:
    """The decisions above for one ``config``."""

    def __init__(self, config: ModelConfig):
        self.config = config

    def safety(self, seconds: float) -> float:
        """An estimated duration made safe: times ``time_safety_factor``, plus ``time_safety_seconds``."""
        return self.config.time_safety_factor * seconds + self.config.time_safety_seconds

    def done(self, remaining: float, time_budget: float) -> bool:
        return remaining <= self.config.stop_fraction * time_budget

    def plan_round(self, now: float, end: float, next_calls_seconds: float, fraction: float | None = None
                   ) -> RoundPlan:
        """The round's deadline: the earlier of the hard deadline (``end`` less the safe estimate of the calls
        that must follow) and ``fraction`` (default ``round_fraction``) of the remaining time from ``now``."""
        hard = end - self.safety(next_calls_seconds)
        soft = now + (self.config.round_fraction if fraction is None else fraction) * (end - now)
        return RoundPlan(hard, True) if hard <= soft else RoundPlan(soft, False)

    def first_call_clips(self, seconds_per_clip: float, test_clips: int) -> int:
        """Training clips the first call describes: as many as fit, with the ``test_clips``, in
        ``first_prediction_seconds`` at ``seconds_per_clip``, within [``quick_min_clips``, ``quick_max_clips``]."""
        affordable = self.config.first_prediction_seconds / max(seconds_per_clip, 1e-9)
        return int(min(self.config.quick_max_clips, max(self.config.quick_min_clips, affordable - test_clips)))

    def test_passes(self, pass_seconds: float, remaining: float | None) -> int:
        """Test-time passes that fit in ``test_fraction`` of ``remaining`` (all of them when it is unknown)."""
        passes = self.config.tta_passes
        if remaining is None or pass_seconds <= 0:
            return passes
        return max(1, min(passes, math.floor(self.config.test_fraction * remaining / pass_seconds)))
