"""Training augmentation as a ``tf.data`` pipeline of vectorised batch transforms (DESIGN).

Per batch, as in Kon's generator: two independently shuffled streams of clips are cropped to random
64-frame windows, mixed with one Beta(0.2, 0.2) lambda per sample (labels mixed by the same lambda), and
the mixed images get, with probability 0.5 each, a band of 0..11 mel bins set to ``mask_value`` (0, i.e. the
clip mean after standardisation). Randomness is stateless and seeded per batch: a pipeline is reproducible
from its seed.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from autospeech_model.config import ModelConfig


def random_crop(images: tf.Tensor, crop_frames: int, seed: tf.Tensor) -> tf.Tensor:
    """A random window of ``crop_frames`` consecutive frames (axis 1) per image; any window may be drawn."""
    images = tf.convert_to_tensor(images)
    frames = tf.shape(images)[1]
    offsets = tf.random.stateless_uniform(tf.shape(images)[:1], seed, 0, frames - crop_frames + 1, tf.int32)
    windows = offsets[:, None] + tf.range(crop_frames)[None, :]
    return tf.gather(images, windows, batch_dims=1)


def sample_beta(count: tf.Tensor, alpha: float, seed: tf.Tensor) -> tf.Tensor:
    """``count`` samples of Beta(alpha, alpha), as the ratio of two Gamma(alpha) samples."""
    seeds = tf.random.experimental.stateless_split(seed, 2)
    first = tf.random.stateless_gamma([count], seeds[0], alpha)
    second = tf.random.stateless_gamma([count], seeds[1], alpha)
    total = first + second
    return tf.where(total > 0, first / tf.maximum(total, 1e-30), 0.5)


def mixup(first: tuple[tf.Tensor, tf.Tensor], second: tuple[tf.Tensor, tf.Tensor], alpha: float,
          seed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Mix two (images, labels) batches with one lambda per sample; returns (images, labels, lambdas)."""
    (x1, y1), (x2, y2) = first, second
    lambdas = sample_beta(tf.shape(x1)[0], alpha, seed)
    image_weight = tf.reshape(lambdas, [-1, 1, 1, 1])
    label_weight = tf.reshape(lambdas, [-1, 1])
    images = image_weight * x1 + (1.0 - image_weight) * x2
    labels = label_weight * y1 + (1.0 - label_weight) * y2
    return images, labels, lambdas


def frequency_mask(images: tf.Tensor, probability: float, max_width: int, value: float,
                   seed: tf.Tensor) -> tf.Tensor:
    """With ``probability`` per image, set a band of 0..max_width consecutive mel bins (axis 2) to ``value``."""
    images = tf.convert_to_tensor(images)
    batch, bins = tf.shape(images)[0], tf.shape(images)[2]
    seeds = tf.random.experimental.stateless_split(seed, 3)
    applied = tf.random.stateless_uniform([batch], seeds[0]) < probability
    widths = tf.random.stateless_uniform([batch], seeds[1], 0, max_width + 1, tf.int32)
    starts = tf.cast(tf.random.stateless_uniform([batch], seeds[2]) * tf.cast(bins - widths + 1, tf.float32),
                     tf.int32)
    positions = tf.range(bins)[None, :]
    band = (positions >= starts[:, None]) & (positions < (starts + widths)[:, None]) & applied[:, None]
    return tf.where(band[:, None, :, None], tf.cast(value, images.dtype), images)


def augment_batch(first: tuple[tf.Tensor, tf.Tensor], second: tuple[tf.Tensor, tf.Tensor], seed: tf.Tensor,
                  config: ModelConfig) -> tuple[tf.Tensor, tf.Tensor]:
    """Crop both batches, mix them, then mask a frequency band (DESIGN order)."""
    seeds = tf.random.experimental.stateless_split(seed, 4)
    crop_first = random_crop(first[0], config.crop_frames, seeds[0])
    crop_second = random_crop(second[0], config.crop_frames, seeds[1])
    images, labels, _ = mixup((crop_first, first[1]), (crop_second, second[1]), config.mixup_alpha, seeds[2])
    images = frequency_mask(images, config.mask_probability, config.mask_max_width, config.mask_value, seeds[3])
    return images, labels


def steps_per_epoch(clip_count: int, batch_size: int) -> int:
    """Batches per epoch: full batches only, or one short batch when there are fewer clips than a batch."""
    return max(clip_count // batch_size, 1)


def training_dataset(features: np.ndarray, labels: np.ndarray, config: ModelConfig, epochs: int,
                     seed: int) -> tf.data.Dataset:
    """``epochs`` × :func:`steps_per_epoch` augmented (images, mixed labels) batches, reproducible from ``seed``.

    Works for any clip count ≥ 1 (fewer clips than a batch give one short batch an epoch).
    """
    count = len(features)
    if count == 0:
        raise ValueError("cannot build a training pipeline from zero clips")
    images = tf.convert_to_tensor(features.astype(np.float32, copy=False))
    targets = tf.convert_to_tensor(labels.astype(np.float32, copy=False))
    drop_remainder = count >= config.batch_size

    def stream(stream_seed: int) -> tf.data.Dataset:
        # Shuffling clip indices, not clips: the same order, without a shuffle buffer holding every clip.
        shuffled = tf.data.Dataset.range(count).shuffle(count, seed=stream_seed, reshuffle_each_iteration=True)
        batches = shuffled.batch(config.batch_size, drop_remainder=drop_remainder).repeat(epochs)
        return batches.map(lambda index: (tf.gather(images, index), tf.gather(targets, index)))

    batch_seeds = tf.data.Dataset.counter().map(lambda step: tf.stack([tf.cast(seed, tf.int64), step]))
    pipeline = tf.data.Dataset.zip(stream(2 * seed), stream(2 * seed + 1), batch_seeds)
    pipeline = pipeline.map(lambda first, second, batch_seed: augment_batch(first, second, batch_seed, config))
    return pipeline.prefetch(tf.data.AUTOTUNE)
