"""Choosing the sample clips: per-class capping, and the strict group split (deterministic for a seed).

A *group* is a set of clips that must stay on one side (one speaker, one music track, one utterance):
splitting whole groups keeps near-duplicates from crossing train/test.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

from autospeech_model.split import holdout_mask


class SplitError(ValueError):
    """The groups cannot give every class clips on both sides."""


def _shuffled(items: list[str], seed: int) -> list[str]:
    order = np.random.default_rng(seed).permutation(len(items))
    return [items[i] for i in order]


def cap_per_class(labels: Sequence[str], groups: Sequence[str], max_per_class: int, seed: int,
                  max_per_group: int | None = None) -> np.ndarray:
    """Sorted indices of at most ``max_per_class`` clips per class and ``max_per_group`` per (class, group).

    Groups of a class are visited in a seeded random order and their first clips taken until the cap is reached.
    """
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, (label, group) in enumerate(zip(labels, groups)):
        members[(label, group)].append(index)
    keep: list[int] = []
    for label in sorted(set(labels)):
        taken = 0
        for group in _shuffled(sorted(g for (l, g) in members if l == label), seed):
            if taken >= max_per_class:
                break
            limit = max_per_class - taken if max_per_group is None else min(max_per_group, max_per_class - taken)
            indices = members[(label, group)][:limit]
            keep.extend(indices)
            taken += len(indices)
    return np.array(sorted(keep), dtype=int)


def split_by_group(labels: Sequence[str], groups: Sequence[str], test_fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of test clips: whole groups held out by the project's one splitter
    (:func:`autospeech_model.split.holdout_mask`), strictly: every class must end with clips on both sides.

    A group may hold several classes (e.g. one speaker's clips of every emotion).
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    mask = holdout_mask(labels, test_fraction, seed, groups)
    sides = (Counter(np.asarray(labels)[mask].tolist()), Counter(np.asarray(labels)[~mask].tolist()))
    missing = sorted(label for label in set(labels) if not all(side[label] for side in sides))
    if missing:
        raise SplitError(f"classes without both train and test clips (too few groups?): {', '.join(missing)}")
    return mask
