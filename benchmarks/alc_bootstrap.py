"""How sure an ALC difference between two models is, given how few test clips a dataset has.

A sample dataset's test set holds 34–61 clips, so two runs' ALCs differ by chance of the draw of test clips as
well as by the models. The paired bootstrap over test clips (Efron & Tibshirani 1993, ch. 16; the same test as
:mod:`autospeech_model.bootstrap`, here on the test set): draw the test clips again with replacement, score
every saved prediction of both models on the same draw, take each run's ALC on it (with repeated runs, each
model's median), and count the draws on which the model's ALC is at least the baseline's. A share near 1 (or 0)
says the test clips agree on the order; near 0.5, that they cannot tell the two apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autospeech_model.bootstrap import resample_counts, resampled_scores
from ingestion.dataset import load_labels
from ingestion.records import read_start_record
from scoring.metrics import area_under_learning_curve
from scoring.score import load_prediction

RESAMPLES = 2000  # ours: draws of the test clips (the share's standard error is at most 0.011)


def resampled_alc(predictions_dir: Path, solution: np.ndarray, solution_file: Path,
                  weights: np.ndarray) -> np.ndarray:
    """The run's ALC (:func:`scoring.metrics.area_under_learning_curve`) with the test clips counted by each row
    of ``weights`` (resamples × clips), each prediction scored on every row at once; NaN for a row on which no
    class has both positive and negative clips."""
    start = read_start_record(predictions_dir)
    times = sorted(start.prediction_times.items())
    if not times:
        return np.zeros(len(weights))
    scores = np.stack([resampled_scores(solution, load_prediction(
        predictions_dir / f"{start.task_name}.predict_{index}", solution, solution_file), weights)
        for index, _ in times], axis=1)
    seconds = [seconds for _, seconds in times]
    return np.array([np.nan if np.isnan(row).any() else area_under_learning_curve(seconds, row, start.time_budget)
                     for row in scores])


@dataclass(frozen=True)
class Comparison:
    """A model against a baseline on one dataset: the ALC difference (model − baseline) on the test clips as
    they are, its 5th and 95th percentiles over the draws, and the share of draws with the model at least as
    high."""

    dataset: str
    model: str
    baseline: str
    difference: float
    low: float
    high: float
    share: float

    def cells(self) -> list[str]:
        return [self.dataset, self.model, self.baseline, f"{self.difference:+.4f}",
                f"{self.low:+.4f}..{self.high:+.4f}", f"{self.share:.2f}"]


COLUMNS = ("dataset", "model", "baseline", "ALC difference", "5-95 % over test draws", "share model >= baseline")


def compare(solution_file: Path, model_runs: list[Path], baseline_runs: list[Path], resamples: int = RESAMPLES,
            seed: int = 0) -> tuple[float, float, float, float]:
    """(difference on the test set as it is, 5th and 95th percentile of the difference over ``resamples``
    draws, share of draws with the model's ALC ≥ the baseline's); each side's ALC is the median over its runs.
    Draws on which no class has both positive and negative clips cannot be scored and are left out."""
    solution = load_labels(solution_file, None)
    clips = len(solution)
    # row 0: every clip once (the test set as it is), then the draws
    weights = np.vstack([np.ones((1, clips)), resample_counts(clips, resamples, seed)])

    def median_alc(runs: list[Path]) -> np.ndarray:
        return np.median([resampled_alc(run, solution, solution_file, weights) for run in runs], axis=0)

    difference = median_alc(model_runs) - median_alc(baseline_runs)
    drawn = difference[1:][~np.isnan(difference[1:])]
    if not len(drawn):
        return float(difference[0]), np.nan, np.nan, np.nan
    low, high = np.percentile(drawn, [5, 95])
    return float(difference[0]), float(low), float(high), float((drawn >= 0).mean())
