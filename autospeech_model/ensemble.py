"""The validated ensemble (after the 2019 winner's top-k rule): the returned prediction is a weighted average of
the best models so far, and it only changes when its validation score improves.

Every candidate model gives its probabilities on the one fixed validation set and belongs to a family (here
the quick linear models, the CNN). Each family keeps a pool of its ``size`` best members by their own
validation 2·AUC − 1, and a family's ensemble is its pool, each member weighted by its score. The
compositions are each family's ensemble alone and, with two families or more, all of them blended, each family's
share in proportion to its ensemble's validation score (ours: a blend of two kinds of model beat either on the
sample data, where one CNN pool pushed the better-generalising linear model out of a single top-5 pool: data05
at 600 s fell from 0.98 to 0.91; shares by score rather than equal: on the full sample data03, 500 prepared
clips, the first CNN round, validated at 0.17, took half of the blend, which scored higher on validation and
fell from 0.64 to 0.59 on test; replayed on that run and on ten of the sample runs below, score shares
raised the mean test score over the run there from 0.59 to 0.63, on the small data03 by 0.023 and 0.008, lowered
data02 by 0.010 and 0.004, and moved the others by at most 0.001).

Which composition is returned (``prefer_blend``, ours): one family's ensemble until a second family has
members, then the blend, which replaces the returned composition when its validation score is higher (it keeps
every family in, so following a noisy gain costs little) or as high with other members, in both cases only while
each family new to it validates alone as high as the returned composition (``new_family_as_good_alone``; ours:
on the full sample data03 a CNN round validated at 0.17 took a blend 0.001 higher on validation from 0.772 to
0.725 on test; for a blend as high, on sample data01 the quick model validates at 1.0 from the second call, so
the CNN, pretrained on those speakers and validating at 1.0 from its eighth round, never joined, and the final
prediction stayed the quick model's 0.997); a family alone replaces a family alone only when it scores higher on
enough paired bootstrap resamples of the validation clips (:mod:`autospeech_model.bootstrap`; on a few dozen clips a
small gain is noise). Measured by replaying the saved rounds of eleven 120 s runs of the sample datasets (two
seeds): the best composition by validation, with the bootstrap for every switch, held the
quick model alone on 15–20 validation clips while the CNN pool was better on test (data03: 0.48 vs 0.60);
returning the blend unless a family alone beat it on the bootstrap raised the mean test score over the run on
seven of them (data03 seed 1: 0.48 → 0.55, final 0.48 → 0.63), left one unchanged and lowered three by at most
0.013. Even so, in one of three live runs of data05 the returned prediction fell from 0.998 to 0.880 on test,
the level of the CNN pool alone (its rounds score 0.85–0.90 on test in saved runs; the quick model 0.977, though it
validates at 0.60): a CNN pool that beat the blend on 95 % of the resamples of its 20 validation clips, late in
the run, after dozens of such tests. Never returning a family alone once the blend exists left fourteen replayed
runs (the eleven and the full-size data02–05) unchanged but for data02, 0.340 → 0.344 (final 0.362 → 0.395).
With ``prefer_blend`` off, the best composition on validation is chosen.
(Choosing the best prefix of the pool instead let one noisy member take over on validation sets of a few dozen
clips: measured on data04, its predictions jumped between 0.50 and 0.78 where the whole pool's stayed within
0.70–0.76.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from autospeech_model.bootstrap import surely_higher
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
        """Its weight within its family: the validation score (MIN_WEIGHT when that is ≤ 0 or unknown)."""
        return max(self.score or 0.0, MIN_WEIGHT)


def weighted_average(weights: list[float], probabilities: list[np.ndarray]) -> np.ndarray:
    """``probabilities[i]`` averaged with ``weights[i]`` (normalised here)."""
    weights = np.asarray(weights, dtype=float)
    return np.tensordot(weights / weights.sum(), np.stack(probabilities), axes=1)


class Scored(NamedTuple):
    """A composition (weights per member) with its validation score (None: not measurable) and probabilities."""

    score: float | None
    weights: dict[Member, float]
    probabilities: np.ndarray | None


def rank(scored: Scored) -> float:
    """Sort key of a scored composition: its validation score, an unknown one lowest."""
    return -np.inf if scored.score is None else scored.score


def composition(families: list[list[Member]], shares: list[float] | None = None) -> dict[Member, float]:
    """Weights summing to 1: family ``i`` (a list of members) gets ``shares[i]`` (normalised; equal shares by
    default), split among its members by their weights."""
    shares = np.ones(len(families)) if shares is None else np.asarray(shares, dtype=float)
    weights = {}
    for members, share in zip(families, shares / shares.sum()):
        total = sum(member.weight for member in members)
        weights.update({member: member.weight / total * share for member in members})
    return weights


class Ensemble:
    """Each family's pool of its best validated members, and the composition last found better on validation,
    ``returned``: its ``members`` with ``weights`` (summing to 1) and its validation ``score``."""

    def __init__(self, size: int, validation_labels: np.ndarray, confidence: float = 0.0, resamples: int = 200,
                 seed: int = 0, prefer_blend: bool = True, new_family_as_good_alone: bool = True):
        self.size = size
        self.validation_labels = validation_labels
        self.confidence = confidence
        self.new_family_as_good_alone = new_family_as_good_alone
        self.resamples = resamples
        self.seed = seed
        self.prefer_blend = prefer_blend
        self.pools: dict[str, list[Member]] = {}
        self.returned = Scored(None, {}, None)
        self.candidates = 0

    @property
    def members(self) -> list[Member]:
        """The returned composition's members."""
        return list(self.returned.weights)

    @property
    def weights(self) -> list[float]:
        """Their weights, in the same order, summing to 1."""
        return list(self.returned.weights.values())

    @property
    def score(self) -> float | None:
        """Its validation score (None: not measurable, or nothing returned yet)."""
        return self.returned.score

    @property
    def pool(self) -> list[Member]:
        """Every family's pool, best first within each family."""
        return [member for members in self.pools.values() for member in members]

    def add(self, member: Member) -> bool:
        """Add a candidate; True when the returned composition changed (see the module's docstring), or when
        validation cannot be measured, as without validation clips: then the newest member alone is the
        ensemble, as in Kon's loop."""
        self.candidates += 1
        if member.score is None:
            self.pools = {member.family: [member]}
            self.returned = Scored(None, {member: 1.0}, None)
            return True
        family = [*self.pools.get(member.family, []), member]
        self.pools[member.family] = sorted(family, key=lambda m: m.score, reverse=True)[: self.size]
        alone = [self.scored([pool]) for pool in self.pools.values()]
        chosen, blended = max(alone, key=rank), False
        if len(self.pools) > 1:
            blend = self.scored(list(self.pools.values()), [max(rank(scored), MIN_WEIGHT) for scored in alone])
            chosen, blended = (blend, True) if self.prefer_blend else (max([*alone, blend], key=rank), False)
        if self.score is not None and not (self.blend_replaces(chosen, alone) if blended
                                           else self.wins(chosen, self.returned)):
            return False
        self.returned = chosen
        return True

    def blend_replaces(self, blend: Scored, alone: list[Scored]) -> bool:
        """Whether ``blend`` replaces the returned composition: it validates higher, or as high with other
        members, while each family new to it validates as high ``alone`` (with ``new_family_as_good_alone``;
        without it, that holds only for a blend as high). A family weaker alone than the returned composition
        can raise the blend's validation score on a few clips by chance and still lower its test score; on a
        validation set that one family already scores perfectly, a family as good can join a blend as high."""
        returned = self.returned.weights.keys()
        new_families_as_good = all(rank(family) >= self.score for family in alone
                                   if not family.weights.keys() & returned)
        if rank(blend) > self.score:
            return new_families_as_good or not self.new_family_as_good_alone
        return rank(blend) == self.score and blend.weights.keys() != returned and new_families_as_good

    def scored(self, families: list[list[Member]], shares: list[float] | None = None) -> Scored:
        """The composition of ``families`` (:func:`composition`) with its validation score and probabilities."""
        weights = composition(families, shares)
        probabilities = weighted_average(list(weights.values()), [m.validation_probabilities for m in weights])
        return Scored(validation_score(self.validation_labels, probabilities), weights, probabilities)

    def wins(self, candidate: Scored, incumbent: Scored) -> bool:
        """Whether ``candidate`` scores higher than ``incumbent`` on at least ``confidence`` of the paired
        bootstrap resamples of the validation clips (any higher score when ``confidence`` is 0)."""
        return surely_higher(self.validation_labels, candidate.probabilities, candidate.score,
                             incumbent.probabilities, incumbent.score, self.confidence, self.resamples,
                             self.seed + self.candidates)

    def join(self, member: Member, like: Member) -> None:
        """Add ``member`` (not validated, e.g. a refit) to the returned ensemble with the weight of ``like``,
        one of its members; the weights are normalised again and the validation score is kept."""
        weights = {**self.returned.weights, member: self.returned.weights[like]}
        total = sum(weights.values())
        self.returned = self.returned._replace(weights={m: weight / total for m, weight in weights.items()})
