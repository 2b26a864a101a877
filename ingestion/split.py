"""Stratified, group-aware train/test split of labelled clips."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

SPLITS = ("train", "test")


def quota_per_class(class_counts: Counter, test_fraction: float) -> Counter:
    """Clips of each class that should go to test: round(fraction × count), at least 1, leaving 1 in train.

    A class with a single clip gets 0 (its clip trains; its test side stays empty).
    """
    targets = Counter()
    for label, count in class_counts.items():
        if test_fraction > 0 and count >= 2:
            targets[label] = min(count - 1, max(1, round(test_fraction * count)))
    return targets


def split_train_test(labels: Sequence[str], test_fraction: float, seed: int,
                     groups: Sequence[str | None] | None = None,
                     forced: Sequence[str | None] | None = None) -> np.ndarray:
    """Return a boolean mask, True for clips that go to test.

    Clips sharing a group always land on the same side; ``forced`` ("train"/"test"/None per clip) pins clips
    (and the rest of their group) to a side. Free groups are visited in a seeded random order and go to test
    while every class they hold still needs test clips and keeps at least one train clip.
    """
    if not 0 <= test_fraction < 1:
        raise ValueError(f"test fraction must be in [0, 1), got {test_fraction}")
    count = len(labels)
    groups = groups if groups is not None else [None] * count
    forced = forced if forced is not None else [None] * count
    units: dict[str, list[int]] = {}
    for index, group in enumerate(groups):
        units.setdefault(f"group {group}" if group else f"clip {index}", []).append(index)
    totals = Counter(labels)
    targets = quota_per_class(totals, test_fraction)
    is_test = np.zeros(count, dtype=bool)
    free_units = []
    for key, members in units.items():
        sides = {forced[i] for i in members} - {None}
        if len(sides) > 1:
            raise ValueError(f"{key} has clips forced to both train and test")
        if sides:
            is_test[members] = sides == {"test"}
        else:
            free_units.append(members)
    in_test = Counter(labels[i] for i in np.flatnonzero(is_test))
    for position in np.random.default_rng(seed).permutation(len(free_units)):
        members = free_units[position]
        unit_counts = Counter(labels[i] for i in members)
        if all(in_test[label] < targets[label] and totals[label] - in_test[label] - n >= 1
               for label, n in unit_counts.items()):
            is_test[members] = True
            in_test.update(unit_counts)
    return is_test
