"""The platform adapter Model: quick first prediction, CNN rounds, never going backwards, the budget rules,
save/load (the harness run: test_model_ingestion.py)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from conftest import real_clips_by_class
from threadpoolctl import threadpool_info

from autospeech_model.bootstrap import win_rate
from autospeech_model.config import ModelConfig
from autospeech_model.descriptors import statistics, window_statistics
from autospeech_model.ensemble import Ensemble
from autospeech_model.estimator import CNNClassifier
from autospeech_model.features import extract_features
from autospeech_model.model import Model, appended
from autospeech_model.network import create_network
from autospeech_model.quick import QuickClassifier
from tests.model_fixtures import small_config, write_random_pretrained

CLASSES, TRAIN_PER_CLASS, TEST_PER_CLASS = 3, 8, 2


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    return write_random_pretrained(tmp_path_factory.mktemp("pretrained") / "source.keras")


@pytest.fixture(scope="module")
def data():
    """(train clips, one-hot labels, test clips) of real audio, classes interleaved."""
    classes = real_clips_by_class(CLASSES, TRAIN_PER_CLASS + TEST_PER_CLASS)
    train = [classes[c][i] for i in range(TRAIN_PER_CLASS) for c in range(CLASSES)]
    test = [classes[c][i] for i in range(TRAIN_PER_CLASS, TRAIN_PER_CLASS + TEST_PER_CLASS) for c in range(CLASSES)]
    labels = np.tile(np.eye(CLASSES, dtype=np.float32), (TRAIN_PER_CLASS, 1))
    return train, labels, test


def test_appended_keeps_the_old_rows_then_the_kept_new_ones_in_order():
    old = np.arange(6, dtype=np.float32).reshape(2, 3)
    new = 10 + np.arange(12, dtype=np.float32).reshape(4, 3)
    keep = np.array([True, False, True, False])
    np.testing.assert_array_equal(appended(old, new, keep), np.concatenate([old, new[[0, 2]]]))
    assert appended(old, new, np.zeros(4, dtype=bool)).shape == (2, 3)


def metadata(**changes) -> dict:
    values = {"class_num": CLASSES, "train_num": CLASSES * TRAIN_PER_CLASS, "test_num": CLASSES * TEST_PER_CLASS,
              "time_budget": 600}
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def set_returned_score(ensemble: Ensemble, score: float) -> None:
    """Pretend the returned composition validated at ``score``, and let any higher score replace it."""
    ensemble.returned = ensemble.returned._replace(score=score)
    ensemble.confidence = 0.0


class StoppedClock:
    """A clock that only moves when told to: budget decisions become exact."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def trained(pretrained, data):
    """A model after two train calls and test calls: the quick model, then a CNN round."""
    train, labels, test = data
    model = Model(metadata(), small_config(pretrained))
    model.train((train, labels), remaining_time_budget=600)
    first = model.test(test, remaining_time_budget=590)
    first_members = [member.name for member in model.ensemble.members]
    set_returned_score(model.ensemble, -1.0)  # any CNN round now improves the ensemble, so the second call
    # returns after one
    model.train((train, labels), remaining_time_budget=580)
    return model, first, first_members


