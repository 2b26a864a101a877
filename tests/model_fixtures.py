"""Helpers for the model tests: a small config, a throw-away pretrained-format file, real clips.

The throw-away "pretrained" model is randomly initialised and lives in a pytest temporary folder only: it
exercises the loading code without the shipped weights. Real clips come from tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import real_clips_by_class

from autospeech_model.config import ModelConfig
from autospeech_model.network import build_network

PRETRAINED_CLASSES = 100  # the data01-style source model (Team Kon's had 100 speakers)


def write_random_pretrained(path: Path, class_num: int = PRETRAINED_CLASSES, seed: int = 123) -> Path:
    """Save a randomly initialised classifier with ``class_num`` outputs as a ``.keras`` file at ``path``."""
    import keras

    keras.utils.set_random_seed(seed)
    config = ModelConfig()
    network = build_network((config.crop_frames, config.n_mels, 1), class_num, config)
    network.save(path)
    return path


def small_config(pretrained: Path | None, **changes) -> ModelConfig:
    """The default recipe with a given pretrained file, fewer test-time passes and front-end batches of 8 clips
    (construction times 33 silent clips, not 129: faster tests); the first quick model may use the embeddings
    whatever the machine's speed, unless ``first_prediction_seconds`` is given; no window model unless
    ``quick_windows`` is given (its call before the CNN's rounds has tests of its own)."""
    settings = {"tta_passes": 2, "first_prediction_seconds": float("inf"), "quick_windows": 0,
                "feature_batch_size": 8, **changes}
    return ModelConfig(pretrained_weights=None if pretrained is None else str(pretrained), **settings)


def labelled_clips(n_classes: int, clips_per_class: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Real clips (≤ 2 s each) with one-hot labels, classes interleaved."""
    classes = real_clips_by_class(n_classes, clips_per_class)
    clips = [classes[c][i] for i in range(clips_per_class) for c in range(n_classes)]
    labels = np.tile(np.eye(n_classes, dtype=np.float32), (clips_per_class, 1))
    return clips, labels
