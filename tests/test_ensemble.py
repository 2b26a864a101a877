"""The top-k ensemble: families weighted by validation scores, alone or blended; replaced only when validation
improves."""

from __future__ import annotations

import numpy as np
import pytest

from autospeech_model.ensemble import Ensemble, Member, composition, weighted_average
from autospeech_model.training import validation_score

LABELS = np.eye(3)[[0, 1, 2, 0, 1, 2]]


def guesses(labels: np.ndarray, right: np.ndarray, seed: int) -> np.ndarray:
    """Probabilities that put the true class first exactly on the clips where ``right`` is True."""
    probabilities = np.random.default_rng(seed).uniform(0.0, 0.2, size=labels.shape)
    probabilities += np.where(right[:, None], labels, np.roll(labels, 1, axis=1))
    return probabilities / probabilities.sum(axis=1, keepdims=True)


def member(name: str, correct: int, seed: int = 0, family: str = "model",
           right: slice | None = None) -> Member:
    """A member whose validation probabilities put the true class first for ``correct`` of the six clips (or
    for the clips of ``right``)."""
    mask = np.zeros(len(LABELS), dtype=bool)
    mask[slice(0, correct) if right is None else right] = True
    probabilities = guesses(LABELS, mask, seed)
    return Member(name, validation_score(LABELS, probabilities), probabilities, family=family)


def test_weights_follow_validation_scores_and_a_score_below_zero_barely_counts():
    good, bad = Member("good", 0.8, np.zeros(0)), Member("bad", -0.5, np.zeros(0))
    weights = composition([[good, bad]])
    assert list(weights.values()) == [0.8 / 0.801, 0.001 / 0.801]
    averaged = weighted_average(list(weights.values()), [np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])])
    np.testing.assert_allclose(averaged, [[0.8 / 0.801, 0.001 / 0.801]])


def test_a_blend_gives_each_family_its_share_split_by_the_members_weights():
    quick, strong, weak = Member("q", 0.2, np.zeros(0)), Member("s", 0.9, np.zeros(0)), Member("w", 0.3, np.zeros(0))
    assert composition([[quick], [strong, weak]]) == {quick: 0.5, strong: 0.5 * 0.9 / 1.2, weak: 0.5 * 0.3 / 1.2}
    weights = composition([[quick], [strong, weak]], shares=[1.0, 3.0])
    assert weights == pytest.approx({quick: 0.25, strong: 0.75 * 0.9 / 1.2, weak: 0.75 * 0.3 / 1.2})


def test_two_families_that_err_on_different_clips_are_blended():
    # Each family is right on four of the six clips, not the same four: the blend beats both.
    ensemble = Ensemble(size=5, validation_labels=LABELS)
    assert ensemble.add(member("quick", 0, family="quick", right=slice(0, 4)))
    assert [m.name for m in ensemble.members] == ["quick"] and ensemble.weights == [1.0]
    assert ensemble.add(member("cnn", 0, family="cnn", right=slice(2, 6)))
    assert [m.name for m in ensemble.members] == ["quick", "cnn"]
    assert ensemble.weights == pytest.approx([0.5, 0.5], abs=0.05)  # shares by score: nearly equal scores
    assert ensemble.score > max(m.score for m in ensemble.members)


def test_one_familys_pool_never_pushes_another_family_out():
    ensemble = Ensemble(size=2, validation_labels=LABELS)
    ensemble.add(member("quick", 3, family="quick"))
    for name, correct in (("a", 5), ("b", 6), ("c", 6)):
        ensemble.add(member(name, correct, seed=correct, family="cnn"))
    assert [m.name for m in ensemble.pools["quick"]] == ["quick"]
    assert len(ensemble.pools["cnn"]) == 2 and len(ensemble.pool) == 3


def test_a_member_joins_with_the_weight_of_another_and_the_score_stays():
    ensemble = Ensemble(size=5, validation_labels=LABELS)
    ensemble.add(member("quick", 0, family="quick", right=slice(0, 4)))
    ensemble.add(member("cnn", 0, family="cnn", right=slice(2, 6)))
    score = ensemble.score
    refit = Member("cnn refit", None, np.zeros(0), family="cnn")
    ensemble.join(refit, like=ensemble.members[1])
    assert [m.name for m in ensemble.members] == ["quick", "cnn", "cnn refit"]
    np.testing.assert_allclose(ensemble.weights, [1 / 3] * 3)
    assert ensemble.score == score


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


@pytest.mark.parametrize("confidence, replaced", [(0.95, False), (0.0, True)])
def test_a_gain_of_one_clip_in_six_is_noise_unless_any_gain_counts(confidence, replaced):
    # One more clip right of six: the candidate wins only on resamples that draw that clip (1 − (5/6)^6 ≈ 2/3).
    ensemble = Ensemble(size=1, validation_labels=LABELS, confidence=confidence)
    right = np.array([True] * 4 + [False] * 2)
    first = guesses(LABELS, right, seed=0)
    assert ensemble.add(Member("first", validation_score(LABELS, first), first))
    right[4] = True
    better = guesses(LABELS, right, seed=0)
    assert validation_score(LABELS, better) > ensemble.score
    assert ensemble.add(Member("better", validation_score(LABELS, better), better)) == replaced


