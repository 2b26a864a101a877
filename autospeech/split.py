"""Stratified train/validation split that also works for tiny datasets (DESIGN: 90/10, fixed seed)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from ingestion.split import quota_per_class


def stratified_split(labels: np.ndarray, validation_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation) of a per-class split of one-hot ``labels``.

    Each class gives round(fraction × its clip count) clips to validation, at least one, but always keeps at
    least one for training (the converter's rule, :func:`ingestion.split.quota_per_class`): a class with a
    single clip goes to training only. If no class has two clips, the validation set is empty and callers train
    without validation.
    Both index arrays are sorted; the result depends only on ``labels``, the fraction and ``seed``.
    """
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"labels must be a 2-D one-hot array, got shape {labels.shape}")
    rng = np.random.default_rng(seed)
    classes = labels.argmax(axis=1)
    quotas = quota_per_class(Counter(classes.tolist()), validation_fraction)
    validation = []
    for label in np.unique(classes):
        members = rng.permutation(np.flatnonzero(classes == label))
        validation.extend(members[:quotas[int(label)]])
    validation = np.sort(np.asarray(validation, dtype=np.int64))
    train = np.setdiff1d(np.arange(len(labels)), validation)
    return train, validation
