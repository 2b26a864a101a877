"""The one train/hold-out splitter: stratified per class, group-aware, with pinned items, seeded.

Used for the model's validation split (DESIGN: stratified 90/10, fixed seed), the converter's train/test split
and the sample-data builder's test split.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

import numpy as np

SIDES = ("train", "test")


def quota_per_class(class_counts: Counter, fraction: float) -> Counter:
    """Items of each class to hold out: round(fraction × count), at least 1, leaving at least 1 in train.

    A class with a single item gets 0 (its item trains; its held-out side stays empty).
    """
    quotas = Counter()
    for label, count in class_counts.items():
        if fraction > 0 and count >= 2:
            quotas[label] = min(count - 1, max(1, round(fraction * count)))
    return quotas


def holdout_mask(labels: Sequence[Hashable], fraction: float, seed: int,
                 groups: Sequence[Hashable | None] | None = None,
                 pinned: Sequence[str | None] | None = None) -> np.ndarray:
    """Boolean mask, True for the items held out (validation or test).

    Items sharing a group always land on the same side; ``pinned`` ("train", "test" or None per item) fixes
    items, and the rest of their group, to a side. Free groups (a lone item is its own group) are visited in a
    seeded random order and held out while every class they hold is below its quota
    (:func:`quota_per_class`) and keeps at least one training item. The result depends only on the arguments.
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"hold-out fraction must be in [0, 1), got {fraction}")
    labels = list(labels)
    count = len(labels)
    for name, values in (("groups", groups), ("pinned", pinned)):
        if values is not None and len(values) != count:
            raise ValueError(f"{count} labels but {len(values)} {name}")
    units: dict[tuple, list[int]] = {}
    for index in range(count):
        group = None if groups is None else groups[index]
        units.setdefault(("item", index) if group is None else ("group", group), []).append(index)
    totals = Counter(labels)
    quotas = quota_per_class(totals, fraction)
    held_out = np.zeros(count, dtype=bool)
    free_units = []
    for key, members in units.items():
        sides = {pinned[i] for i in members} - {None} if pinned is not None else set()
        if not sides <= set(SIDES):
            raise ValueError(f"pinned sides must be {' or '.join(SIDES)}, got {sorted(sides - set(SIDES))}")
        if len(sides) > 1:
            raise ValueError(f"{key[0]} {key[1]} has items pinned to both train and test")
        if sides:
            held_out[members] = sides == {"test"}
        else:
            free_units.append(members)
    in_holdout = Counter(labels[i] for i in np.flatnonzero(held_out))
    for position in np.random.default_rng(seed).permutation(len(free_units)):
        members = free_units[position]
        unit_counts = Counter(labels[i] for i in members)
        if all(in_holdout[label] < quotas[label] and totals[label] - in_holdout[label] - n >= 1
               for label, n in unit_counts.items()):
            held_out[members] = True
            in_holdout.update(unit_counts)
    return held_out


def validation_split(labels: np.ndarray, fraction: float, seed: int,
                     groups: Sequence[Hashable | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sorted indices (train, validation) of one-hot ``labels`` held out by :func:`holdout_mask`.

    If no class has two items, the validation set is empty and callers train without validation.
    """
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"labels must be a 2-D one-hot array, got shape {labels.shape}")
    mask = holdout_mask(labels.argmax(axis=1).tolist(), fraction, seed, groups)
    return np.flatnonzero(~mask), np.flatnonzero(mask)
