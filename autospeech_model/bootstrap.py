"""The paired bootstrap of the validation score: how often one prediction beats another when the validation
clips are drawn again with replacement (Efron & Tibshirani 1993, ch. 16; the paired test of Koehn 2004).

Both predictions are scored on the same resamples, so what they share (the same hard clips) cancels out, and a
gain is believed only when it holds on most resamples. Every resample is a vector of clip counts; the score is
the platform's 2·AUC − 1 with those counts as weights (a clip drawn twice counts twice), computed for all
resamples at once per class.
"""

from __future__ import annotations

import numpy as np


def weighted_auc(positive: np.ndarray, scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ROC AUC of ``scores`` for the boolean ``positive`` under each row of ``weights`` (resamples × clips);
    ties count a half; NaN for a row without both positive and negative weight."""
    order = np.argsort(scores, kind="stable")
    ordered = scores[order]
    tie_starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    is_positive = positive[order]
    ordered_weights = weights[:, order]
    positive_weight = np.add.reduceat(ordered_weights * is_positive, tie_starts, axis=1)
    negative_weight = np.add.reduceat(ordered_weights * ~is_positive, tie_starts, axis=1)
    negatives_below = np.cumsum(negative_weight, axis=1) - negative_weight
    pairs = (positive_weight * (negatives_below + 0.5 * negative_weight)).sum(axis=1)
    total = positive_weight.sum(axis=1) * negative_weight.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, pairs / total, np.nan)


def resampled_scores(labels: np.ndarray, probabilities: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """2·AUC − 1 (the mean over the classes with both positives and negatives in the resample) per resample."""
    positive = np.asarray(labels) > 0
    per_class = np.stack([weighted_auc(positive[:, c], probabilities[:, c], weights)
                          for c in range(positive.shape[1])], axis=1)
    counted = ~np.isnan(per_class)
    with np.errstate(invalid="ignore"):
        return 2 * np.nansum(per_class, axis=1) / counted.sum(axis=1) - 1


def resample_counts(clips: int, resamples: int, seed: int) -> np.ndarray:
    """``resamples`` bootstrap draws of ``clips`` clips with replacement, each a row of per-clip counts."""
    return np.random.default_rng(seed).multinomial(clips, np.full(clips, 1 / clips), size=resamples)


def win_rate(labels: np.ndarray, candidate: np.ndarray, reference: np.ndarray, resamples: int,
             seed: int) -> float:
    """The share of ``resamples`` bootstrap resamples of the clips on which ``candidate`` scores higher than
    ``reference`` (resamples where either cannot be scored are left out; 0 when none can)."""
    weights = resample_counts(len(labels), resamples, seed)
    difference = resampled_scores(labels, candidate, weights) - resampled_scores(labels, reference, weights)
    scored = ~np.isnan(difference)
    return float((difference[scored] > 0).mean()) if scored.any() else 0.0


def surely_higher(labels: np.ndarray, candidate: np.ndarray, candidate_score: float | None, reference: np.ndarray,
                  reference_score: float | None, confidence: float, resamples: int, seed: int) -> bool:
    """Whether ``candidate`` scores higher than ``reference`` and does so on at least ``confidence`` of the
    paired resamples (:func:`win_rate`; any higher score when ``confidence`` is 0); a known score beats an
    unknown (None) one."""
    if candidate_score is None or reference_score is None:
        return candidate_score is not None
    if candidate_score <= reference_score:
        return False
    return not confidence or win_rate(labels, candidate, reference, resamples, seed) >= confidence
