"""The model's time rules as pure decisions (no waiting): budget, done, round deadlines, test-time passes."""

from __future__ import annotations

import pytest

from autospeech_model.budget import BudgetRules, RoundPlan, resolve_time_budget
from autospeech_model.config import ModelConfig

RULES = BudgetRules(ModelConfig())  # stop 1/8, round 0.1, test 0.05, safety 1.5 × t + 2 s, 10 passes


def test_time_budget_comes_from_metadata_then_the_first_call_then_the_default():
    assert resolve_time_budget({"time_budget": 300}, 50, 1800) == 300
    assert resolve_time_budget({}, 50, 1800) == 50
    assert resolve_time_budget({"time_budget": None}, None, 1800) == 1800


def test_done_once_an_eighth_of_the_budget_remains():
    assert RULES.done(12.5, 100) and RULES.done(3, 100)
    assert not RULES.done(12.6, 100)


def test_a_round_ends_at_a_tenth_of_the_remaining_time_unless_the_hard_deadline_comes_first():
    # 1000 s left, next calls estimated at 10 s: hard deadline 1000 − (1.5 × 10 + 2) = 983; soft 0 + 100.
    assert RULES.plan_round(now=0, end=1000, next_calls_seconds=10) == RoundPlan(100, hard=False)
    # 20 s left: soft 2 s, hard 20 − 17 = 3 s... the soft one still comes first
    assert RULES.plan_round(now=0, end=20, next_calls_seconds=10) == RoundPlan(2, hard=False)
    # 20 s left and 12 s of calls to come: hard 20 − 20 = 0 comes first and ends training
    assert RULES.plan_round(now=0, end=20, next_calls_seconds=12) == RoundPlan(0, hard=True)
    # the final refit passes its own share: half of the remaining time
    assert RULES.plan_round(now=0, end=1000, next_calls_seconds=10, fraction=0.5) == RoundPlan(500, hard=False)


def test_kons_rounds_are_only_cut_by_the_hard_deadline():
    kon = BudgetRules(ModelConfig.kon())
    assert kon.plan_round(now=0, end=1000, next_calls_seconds=10) == RoundPlan(983, hard=True)


@pytest.mark.parametrize("pass_seconds, remaining, passes", [
    (0.1, 1000, 10),   # 5 % of 1000 s = 50 s: all ten passes fit
    (2.0, 100, 2),     # 5 s for 2-s passes: two
    (30.0, 100, 1),    # not even one fits: still one
    (2.0, None, 10),   # unknown budget (e.g. `autospeech predict`): all of them
])
def test_test_time_passes_fit_in_a_twentieth_of_the_remaining_time(pass_seconds, remaining, passes):
    assert RULES.test_passes(pass_seconds, remaining) == passes


@pytest.mark.parametrize("test_clips, prepared", [(4, 12), (100, 6), (0, 16), (10, 6)])
def test_the_first_call_describes_the_training_clips_that_fit_with_the_test_clips(test_clips, prepared):
    """At 0.125 s a clip, 2 s describe 16 clips: 4 test clips leave 12 training clips, 10 or 100 the floor
    (6)."""
    rules = BudgetRules(ModelConfig(first_prediction_seconds=2.0, quick_min_clips=6, quick_max_clips=18))
    assert rules.first_call_clips(0.125, test_clips) == prepared


def test_without_a_time_limit_the_first_call_describes_the_cap():
    rules = BudgetRules(ModelConfig(first_prediction_seconds=float("inf"), quick_min_clips=6, quick_max_clips=18))
    assert rules.first_call_clips(0.125, 10**6) == 18 and rules.first_call_clips(0.0, 4) == 18
