"""The quick linear model: all class columns, and its learned state as plain arrays."""

from __future__ import annotations

import numpy as np
import pytest

from autospeech_model.quick import QuickClassifier


def blobs(seed: int = 0):
    rng = np.random.default_rng(seed)
    classes = np.repeat([0, 2, 3], 10)  # class 1 has no training clip
    descriptors = rng.normal(size=(30, 6)) + classes[:, None] * 3.0
    return descriptors, np.eye(4)[classes]


def test_probabilities_cover_every_class_and_learn_the_blobs():
    descriptors, labels = blobs()
    quick = QuickClassifier(class_num=4).fit(descriptors, labels)
    probabilities = quick.predict_proba(descriptors)
    assert probabilities.shape == (30, 4) and np.all(probabilities[:, 1] == 0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-6)
    assert (probabilities.argmax(axis=1) == labels.argmax(axis=1)).mean() > 0.9


def test_arrays_round_trip_gives_the_same_predictions():
    descriptors, labels = blobs()
    quick = QuickClassifier(class_num=4, regularization=0.5).fit(descriptors, labels)
    restored = QuickClassifier.from_arrays(quick.to_arrays(), class_num=4)
    np.testing.assert_allclose(restored.predict_proba(descriptors), quick.predict_proba(descriptors), atol=1e-6)


def test_two_classes_round_trip():
    descriptors, labels = blobs()
    two = labels[:, [0, 2]].sum(axis=1) > 0
    quick = QuickClassifier(class_num=4).fit(descriptors[two], labels[two])
    restored = QuickClassifier.from_arrays(quick.to_arrays(), class_num=4)
    np.testing.assert_allclose(restored.predict_proba(descriptors), quick.predict_proba(descriptors), atol=1e-6)


@pytest.mark.parametrize("key, change, problem", [
    ("quick_mean", lambda value: value[:1], r"quick_mean has shape \(1,\), expected \(6,\)"),
    ("quick_coef", lambda value: value[:1], r"quick_coef has shape \(1, 6\), expected \(3, 6\)"),
    ("quick_intercept", lambda value: value[:, None], r"quick_intercept has shape \(3, 1\), expected \(3,\)"),
    ("quick_classes", lambda value: value[:1], r"quick_classes array\(\[0\]\) must be at least two distinct"),
    ("quick_classes", lambda value: value + 2, r"quick_classes array\(\[2, 4, 5\]\) must be .* in \[0, 4\)"),
    ("quick_classes", lambda value: value.astype(float), r"quick_classes .* must be at least two distinct class"),
])
def test_arrays_that_do_not_fit_together_are_refused_naming_the_array(key, change, problem):
    """A damaged saved model fails at load, naming the array, not in scikit-learn at its first prediction."""
    descriptors, labels = blobs()
    arrays = QuickClassifier(class_num=4).fit(descriptors, labels).to_arrays()
    arrays[key] = change(arrays[key])
    with pytest.raises(ValueError, match=problem):
        QuickClassifier.from_arrays(arrays, class_num=4)


def test_windows_are_training_rows_with_their_clips_label_and_a_clip_gets_their_mean():
    """(clips, windows, values): each window is a row labelled with its clip's class; a clip's probabilities are
    the mean of its windows', whatever their number."""
    descriptors, labels = blobs()
    rng = np.random.default_rng(1)
    windows = descriptors[:, None, :] + rng.normal(scale=0.5, size=(30, 3, 6))
    quick = QuickClassifier(class_num=4).fit(windows, labels)
    rows = QuickClassifier(class_num=4).fit(windows.reshape(90, 6), np.repeat(labels, 3, axis=0))
    np.testing.assert_allclose(quick.to_arrays()["quick_coef"], rows.to_arrays()["quick_coef"], atol=1e-6)
    five = np.concatenate([windows, windows[:, :2]], axis=1)
    expected = quick.predict_proba(five.reshape(150, 6)).reshape(30, 5, 4).mean(axis=1)
    np.testing.assert_allclose(quick.predict_proba(five), expected, atol=1e-6)
    assert quick.predict_proba(five[:0]).shape == (0, 4)
