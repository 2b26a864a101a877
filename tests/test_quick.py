"""The quick linear model: all class columns, and its learned state as plain arrays."""

from __future__ import annotations

import numpy as np

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