def test_the_same_gain_on_many_clips_replaces_the_ensemble():
    labels = np.tile(LABELS, (20, 1))  # 120 clips: 80 right, then 100 right
    ensemble = Ensemble(size=1, validation_labels=labels, confidence=0.95)
    first = guesses(labels, np.arange(120) % 6 < 4, seed=0)
    ensemble.add(Member("first", validation_score(labels, first), first))
    better = guesses(labels, np.arange(120) % 6 < 5, seed=0)
    assert ensemble.add(Member("better", validation_score(labels, better), better))
    assert [m.name for m in ensemble.members] == ["better"]


def two_families(prefer_blend: bool, labels: np.ndarray = LABELS, confidence: float = 0.95) -> Ensemble:
    """An ensemble given a quick model right on two thirds of the clips, then a CNN right on all of them but
    less sure of itself (so the blend gets the quick model's two wrong clips wrong too)."""
    ensemble = Ensemble(size=5, validation_labels=labels, confidence=confidence, prefer_blend=prefer_blend)
    right = np.arange(len(labels)) % 6 < 4
    quick = guesses(labels, right, seed=0)
    ensemble.add(Member("quick", validation_score(labels, quick), quick, family="quick"))
    cnn = (guesses(labels, np.ones(len(labels), dtype=bool), seed=1) + 2 / 3) / 3
    ensemble.add(Member("cnn", validation_score(labels, cnn), cnn, family="cnn"))
    return ensemble


@pytest.mark.parametrize("clips", [6, 120])
def test_once_two_families_exist_the_blend_is_returned_even_when_one_alone_validates_higher(clips):
    # The CNN alone scores higher than the blend (which gets the quick model's wrong clips wrong too); on 120
    # clips it does so on every bootstrap resample, yet the blend, which keeps both, is returned.
    labels = np.tile(LABELS, (clips // len(LABELS), 1))
    ensemble = two_families(prefer_blend=True, labels=labels)
    quick, cnn = (ensemble.pools[family][0] for family in ("quick", "cnn"))
    assert ensemble.members == [quick, cnn]
    assert ensemble.weights == pytest.approx([quick.score, cnn.score] / np.sum([quick.score, cnn.score]))
    assert cnn.score > ensemble.score > quick.score


def test_without_prefer_blend_the_best_composition_on_validation_is_returned():
    assert [m.name for m in two_families(prefer_blend=False, confidence=0.0).members] == ["cnn"]
    # with the bootstrap: on 6 clips the CNN's gain over the quick model is not sure enough, on 120 it is
    assert [m.name for m in two_families(prefer_blend=False).members] == ["quick"]
    many = two_families(prefer_blend=False, labels=np.tile(LABELS, (20, 1)))
    assert [m.name for m in many.members] == ["cnn"]


def test_a_blend_as_good_as_a_perfect_family_replaces_it_only_with_another_family_as_good():
    # The returned quick model is right on every clip (unsure on the first): no blend can validate higher, but
    # one as high takes the CNN in once the CNN's family alone validates as high, whatever the quick family's
    # whole pool scores (a confident second quick model, wrong on the first clip, takes the pool to 0.5).
    # A weak CNN does not join, although the blend with it stays perfect.
    perfect = np.where(LABELS == 1, 0.4, 0.3)
    perfect[0] = [0.34, 0.33, 0.33]
    wrong_on_first = np.where(LABELS == 1, 0.8, 0.1)
    wrong_on_first[0] = [0.0, 1.0, 0.0]
    ensemble = Ensemble(size=2, validation_labels=LABELS, confidence=0.95)
    for name, probabilities in (("quick", perfect), ("second quick", wrong_on_first)):
        ensemble.add(Member(name, validation_score(LABELS, probabilities), probabilities, family="quick"))
    assert [m.name for m in ensemble.members] == ["quick"] and ensemble.score == 1.0
    assert ensemble.scored([ensemble.pools["quick"]]).score == 0.5
    assert not ensemble.add(member("weak cnn", 0, family="cnn", right=slice(0, 3)))
    assert [m.name for m in ensemble.members] == ["quick"]
    assert ensemble.add(member("cnn", 6, seed=1, family="cnn"))
    assert [m.name for m in ensemble.members] == ["quick", "second quick", "cnn", "weak cnn"]
    assert ensemble.score == 1.0
    # a CNN that does not enter the pool leaves the blend as it was: no new prediction for the same members
    assert not ensemble.add(member("worse cnn", 0, seed=2, family="cnn", right=slice(0, 2)))
    assert [m.name for m in ensemble.members] == ["quick", "second quick", "cnn", "weak cnn"]


@pytest.mark.parametrize("as_good_alone", [True, False])
def test_a_new_family_weaker_alone_joins_a_blend_that_validates_higher_only_when_allowed(as_good_alone):
    # The quick model is right on four of the six clips; a CNN right on only three, not the same ones, blended in
    # makes one more clip right: the blend validates higher, the CNN alone lower than the returned quick model.
    ensemble = Ensemble(size=5, validation_labels=LABELS, new_family_as_good_alone=as_good_alone)
    quick = member("quick", 0, family="quick", right=slice(0, 4))
    ensemble.add(quick)
    weak = member("cnn", 0, seed=1, family="cnn", right=slice(2, 5))
    assert weak.score < quick.score < ensemble.scored([[quick], [weak]], [quick.score, weak.score]).score
    assert ensemble.add(weak) != as_good_alone
    assert [m.name for m in ensemble.members] == (["quick"] if as_good_alone else ["quick", "cnn"])
    # a CNN as good alone joins
    assert ensemble.add(member("better cnn", 0, seed=2, family="cnn", right=slice(1, 6)))
    assert {m.family for m in ensemble.members} == {"quick", "cnn"}
