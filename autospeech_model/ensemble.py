"""The top-k validated ensemble (the 2019 winner's rule): the returned prediction is the validation-weighted
average of the best models so far, and it only changes when its validation score improves.

Every candidate model gives its probabilities on the one fixed validation set. The pool keeps the ``size``
best by their own validation 2·AUC − 1; the candidate ensemble is the whole pool, each member weighted by its
score, and it replaces the returned ensemble only when its validation score is higher by more than the
noise margin. (Choosing the best
prefix of the pool instead let one noisy member take over on validation sets of a few dozen clips: measured on
data04, its predictions jumped between 0.50 and 0.78 where the whole pool's stayed within 0.70–0.76.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from autospeech_model.training import validation_score

MIN_WEIGHT = 1e-3  # ours: weight of a member whose validation score is ≤ 0 (it still counts, barely)


@dataclass(eq=False)
class Member:
    """One validated model; ``state`` is what re-creates its predictions (e.g. network weights), opaque here."""

    name: str
    score: float | None
    validation_probabilities: np.ndarray = field(repr=False)
    state: object = field(default=None, repr=False)
    replaced_weight: float | None = None  # a member that replaces others (a refit) weighs what they weighed

    @property
    def weight(self) -> float:
        return self.replaced_weight if self.replaced_weight is not None else max(self.score or 0.0, MIN_WEIGHT)


def weighted_average(members: list[Member], probabilities: list[np.ndarray]) -> np.ndarray:
    """``probabilities[i]`` (of ``members[i]``) averaged with the members' validation weights."""
    weights = np.array([member.weight for member in members])
    return np.tensordot(weights / weights.sum(), np.stack(probabilities), axes=1)


class Ensemble:
    """A pool of the best validated members, and the ensemble last found better on validation."""

    def __init__(self, size: int, validation_labels: np.ndarray, margin: float = 0.0):
        self.size = size
        self.validation_labels = validation_labels
        self.margin = margin / np.sqrt(max(len(validation_labels), 1))
        self.pool: list[Member] = []
        self.members: list[Member] = []
        self.score: float | None = None

    def add(self, member: Member) -> bool:
        """Add a candidate; True when the ensemble's validation score improved by more than the margin
        (``margin`` / sqrt(validation clips): smaller gains are within the noise) (or cannot be measured, as
        without validation clips: then the newest member alone is the ensemble, as in Kon's loop)."""
        if member.score is None:
            self.pool, self.members, self.score = [member], [member], None
            return True
        self.pool = sorted([*self.pool, member], key=lambda m: m.score, reverse=True)[: self.size]
        probabilities = weighted_average(self.pool, [m.validation_probabilities for m in self.pool])
        score = validation_score(self.validation_labels, probabilities)
        if self.score is not None and (score is None or score <= self.score + self.margin):
            return False
        self.members, self.score = list(self.pool), score
        return True
