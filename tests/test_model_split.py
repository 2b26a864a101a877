"""The stratified 90/10 train/validation split, including tiny and lopsided datasets."""

from __future__ import annotations

import numpy as np
import pytest

from autospeech_model.split import validation_split


def one_hot(classes: list[int], class_num: int) -> np.ndarray:
    return np.eye(class_num)[classes]


def test_split_is_stratified_disjoint_complete_and_seeded():
    labels = one_hot([c for c in range(5) for _ in range(40)], 5)
    train, validation = validation_split(labels, 0.1, seed=0)
    assert len(np.intersect1d(train, validation)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, validation])), np.arange(200))
    np.testing.assert_array_equal(labels[validation].sum(axis=0), [4] * 5)  # 10 % of every class
    again = validation_split(labels, 0.1, seed=0)
    np.testing.assert_array_equal(again[1], validation)
    assert not np.array_equal(validation_split(labels, 0.1, seed=1)[1], validation)


def test_single_clip_class_stays_in_training():
    labels = one_hot([0] * 20 + [1] * 20 + [2], 3)
    train, validation = validation_split(labels, 0.1, seed=0)
    assert 40 in train and 40 not in validation
    np.testing.assert_array_equal(labels[validation].sum(axis=0), [2, 2, 0])


def test_fewer_than_64_clips_and_tiny_datasets_split():
    labels = one_hot([c for c in range(3) for _ in range(10)], 3)
    train, validation = validation_split(labels, 0.1, seed=0)
    assert (len(train), len(validation)) == (27, 3)
    train, validation = validation_split(one_hot([0, 1], 2), 0.1, seed=0)  # nothing to spare: no validation
    assert (list(train), list(validation)) == ([0, 1], [])


def test_small_classes_still_give_one_validation_clip():
    # round(0.1 × 5) = 0, but every class with two or more clips lends one, so validation covers each class.
    labels = one_hot([0] * 5 + [1] * 2 + [2] * 30, 3)
    train, validation = validation_split(labels, 0.1, seed=0)
    np.testing.assert_array_equal(labels[validation].sum(axis=0), [1, 1, 3])
    np.testing.assert_array_equal(labels[train].sum(axis=0), [4, 1, 27])


def test_split_rejects_non_2d_labels():
    with pytest.raises(ValueError, match="one-hot"):
        validation_split(np.zeros(5), 0.1, seed=0)
