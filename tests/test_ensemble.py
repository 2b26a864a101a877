"""The top-k ensemble: weighted by validation scores, replaced only when validation improves."""

from __future__ import annotations

import numpy as np

from autospeech_model.ensemble import Ensemble, Member, weighted_average
from autospeech_model.training import validation_score

LABELS = np.eye(3)[[0, 1, 2, 0, 1, 2]]


def member(name: str, correct: int, seed: int = 0) -> Member:
    """A member whose validation probabilities put the true class first for ``correct`` of the six clips."""
    rng = np.random.default_rng(seed)
    probabilities = rng.uniform(0.0, 0.2, size=LABELS.shape)
    probabilities[:correct] += LABELS[:correct]
    probabilities[correct:] += np.roll(LABELS[correct:], 1, axis=1)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    return Member(name, validation_score(LABELS, probabilities), probabilities)


def test_weights_follow_validation_scores_and_a_score_below_zero_barely_counts():
    good, bad = Member("good", 0.8, np.zeros(0)), Member("bad", -0.5, np.zeros(0))
    averaged = weighted_average([good, bad], [np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])])
    np.testing.assert_allclose(averaged, [[0.8 / 0.801, 0.001 / 0.801]])


def test_the_ensemble_changes_only_when_its_validation_score_improves():
    ensemble = Ensemble(size=2, validation_labels=LABELS)
    assert ensemble.add(member("weak", 3))
    first_score = ensemble.score
    assert ensemble.add(member("strong", 6)) and ensemble.score > first_score
    assert [m.name for m in ensemble.members] == ["strong", "weak"]
    assert not ensemble.add(member("worse", 1))  # the pool keeps the best two; the ensemble stays
    assert [m.name for m in ensemble.members] == ["strong", "weak"]
    assert [m.name for m in ensemble.pool] == ["strong", "weak"]


def test_the_pool_keeps_only_the_best_members():
    ensemble = Ensemble(size=2, validation_labels=LABELS)
    for name, correct in (("a", 2), ("b", 4), ("c", 6), ("d", 5)):
        ensemble.add(member(name, correct))
    assert [m.name for m in ensemble.pool] == ["c", "d"]


def test_without_a_measurable_validation_the_newest_member_is_the_ensemble():
    ensemble = Ensemble(size=5, validation_labels=np.zeros((0, 3)))
    for name in ("first", "second"):
        assert ensemble.add(Member(name, None, np.zeros((0, 3))))
        assert [m.name for m in ensemble.members] == [name] and ensemble.score is None


def test_a_gain_within_the_noise_margin_does_not_replace_the_ensemble():
    # margin 0.49 over 6 validation clips: a new ensemble must validate 0.2 higher than the returned one
    ensemble = Ensemble(size=5, validation_labels=LABELS, margin=0.49)
    ensemble.add(member("first", 4))
    returned = ensemble.score
    assert not ensemble.add(member("slightly better", 5, seed=1)) or ensemble.score > returned + 0.2
    assert ensemble.add(member("much better", 6, seed=2)) and ensemble.score > returned + 0.2