def test_construction_warms_up_without_changing_the_weights(pretrained):
    """Of the classifier it builds, or of one it is given (Model.load's saved CNN), which it keeps."""
    config = small_config(pretrained)
    model = Model(metadata(), config)
    fresh = create_network((config.crop_frames, config.n_mels, 1), CLASSES, config)
    given = CNNClassifier(config).build(CLASSES)
    assert Model(metadata(), config, classifier=given).classifier is given
    for warmed, expected in zip(given.network_.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(warmed, expected)
    for warmed, expected in zip(model.classifier.network_.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(warmed, expected)
    assert int(model.classifier.network_.optimizer.iterations) == 0 and model.classifier.rounds_ == 0


def pool_threads() -> list[int]:
    """Threads of each BLAS and OpenMP pool the process has loaded (e.g. scikit-learn's and numpy's)."""
    return [pool["num_threads"] for pool in threadpool_info()]


def test_numeric_libraries_use_the_configured_threads_inside_the_calls_only(pretrained, data):
    train, labels, test = data
    seen = []

    def clock() -> float:  # the model reads its clock throughout both calls
        seen.append(pool_threads())
        return time.monotonic()

    before = pool_threads()
    model = Model(metadata(), small_config(pretrained, numeric_threads=1), clock=clock)
    seen.clear()  # construction is not a charged call
    model.train((train, labels), remaining_time_budget=600)
    model.test(test, remaining_time_budget=590)
    assert seen and all(threads == [1] * len(before) for threads in seen)
    assert pool_threads() == before  # the host process's settings are given back


def test_the_first_call_returns_the_quick_model_before_any_cnn_round(trained, data):
    model, first, first_members = trained
    assert first_members in (["quick"], ["quick with embeddings"])
    assert first.shape == (CLASSES * TEST_PER_CLASS, CLASSES)
    np.testing.assert_allclose(first.sum(axis=1), 1, atol=1e-5)


def test_the_second_call_runs_one_cnn_round_whose_model_joins_the_pool(trained, data):
    model, first, first_members = trained
    assert model.classifier.rounds_ == 1 and int(model.classifier.network_.optimizer.iterations) > 0
    assert {member.name for member in model.ensemble.pool} == {*first_members, "cnn round 1"}
    assert model.test(data[2]).shape == first.shape


def test_predictions_never_go_backwards(pretrained, data):
    """Once nothing can beat the validation score, further rounds run but the prediction stays the same."""
    train, labels, test = data
    # (with the blend's older join rule, which the config hands to the ensemble: no rule lets a round beat 1.0)
    model = Model(metadata(time_budget=100), small_config(pretrained, new_family_as_good_alone=False))
    model.train((train, labels), remaining_time_budget=100)
    returned = model.test(test, remaining_time_budget=99)
    assert model.ensemble.new_family_as_good_alone is False
    set_returned_score(model.ensemble, 1.0)  # 2·AUC − 1 never exceeds 1
    model.train((train, labels), remaining_time_budget=20)  # rounds until 0.125 × 100 s are left
    assert model.classifier.rounds_ >= 1 and model.done_training
    np.testing.assert_array_equal(model.test(test), returned)


def test_kons_plain_recipe_starts_with_a_round_of_five_epochs(pretrained, data):
    train, labels, _ = data
    model = Model(metadata(), ModelConfig.kon(pretrained_weights=str(pretrained), tta_passes=2))
    model.train((train, labels), remaining_time_budget=600)
    # 24 clips, 10 % clip-level validation (1 per class): 21 train clips, one short batch an epoch.
    assert model.classifier.rounds_ == 1 and int(model.classifier.network_.optimizer.iterations) == 5
    assert [member.name for member in model.ensemble.members] == ["cnn round 1"]


def test_done_once_an_eighth_of_the_budget_remains(pretrained, data):
    train, labels, test = data
    clock = StoppedClock()
    model = Model(metadata(time_budget=100), small_config(pretrained, quick_model=False), clock=clock)
    model.train((train, labels), remaining_time_budget=12)  # 12 ≤ 0.125 × 100: no round
    assert model.done_training and model.classifier.rounds_ == 0


def test_time_budget_falls_back_to_first_call_then_default(pretrained, data):
    train, labels, _ = data
    config = small_config(pretrained, stop_fraction=1.0, quick_model=False)  # every call ends before a round
    given = Model(metadata(time_budget=None), config, clock=StoppedClock())
    given.train((train, labels), remaining_time_budget=300)
    assert given.time_budget == 300 and given.done_training
    unknown = Model(metadata(time_budget=None), config, clock=StoppedClock())
    unknown.train((train, labels))
    assert unknown.time_budget == 1800 and unknown.done_training


def test_save_and_load_reproduce_the_ensembles_predictions(trained, data, tmp_path):
    model, _, _ = trained
    test = data[2]
    expected = model.test(test)
    model.save(tmp_path / "saved")
    restored = Model.load(tmp_path / "saved", warm_up=False)  # as `autospeech predict` loads it
    assert restored.class_num == CLASSES and restored.config == model.config and restored.done_training
    assert not restored._warm and restored._seconds_per_clip["pass"] == 0
    assert [m.name for m in restored.ensemble.members] == [m.name for m in model.ensemble.members]
    np.testing.assert_allclose(restored.test(list(test)), expected, atol=1e-5)


def test_a_loaded_model_continues_training_instead_of_restarting(trained, data, tmp_path):
    model, _, _ = trained
    train, labels, test = data
    model.save(tmp_path / "saved")
    restored = Model.load(tmp_path / "saved", warm_up=False)
    steps = int(restored.classifier.network_.optimizer.iterations)
    assert steps == int(model.classifier.network_.optimizer.iterations) > 0
    restored.done_training = False
    restored.train((train, labels), remaining_time_budget=600)  # warms up, then the quick model on the new split
    assert restored._warm and restored._seconds_per_clip["pass"] > 0
    assert int(restored.classifier.network_.optimizer.iterations) == steps  # the warm-up's step is undone
    set_returned_score(restored.ensemble, -1.0)
    restored.train((train, labels), remaining_time_budget=590)  # a CNN round, from the saved weights
    assert int(restored.classifier.network_.optimizer.iterations) > steps


def test_bad_calls_raise_clear_errors_before_any_work(pretrained, data, tmp_path):
    train, labels, test = data
    model = Model(metadata(), small_config(pretrained), warm_up=False)
    with pytest.raises(RuntimeError, match="before train"):
        model.test(test)
    with pytest.raises(ValueError, match=r"labels have shape \(24, 2\), expected \(24, 3\)"):
        model.train((train, labels[:, :2]))
    with pytest.raises(ValueError, match="no training clips"):
        model.train(([], labels[:0]))
    assert not model._warm and model.classifier.rounds_ == 0  # refused before the warm-up
    with pytest.raises(FileNotFoundError, match="model.json"):
        Model.load(tmp_path)


@pytest.mark.parametrize("windows", [0, 3])
def test_a_large_training_set_is_prepared_in_two_steps(pretrained, data, windows):
    """The first call prepares a stratified subsample (its quick model gives the first prediction); the next
    adds the other clips, those nearest to a held-out pseudo-group to validation, starts a new ensemble on the
    grown validation set and fits the quick model again on all the training clips (with its window model, as
    none are left)."""
    train, labels, test = data
    model = Model(metadata(), small_config(pretrained, quick_max_clips=12, quick_windows=windows,
                                           quick_window_min_clips=0))
    model.train((train, labels), remaining_time_budget=600)
    prepared = len(model._train_set[0]) + len(model._validation_set[0])
    assert prepared == 12 and len(model._pending) == len(train) - 12
    assert model.test(test).shape == (len(test), CLASSES)
    validation_before = model._validation_set[0].copy()
    model.train((train, labels), remaining_time_budget=590)
    assert len(model._pending) == 0
    trained_on, validated_on = len(model._train_set[0]), len(model._validation_set[0])
    assert trained_on + validated_on == len(train)  # no clip left out
    assert validated_on > len(validation_before)
    np.testing.assert_array_equal(model._validation_set[0][:len(validation_before)], validation_before)
    np.testing.assert_array_equal(model._described["labels"][model._split[1]], model._validation_set[1])
    assert len(model.ensemble.validation_labels) == validated_on
    [member] = model.ensemble.pool  # the new ensemble's first member
    assert member.name == (("quick with embeddings" if member.state.embedded else "quick")
                           + " + windows" * bool(windows) + f", {trained_on} clips")
    assert (member.state.windows is not None) == bool(windows)


def test_the_first_call_prepares_the_clips_whose_features_fit_the_first_predictions_time(pretrained, data):
    """At 0.125 s a clip (features and statistics), 2 s leave 16 clips: 4 test clips (metadata's test_num) and
    12 training clips (the rule's other cases: test_budget.py)."""
    train, labels, _ = data
    model = Model(metadata(test_num=4), small_config(pretrained, quick_min_clips=6, quick_max_clips=18,
                                                     first_prediction_seconds=2.0))
    model._seconds_per_clip.update(features=0.1, statistics=0.025)
    model.train((train, labels), remaining_time_budget=600)
    assert len(model._train_set[0]) + len(model._validation_set[0]) == 12
    assert len(model._pending) == len(train) - 12


def test_without_time_for_any_model_the_class_frequencies_are_predicted(pretrained, data, tmp_path):
    train, labels, test = data
    model = Model(metadata(time_budget=100), small_config(pretrained, quick_model=False), clock=StoppedClock())
    model.train((train, labels[::-1]), remaining_time_budget=5)  # done at once: no round fits
    assert model.done_training and [m.name for m in model.ensemble.members] == ["prior"]
    expected = np.tile(labels[::-1].mean(axis=0), (len(test), 1))
    np.testing.assert_allclose(model.test(test), expected)
    model.save(tmp_path / "saved")
    np.testing.assert_allclose(Model.load(tmp_path / "saved", warm_up=False).test(test), expected)


class RoundClock:
    """A clock that moves ``seconds_per_round`` with each CNN round of ``model`` (set after construction)."""

    def __init__(self, seconds_per_round: float):
        self.seconds_per_round = seconds_per_round
        self.model: Model | None = None

    def __call__(self) -> float:
        return 1000.0 + self.seconds_per_round * (self.model.classifier.rounds_ if self.model else 0)


def test_the_refit_starts_from_the_pools_best_cnn_when_the_returned_one_is_weaker(pretrained, data):
    """Round 2 validates best but does not lift the returned composition (round 1 alone); training ends after
    it (2 s a round: 12 of 100 s left): the refit starts from round 2 and joins with round 1's weight."""
    train, labels, test = data
    clock = RoundClock(seconds_per_round=2.0)
    model = clock.model = Model(metadata(time_budget=100), small_config(pretrained, quick_model=False),
                                clock=clock)
    model.train((train, labels), remaining_time_budget=100)
    model.test(test, remaining_time_budget=99)
    [first] = model.ensemble.members
    first.score = -1.0  # round 2 will be the pool's best
    model.ensemble.returned = model.ensemble.returned._replace(score=2.0)  # and will not replace round 1
    model.train((train, labels), remaining_time_budget=14)
    assert model.done_training and [m.name for m in model.ensemble.pools["cnn"]] == ["cnn round 2", "cnn round 1"]
    second = model.ensemble.pools["cnn"][0]
    assert [m.name for m in model.ensemble.members] == ["cnn round 1", "cnn round 2 refit"]
    refit = model.ensemble.members[1]
    assert refit.score == second.score and model.ensemble.weights == pytest.approx([0.5, 0.5])
    assert any(not np.array_equal(a, b) for a, b in zip(refit.state, second.state))


@pytest.mark.parametrize("refit_epochs", [5, 0])
def test_when_training_ends_the_best_cnn_is_refit_on_all_clips(pretrained, data, tmp_path, refit_epochs):
    """The round that ends training is followed by ``refit_epochs`` epochs of the best CNN member on the training
    and validation clips (24 clips: one batch an epoch); the refit joins the ensemble with that member's weight."""
    train, labels, test = data
    clock = StoppedClock()
    config = small_config(pretrained, refit_epochs=refit_epochs, quick_model=False)
    model = Model(metadata(time_budget=100), config, clock=clock)
    model.train((train, labels), remaining_time_budget=100)  # round 1, the first validated model
    model.test(test, remaining_time_budget=99)
    set_returned_score(model.ensemble, -1.0)  # the coming round improves the ensemble: the CNN pool of rounds
    # 1 and 2
    model.train((train, labels), remaining_time_budget=14)  # after it and a test call, < 0.125 × 100 s are left
    assert model.done_training and model.classifier.rounds_ == 2 + bool(refit_epochs)
    names = [member.name for member in model.ensemble.members]
    if not refit_epochs:
        assert sorted(names) == ["cnn round 1", "cnn round 2"]
        return
    best = max(model.ensemble.members[:2], key=lambda member: member.score)
    assert names[2:] == [f"{best.name} refit"]
    weights = dict(zip(model.ensemble.members, model.ensemble.weights))
    refit = model.ensemble.members[2]
    assert weights[refit] == pytest.approx(weights[best]) and sum(weights.values()) == pytest.approx(1)
    assert refit.score == best.score
    assert any(not np.array_equal(a, b) for a, b in zip(refit.state, best.state))
    expected = model.test(test)
    model.save(tmp_path / "saved")
    restored = Model.load(tmp_path / "saved", warm_up=False)
    assert restored.ensemble.weights == model.ensemble.weights
    np.testing.assert_allclose(restored.test(test), expected, atol=1e-5)


def test_when_embeddings_would_delay_the_first_prediction_the_next_call_catches_up(pretrained, data, tmp_path):
    """With no time for embeddings in the first call (``first_prediction_seconds`` 0), the first quick model and
    the pseudo-groups use the statistics alone; the next call embeds the prepared clips and ends where a first
    call with embeddings starts: the same validation split by the embeddings' pseudo-groups, and the same quick
    model (with or without the embeddings, as validated) alone in a new ensemble; it predicts, saves and
    loads."""
    train, labels, test = data
    model = Model(metadata(), small_config(pretrained, first_prediction_seconds=0.0))
    model.train((train, labels), remaining_time_budget=600)
    [first] = model.ensemble.pool
    assert first.name == "quick" and not first.state.embedded and not model._group_by_embeddings
    model.test(test, remaining_time_budget=590)
    model.train((train, labels), remaining_time_budget=580)
    at_once = Model(metadata(), small_config(pretrained, first_prediction_seconds=float("inf")))
    at_once.train((train, labels), remaining_time_budget=600)
    assert model.classifier.rounds_ == 0 and model._group_by_embeddings
    [second], [expected_member] = model.ensemble.pool, at_once.ensemble.pool
    assert second.name == expected_member.name and model.ensemble.members == [second]
    assert second.state.embedded == expected_member.state.embedded
    for ours, theirs in zip(model._split, at_once._split):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_allclose(second.validation_probabilities, expected_member.validation_probabilities, atol=1e-5)
    expected = model.test(test)
    np.testing.assert_allclose(expected, at_once.test(test), atol=1e-5)
    model.save(tmp_path / "saved")
    restored = Model.load(tmp_path / "saved", warm_up=False)
    assert [m.state.embedded for m in restored.ensemble.members] == [second.state.embedded]
    np.testing.assert_allclose(restored.test(list(test)), expected, atol=1e-5)


def validated_quick(model: Model, embedded: bool) -> np.ndarray:
    """Validation probabilities of a quick model fitted on the training part of the model's described clips."""
    descriptors, labels = model._descriptors(model._described, embedded), model._described["labels"]
    train_index, validation_index = model._split
    quick = QuickClassifier(CLASSES, model.config.quick_regularization, model.config.quick_max_iter)
    return quick.fit(descriptors[train_index], labels[train_index]).predict_proba(descriptors[validation_index])


@pytest.mark.parametrize("confidence, embedded", [(ModelConfig.quick_choice_confidence, True), (1.01, False)])
def test_the_quick_model_adds_the_embeddings_only_when_they_validate_surely_better(
        pretrained, data, confidence, embedded):
    """Statistics of noise and embeddings that give the label away: with the embeddings the quick model scores
    higher on nearly every bootstrap resample of the validation clips, which adds them at the default
    confidence, not at one no win rate reaches."""
    train, labels, _ = data
    model = Model(metadata(), small_config(pretrained, quick_choice_confidence=confidence))
    model.train((train, labels), remaining_time_budget=600)
    [first] = model.ensemble.pool
    described_labels = model._described["labels"]
    model._described["statistics"] = np.random.default_rng(0).normal(
        size=model._described["statistics"].shape).astype(np.float32)
    model._described["embeddings"] = np.tile(described_labels, (1, 300))
    validation_labels = described_labels[model._split[1]]
    statistics, telling = validated_quick(model, False), validated_quick(model, True)
    assert win_rate(validation_labels, telling, statistics, 200, 0) >= ModelConfig.quick_choice_confidence
    model._fit_quick(model._descriptor_choices())
    [added] = [member for member in model.ensemble.pool if member is not first]
    assert added.state.embedded is embedded
    assert added.name == ("quick with embeddings" if embedded else "quick")


def test_clips_that_do_not_fit_before_the_deadline_wait_for_the_next_extension(pretrained, data):
    train, labels, _ = data
    model = Model(metadata(), small_config(pretrained, quick_max_clips=12, feature_batch_size=4))
    model.train((train, labels), remaining_time_budget=600)

    def described() -> int:
        return len(model._train_set[0]) + len(model._validation_set[0])

    model._extend(deadline=model.clock())  # no time left: one batch, the others wait
    assert described() == 16 and len(model._pending) == 8
    model._extend(deadline=model.clock() + 600)
    assert described() == len(train) and len(model._pending) == 0


def test_with_clips_left_for_later_the_next_call_adds_them_instead_of_late_embeddings(pretrained, data):
    """When clips wait for later, embedding them all to place them in embedding pseudo-groups would cost more
    than their features: the next call adds them on the statistics' split, and the quick model stays on
    statistics."""
    train, labels, test = data
    model = Model(metadata(), small_config(pretrained, quick_max_clips=12, first_prediction_seconds=0.0))
    model.train((train, labels), remaining_time_budget=600)
    assert "images" not in model._described and "embeddings" not in model._described
    model.test(test, remaining_time_budget=590)
    model.train((train, labels), remaining_time_budget=580)
    assert not model._group_by_embeddings and len(model._pending) == 0
    assert "embeddings" not in model._described and set(model.ensemble.pools) == {"quick"}
    assert all(not member.state.embedded for member in model.ensemble.pool)


def test_a_large_test_set_keeps_the_quick_model_on_statistics(pretrained, data):
    """Embedding a million test clips fits neither the first prediction's time nor a round: the quick model
    keeps the statistics alone, and the second call goes on to the CNN."""
    train, labels, test = data
    model = Model(metadata(test_num=10**6), small_config(pretrained, first_prediction_seconds=1.5))
    model.train((train, labels), remaining_time_budget=600)
    model.test(test, remaining_time_budget=590)
    set_returned_score(model.ensemble, -1.0)
    model.train((train, labels), remaining_time_budget=580)
    assert [member.name for member in model.ensemble.pools["quick"]] == ["quick"]
    assert model.classifier.rounds_ == 1


def test_the_second_call_adds_the_window_model_to_the_quick_model_before_any_cnn_round(pretrained, data, tmp_path):
    """The first call's quick model has no window model (its time would delay the first prediction); the next
    call fits it again with one, on all the clips' window statistics, alone in a new ensemble, and returns;
    its prediction is the mean of the two models'; the call after runs the CNN; it saves and loads."""
    train, labels, test = data
    model = Model(metadata(), small_config(pretrained, quick_windows=3, quick_window_min_clips=0))
    model.train((train, labels), remaining_time_budget=600)
    [first] = model.ensemble.pool
    assert first.state.windows is None and " + windows" not in first.name
    model.test(test, remaining_time_budget=590)
    model.train((train, labels), remaining_time_budget=580)
    [second] = model.ensemble.pool
    assert model.classifier.rounds_ == 0 and model.ensemble.members == [second]
    assert second.name == first.name + " + windows" and second.state.embedded == first.state.embedded
    clips = np.concatenate([model._train_set[0], model._validation_set[0]])
    trained_windows = window_statistics(clips, 3, model.config.crop_frames, 7)
    np.testing.assert_allclose(second.state.windows.to_arrays()["quick_mean"],
                               trained_windows.reshape(-1, trained_windows.shape[-1]).mean(axis=0), rtol=1e-4,
                               atol=1e-4)
    images = extract_features(model.frontend, test, model.config)
    descriptors = statistics(images, 7)
    if second.state.embedded:
        descriptors = np.concatenate([descriptors, model.embedder.embed(images)[0]], axis=1)
    expected = (second.state.classifier.predict_proba(descriptors)
                + second.state.windows.predict_proba(window_statistics(images, 3, model.config.crop_frames, 7))) / 2
    returned = model.test(test, remaining_time_budget=570)
    np.testing.assert_allclose(returned, expected, atol=1e-5)
    model.save(tmp_path / "saved")
    restored = Model.load(tmp_path / "saved", warm_up=False)
    assert restored.ensemble.members[0].state.windows is not None
    np.testing.assert_allclose(restored.test(list(test)), returned, atol=1e-5)
    set_returned_score(model.ensemble, -1.0)
    model.train((train, labels), remaining_time_budget=560)
    assert model.classifier.rounds_ == 1


@pytest.mark.parametrize("rows, min_clips, windows", [(48, 0, 2), (72, 25, 0)])
def test_the_window_model_takes_its_count_of_windows_a_clip_or_with_none_no_call_for_it(
        pretrained, data, rows, min_clips, windows):
    """24 clips: 2 windows each within 48 rows; with fewer clips than ``quick_window_min_clips``, no window
    model, nor a call for it (the count's other cases: test_descriptors.py)."""
    train, labels, test = data
    model = Model(metadata(), small_config(pretrained, quick_windows=3, quick_window_rows=rows,
                                           quick_window_min_clips=min_clips))
    model.train((train, labels), remaining_time_budget=600)
    set_returned_score(model.ensemble, -1.0)  # without a window model, the next call returns after a round
    model.train((train, labels), remaining_time_budget=590)
    member = model.ensemble.pools["quick"][0]
    assert (" + windows" in member.name) == bool(windows) and model.classifier.rounds_ == (0 if windows else 1)
    if windows:
        assert member.state.windows.pipeline_[0].n_samples_seen_ == len(train) * windows
    else:
        assert member.state.windows is None
    assert model.test(test).shape == (len(test), CLASSES)
