"""CNNClassifier: fit continues from the current weights, deadlines stop it, save/load keeps its training state."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from autospeech_model.estimator import CNNClassifier
from tests.model_fixtures import small_config

CLASSES = 3


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(12, 157, 64, 1)).astype(np.float32)
    labels = np.eye(CLASSES, dtype=np.float32)[np.arange(12) % CLASSES]
    return features, labels


def test_fit_continues_from_the_current_weights(images):
    classifier = CNNClassifier(small_config(None)).fit(*images, epochs=2)
    assert classifier.rounds_ == 1 and int(classifier.network_.optimizer.iterations) == 2
    before = classifier.network_.get_weights()
    classifier.fit(*images, epochs=1)
    assert int(classifier.network_.optimizer.iterations) == 3 and classifier.rounds_ == 2
    assert any(not np.array_equal(a, b) for a, b in zip(before, classifier.network_.get_weights()))


def test_a_deadline_stops_fitting_at_a_batch(images):
    ticks = itertools.count(step=1.0)  # every clock read is one second later
    classifier = CNNClassifier(small_config(None)).fit(*images, epochs=50, deadline=20.0,
                                                       clock=lambda: float(next(ticks)))
    assert classifier.stopped_early_ and 0 < int(classifier.network_.optimizer.iterations) < 50


def test_save_and_load_keep_predictions_and_training_state(images, tmp_path):
    classifier = CNNClassifier(small_config(None)).fit(*images, epochs=2)
    expected = classifier.predict_proba(images[0], passes=2, seed=7)
    classifier.save(tmp_path)
    restored = CNNClassifier.load(tmp_path)
    np.testing.assert_allclose(restored.predict_proba(images[0], passes=2, seed=7), expected, atol=1e-6)
    assert restored.rounds_ == 1 and int(restored.network_.optimizer.iterations) == 2
    restored.fit(*images, epochs=1)
    assert int(restored.network_.optimizer.iterations) == 3  # not restarted


def test_warm_up_leaves_weights_and_optimiser_untouched(images):
    classifier = CNNClassifier(small_config(None)).build(CLASSES)
    before = classifier.network_.get_weights()
    classifier.warm_up(CLASSES)
    assert int(classifier.network_.optimizer.iterations) == 0
    for a, b in zip(before, classifier.network_.get_weights()):
        np.testing.assert_array_equal(a, b)
