"""The Model: training rounds, the budget rules, test-time augmentation and save/load (harness run:
test_model_ingestion.py)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from conftest import real_clips_by_class

from autospeech_model.model import Model
from tests.model_fixtures import small_config, write_random_pretrained

CLASSES, TRAIN_PER_CLASS, TEST_PER_CLASS = 3, 6, 2


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


def metadata(**changes) -> dict:
    values = {"class_num": CLASSES, "train_num": CLASSES * TRAIN_PER_CLASS, "test_num": CLASSES * TEST_PER_CLASS,
              "time_budget": 600}
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


@pytest.fixture(scope="module")
def trained(pretrained, data):
    """A model after one train call (one round of 5 epochs) on the tiny real-audio data."""
    train, labels, _ = data
    model = Model(metadata(), small_config(pretrained))
    model.train((train, labels), remaining_time_budget=600)
    return model


def test_first_train_call_returns_after_one_round_of_five_epochs(trained):
    # 18 clips: 15 train, 3 validation → one (short) batch per epoch, so 5 optimiser steps in one round.
    assert trained.rounds == 1 and not trained.done_training
    assert int(trained.network.optimizer.iterations) == 5


def test_test_returns_averaged_probabilities_reproducibly(trained, data):
    _, _, test = data
    first = trained.test(test, remaining_time_budget=500)
    assert first.shape == (CLASSES * TEST_PER_CLASS, CLASSES)
    np.testing.assert_allclose(first.sum(axis=1), 1, atol=1e-5)
    np.testing.assert_array_equal(trained.test(test), first)  # same seed, same crops, same scores
    single_pass = Model(metadata(), trained.config.replace(tta_passes=1))
    single_pass.network = trained.network
    assert not np.allclose(single_pass.test(test), first)  # the average really spans several crops


def test_save_and_load_reproduce_predictions(trained, data, tmp_path):
    _, _, test = data
    expected = trained.test(test)
    trained.save(tmp_path / "saved")
    restored = Model.load(tmp_path / "saved")
    assert restored.class_num == CLASSES and restored.config == trained.config and restored.done_training
    np.testing.assert_allclose(restored.test(list(test)), expected, atol=1e-6)


def test_done_training_once_an_eighth_of_the_budget_remains(pretrained, data):
    train, labels, test = data
    model = Model(metadata(time_budget=100), small_config(pretrained))
    model.train((train, labels), remaining_time_budget=12)  # 12 ≤ 0.125 × 100
    assert model.done_training and model.rounds == 0
    assert model.test(test).shape == (len(test), CLASSES)  # it still predicts


def test_rounds_continue_while_validation_does_not_improve(pretrained, data):
    train, labels, _ = data
    model = Model(metadata(time_budget=40), small_config(pretrained))
    model.train((train, labels), remaining_time_budget=40)
    assert model.rounds == 1 and not model.done_training  # the first round always returns
    model.best_score = 1.0  # 2·AUC − 1 never exceeds 1: no later round can improve on it
    model.train((train, labels), remaining_time_budget=14)  # rounds run until only 0.125 × 40 = 5 s are left
    assert model.rounds > 2 and model.done_training


def test_train_stops_before_the_deadline(pretrained, data):
    # A round of 1000 epochs cannot fit in 15 s: fitting stops early and leaves time for the test call.
    train, labels, _ = data
    model = Model(metadata(time_budget=100), small_config(pretrained, epochs_per_round=1000, stop_fraction=0.0))
    started = time.monotonic()
    model.train((train, labels), remaining_time_budget=15)
    assert time.monotonic() - started < 15
    assert model.done_training
    assert 0 < int(model.network.optimizer.iterations) < 1000


def test_time_budget_falls_back_to_first_call_then_default(pretrained, data):
    # stop_fraction 1 ends every call before its first round: only the budget bookkeeping runs.
    train, labels, _ = data
    config = small_config(pretrained, stop_fraction=1.0)
    given = Model(metadata(time_budget=None), config)
    given.train((train, labels), remaining_time_budget=300)
    assert given.time_budget == 300 and given.done_training
    unknown = Model(metadata(time_budget=None), config)
    unknown.train((train, labels))
    assert unknown.time_budget == 1800 and unknown.done_training


def test_bad_calls_raise_clear_errors(pretrained, data, tmp_path):
    train, labels, test = data
    model = Model(metadata(), small_config(pretrained))
    with pytest.raises(RuntimeError, match="before train"):
        model.test(test)
    with pytest.raises(ValueError, match="labels have shape"):
        model.train((train, labels[:, :2]))
    with pytest.raises(FileNotFoundError, match="model.json"):
        Model.load(tmp_path)
