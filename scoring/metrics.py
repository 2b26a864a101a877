"""The official AutoSpeech 2019 metrics: normalised AUC per prediction and the area under the learning curve."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sklearn.metrics import roc_auc_score

from ingestion.dataset import time_budget_problem

T0 = 60.0  # seconds; the official kit's t0 of the time transform


class ScoringError(ValueError):
    """Predictions or solution cannot be scored; the message says which file or why."""


def normalized_auc(solution: np.ndarray, prediction: np.ndarray) -> float:
    """2·AUC − 1, AUC being the unweighted mean ROC AUC (ties ranked averaged) over the class columns that
    hold both positives and negatives."""
    solution = np.asarray(solution)
    prediction = np.asarray(prediction, dtype=np.float64)
    if solution.shape != prediction.shape:
        raise ScoringError(f"prediction shape {prediction.shape} differs from solution shape {solution.shape}")
    columns = [j for j in range(solution.shape[1]) if 0 < solution[:, j].sum() < solution.shape[0]]
    if not columns:
        raise ScoringError("no class column of the solution has both positive and negative examples")
    auc = np.mean([roc_auc_score(solution[:, j], prediction[:, j]) for j in columns])
    return float(2 * auc - 1)


def check_time_budget(time_budget: float) -> float:
    """``time_budget`` when :func:`ingestion.dataset.time_budget_problem` finds none (so that log(1 + T/t0) > 0),
    else ScoringError."""
    problem = time_budget_problem(time_budget)
    if problem:
        raise ScoringError(f"the time budget {problem}, got {time_budget:g} s")
    return time_budget


def transform_time(seconds: float, time_budget: float, t0: float = T0) -> float:
    """t~ = log(1 + t/t0) / log(1 + T/t0), mapping [0, T] onto [0, 1]."""
    return math.log1p(seconds / t0) / math.log1p(check_time_budget(time_budget) / t0)


def area_under_learning_curve(times: Sequence[float], scores: Sequence[float], time_budget: float,
                              t0: float = T0) -> float:
    """Area under the step curve that starts at (0, 0) and holds each score from its transformed time until
    the next prediction (the last until t~ = 1). Predictions made after ``time_budget`` are ignored.

    Times must be finite and non-negative and scores within [-1, 1] (else ScoringError), so the counted
    points lie in [0, 1] × [-1, 1] and the area within [-1, 1].
    """
    check_time_budget(time_budget)
    for seconds, score in zip(times, scores, strict=True):
        if not 0 <= seconds < math.inf:
            raise ScoringError(f"a prediction time must be finite and non-negative, got {seconds:g} s")
        if not -1 <= score <= 1:
            raise ScoringError(f"a score 2·AUC − 1 must be within [-1, 1], got {score:g}")
    points = sorted((transform_time(t, time_budget, t0), s) for t, s in zip(times, scores) if t <= time_budget)
    area = 0.0
    for (start, score), (end, _) in zip(points, points[1:] + [(1.0, 0.0)]):
        area += score * (end - start)
    return area
