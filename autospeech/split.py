"""Stratified train/validation split that also works for tiny datasets (DESIGN: 90/10, fixed seed)."""

from __future__ import annotations

import numpy as np


def stratified_split(labels: np.ndarray, validation_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation) of a per-class split of one-hot ``labels``.

    Each class gives round(fraction × its clip count) clips to validation, but always keeps at least one for
    training, so a class with a single clip goes to training only. If that leaves validation empty (e.g. two
    clips in all), the validation set is empty and callers train without validation.
    Both index arrays are sorted; the result depends only on ``labels``, the fraction and ``seed``.
    """
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"labels must be a 2-D one-hot array, got shape {labels.shape}")
    rng = np.random.default_rng(seed)
    classes = labels.argmax(axis=1)
    validation = []
    for label in np.unique(classes):
        members = rng.permutation(np.flatnonzero(classes == label))
        count = min(round(validation_fraction * len(members)), len(members) - 1)
        validation.extend(members[:count])
    validation = np.sort(np.asarray(validation, dtype=np.int64))
    train = np.setdiff1d(np.arange(len(labels)), validation)
    return train, validation
