"""The paired bootstrap of the validation score."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from autospeech_model.bootstrap import resampled_scores, win_rate
from autospeech_model.training import validation_score


@settings(max_examples=60, deadline=None)
@given(clips=st.integers(2, 30), classes=st.integers(2, 6), decimals=st.integers(0, 3), seed=st.integers(0, 2**31))
def test_a_weighted_score_equals_the_score_of_the_clips_repeated(clips, classes, decimals, seed):
    # Counts as weights must give what validation_score gives on the resample itself, ties (rounded scores),
    # classes without positives or negatives, and clips drawn 0 times included.
    rng = np.random.default_rng(seed)
    labels = np.eye(classes)[rng.integers(0, classes, clips)]
    probabilities = np.round(rng.random((clips, classes)), decimals)
    weights = rng.multinomial(clips, np.full(clips, 1 / clips), size=4)
    expected = [validation_score(np.repeat(labels, w, axis=0), np.repeat(probabilities, w, axis=0)) for w in weights]
    found = resampled_scores(labels, probabilities, weights)
    for value, wanted in zip(found, expected):
        assert (np.isnan(value) and wanted is None) or abs(value - wanted) < 1e-9


def test_win_rates_of_a_clearly_better_an_equal_and_a_worse_prediction():
    rng = np.random.default_rng(0)
    labels = np.eye(3)[rng.integers(0, 3, 40)]
    noise = rng.random(labels.shape)
    good, weak = labels + noise, 0.3 * labels + noise
    assert win_rate(labels, good, weak, 200, seed=1) > 0.95
    assert win_rate(labels, weak, weak, 200, seed=1) == 0.0  # never strictly higher than itself
    assert win_rate(labels, weak, good, 200, seed=1) < 0.05


def test_without_a_scorable_resample_the_win_rate_is_zero():
    labels = np.array([[1.0, 0.0], [1.0, 0.0]])  # one class only: no AUC on any resample
    assert win_rate(labels, np.eye(2), np.eye(2)[::-1], 50, seed=0) == 0.0
