"""Pieces of the training loop: deadline-bounded fitting, test-time-augmented prediction, validation score."""

from __future__ import annotations

import time
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf
from sklearn.metrics import roc_auc_score

from autospeech_model.augment import random_crop
from autospeech_model.config import ModelConfig


class DeadlineStop(keras.callbacks.Callback):
    """Stop ``fit`` at a batch or epoch end when the next batch or epoch would end after ``deadline``.

    ``deadline`` is on ``clock`` (``time.monotonic`` by default); durations are scaled by ``safety_factor``
    before the check. ``stopped`` tells whether the deadline (not the epoch count) ended the fit.
    """

    def __init__(self, deadline: float, safety_factor: float, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.deadline = deadline
        self.safety_factor = safety_factor
        self.clock = clock
        self.stopped = False
        self.epoch_seconds: float | None = None
        self._epoch_start = self._batch_start = 0.0

    def _stop_if_late(self, next_duration: float) -> None:
        if self.clock() + self.safety_factor * next_duration > self.deadline:
            self.stopped = True
            self.model.stop_training = True

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = self.clock()

    def on_train_batch_begin(self, batch, logs=None):
        self._batch_start = self.clock()

    def on_train_batch_end(self, batch, logs=None):
        self._stop_if_late(self.clock() - self._batch_start)

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds = self.clock() - self._epoch_start
        self._stop_if_late(self.epoch_seconds)


def forward(network: keras.Model, images: np.ndarray | tf.Tensor, batch_size: int) -> np.ndarray:
    """The network's inference output on ``images``, in batches, through one compiled function per network
    (traced once for any batch size, unlike ``Model.predict``, which rebuilds its data pipeline every call)."""
    if not len(images):
        return np.zeros((0, *network.output_shape[1:]), np.float32)
    function = getattr(network, "_forward_function", None)
    if function is None:
        signature = tf.TensorSpec((None, *network.input_shape[1:]), tf.float32)
        function = tf.function(lambda batch: network(batch, training=False), input_signature=[signature])
        network._forward_function = function
    return np.concatenate([function(images[start:start + batch_size]).numpy()
                           for start in range(0, len(images), batch_size)])


def predict_crops(network: keras.Model, features: np.ndarray, config: ModelConfig, passes: int,
                  seed: int) -> np.ndarray:
    """Softmax averaged over ``passes`` predictions, each on a fresh random crop of every clip (DESIGN TTA).

    Pass k uses crop seed (seed, k): the result depends only on the network, the features and ``seed``.
    """
    images = tf.convert_to_tensor(features)
    total = None
    for index in range(passes):
        crops = random_crop(images, config.crop_frames, tf.constant([seed, index], tf.int64))
        probabilities = forward(network, crops, config.predict_batch_size)
        total = probabilities if total is None else total + probabilities
    return total / passes


def validation_score(labels: np.ndarray, probabilities: np.ndarray) -> float | None:
    """The platform's metric, 2·AUC − 1 with AUC the unweighted mean ROC AUC over the classes that have both
    positives and negatives (sklearn's macro average over those columns); None when no class has both."""
    labels = np.asarray(labels)
    positives = labels.sum(axis=0)
    columns = np.flatnonzero((positives > 0) & (positives < len(labels)))
    if columns.size == 0:
        return None
    return float(2 * roc_auc_score(labels[:, columns], np.asarray(probabilities)[:, columns], average="macro") - 1)
