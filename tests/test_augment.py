"""Each augmentation transform's effect, and the tf.data training pipeline built from them."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from autospeech_model.augment import frequency_mask, mixup, random_crop, steps_per_epoch, training_dataset
from autospeech_model.config import ModelConfig

CONFIG = ModelConfig()


def seed(value: int) -> tf.Tensor:
    return tf.constant([value, 7], tf.int64)


def numbered_images(count: int, frames: int = 157, bins: int = 64) -> np.ndarray:
    """Images whose value at (frame, bin) is frame × 1000 + bin + image × 1e6: every window is identifiable."""
    grid = np.arange(frames)[:, None] * 1000.0 + np.arange(bins)[None, :]
    return (grid[None] + 1e6 * np.arange(count)[:, None, None])[..., None].astype(np.float64)


def test_crop_is_a_contiguous_window_of_each_input_and_covers_all_offsets():
    images = numbered_images(400)
    crops = random_crop(images, 64, seed(1)).numpy()
    assert crops.shape == (400, 64, 64, 1)
    first_frames = (crops[:, 0, 0, 0] % 1e6) // 1000
    for index, crop in enumerate(crops):
        start = int(first_frames[index])
        np.testing.assert_array_equal(crop, images[index, start:start + 64])
    assert first_frames.min() == 0 and first_frames.max() == 157 - 64  # every window may be drawn
    assert len(np.unique(first_frames)) > 50  # offsets vary between images


def test_mixup_is_a_convex_combination_with_labels_mixed_by_the_same_lambda():
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(2, 500, 4, 4, 1)).astype(np.float32)
    y1 = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 500)]
    y2 = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 500)]
    images, labels, lambdas = (t.numpy() for t in mixup((x1, y1), (x2, y2), 0.2, seed(2)))
    assert ((lambdas >= 0) & (lambdas <= 1)).all()
    np.testing.assert_allclose(images, lambdas[:, None, None, None] * x1 + (1 - lambdas[:, None, None, None]) * x2,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(labels, lambdas[:, None] * y1 + (1 - lambdas[:, None]) * y2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(labels.sum(axis=1), 1, atol=1e-6)
    # Beta(0.2, 0.2) is U-shaped with mean 0.5: most lambdas lie near 0 or 1, one per sample.
    assert abs(lambdas.mean() - 0.5) < 0.06
    assert np.mean((lambdas < 0.1) | (lambdas > 0.9)) > 0.5
    assert len(np.unique(lambdas)) > 450


def test_frequency_mask_zeroes_one_contiguous_band_of_at_most_11_bins_half_of_the_time():
    images = np.ones((4000, 3, 64, 1), dtype=np.float32)
    masked = frequency_mask(images, 0.5, 11, 0.0, seed(3)).numpy()
    zero_bins = masked[:, 0, :, 0] == 0
    np.testing.assert_array_equal(masked[:, 0], masked[:, 2])  # the band spans all frames
    widths = zero_bins.sum(axis=1)
    assert widths.max() == 11
    for row in zero_bins[widths > 0]:
        band = np.flatnonzero(row)
        assert band[-1] - band[0] + 1 == len(band)  # contiguous
    # Applied with p = 0.5, width uniform on 0..11 (width 0 changes nothing): P(visible mask) = 0.5 × 11/12.
    assert np.mean(widths > 0) == pytest.approx(0.5 * 11 / 12, abs=0.03)
    assert set(masked.ravel()) <= {0.0, 1.0}


def test_training_dataset_yields_augmented_batches_for_few_clips():
    rng = np.random.default_rng(0)
    for count in (1, 40):  # one clip, and fewer than 64 (Kon's generator yielded nothing below 64)
        features = rng.normal(size=(count, 157, 64, 1)).astype(np.float32)
        labels = np.eye(3, dtype=np.float32)[np.arange(count) % 3]
        batches = list(training_dataset(features, labels, CONFIG, epochs=2, seed=5))
        assert len(batches) == 2 * steps_per_epoch(count, CONFIG.batch_size)
        for images, mixed in batches:
            assert images.shape == (min(count, 32), 64, 64, 1)
            np.testing.assert_allclose(mixed.numpy().sum(axis=1), 1, atol=1e-5)


def test_training_dataset_is_reproducible_from_its_seed():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(70, 157, 64, 1)).astype(np.float32)
    labels = np.eye(2, dtype=np.float32)[np.arange(70) % 2]

    def first_epoch(seed_value):
        return np.concatenate([images.numpy() for images, _ in training_dataset(features, labels, CONFIG, 1,
                                                                                 seed_value)])

    np.testing.assert_array_equal(first_epoch(3), first_epoch(3))
    assert not np.allclose(first_epoch(3), first_epoch(4))
