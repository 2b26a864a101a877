"""The validated ensemble (after the 2019 winner's top-k rule): the returned prediction is a weighted average of
the best models so far, and it only changes when its validation score improves.

Every candidate model gives its probabilities on the one fixed validation set and belongs to a family (here
the quick linear model, the CNN). Each family keeps a pool of its ``size`` best members by their own
validation 2·AUC − 1, and a family's ensemble is its pool, each member weighted by its score. The candidate
compositions are each family's ensemble alone and, with two families or more, all of them blended with equal
shares (ours: a blend of two kinds of model beat either on the sample data, where one CNN pool pushed the
better-generalising linear model out of a single top-5 pool: data05 fell from 0.98 to 0.91). The best
composition on validation replaces the returned one only when it is higher by more than the noise margin.
(Choosing the best prefix of the pool instead let one noisy member take over on validation sets of a few dozen
clips: measured on data04, its predictions jumped between 0.50 and 0.78 where the whole pool's stayed within
0.70–0.76.)
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
    family: str = "model"

    @property
    def weight(self) -> float:
        """Its weight within its family: the validation score (MIN_WEIGHT at most ≤ 0)."""
        return max(self.score or 0.0, MIN_WEIGHT)


def weighted_average(weights: list[float], probabilities: list[np.ndarray]) -> np.ndarray:
    """``probabilities[i]`` averaged with ``weights[i]`` (normalised here)."""
    weights = np.asarray(weights, dtype=float)
    return np.tensordot(weights / weights.sum(), np.stack(probabilities), axes=1)


def composition(families: list[list[Member]]) -> dict[Member, float]:
    """Weights summing to 1: each family (a list of members) an equal share, split by the members' weights."""
    weights = {}
    for members in families:
        total = sum(member.weight for member in members)
        weights.update({member: member.weight / total / len(families) for member in members})
    return weights


class Ensemble:
    """Each family's pool of its best validated members, and the composition last found better on validation:
    ``members`` with ``weights`` (summing to 1) and its validation ``score``."""

    def __init__(self, size: int, validation_labels: np.ndarray, margin: float = 0.0):
        self.size = size
        self.validation_labels = validation_labels
        self.margin = margin / np.sqrt(max(len(validation_labels), 1))
        self.pools: dict[str, list[Member]] = {}
        self.members: list[Member] = []
        self.weights: list[float] = []
        self.score: float | None = None

    @property
    def pool(self) -> list[Member]:
        """Every family's pool, best first within each family."""
        return [member for members in self.pools.values() for member in members]

    def add(self, member: Member) -> bool:
        """Add a candidate; True when the best composition's validation score improved by more than the margin
        (``margin`` / sqrt(validation clips): smaller gains are within the noise) (or cannot be measured, as
        without validation clips: then the newest member alone is the ensemble, as in Kon's loop)."""
        if member.score is None:
            self.pools = {member.family: [member]}
            self.use({member: 1.0}, None)
            return True
        family = [*self.pools.get(member.family, []), member]
        self.pools[member.family] = sorted(family, key=lambda m: m.score, reverse=True)[: self.size]
        candidates = [[pool] for pool in self.pools.values()]
        if len(self.pools) > 1:
            candidates.append(list(self.pools.values()))
        scored = [(self.validate(weights), weights) for weights in map(composition, candidates)]
        score, weights = max(scored, key=lambda pair: -np.inf if pair[0] is None else pair[0])
        if self.score is not None and (score is None or score <= self.score + self.margin):
            return False
        self.use(weights, score)
        return True

    def validate(self, weights: dict[Member, float]) -> float | None:
        probabilities = weighted_average(list(weights.values()), [m.validation_probabilities for m in weights])
        return validation_score(self.validation_labels, probabilities)

    def use(self, weights: dict[Member, float], score: float | None) -> None:
        self.members, self.weights, self.score = list(weights), list(weights.values()), score

    def join(self, member: Member, like: Member) -> None:
        """Add ``member`` (not validated, e.g. a refit) to the returned ensemble with the weight of ``like``,
        one of its members; the weights are normalised again and the validation score is kept."""
        weights = dict(zip(self.members, self.weights))
        weights[member] = weights[like]
        total = sum(weights.values())
        self.use({m: weight / total for m, weight in weights.items()}, self.score)
