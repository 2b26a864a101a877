"""Score an ingestion run: every ``NAME.predict_K`` against the test solution, then the ALC.

Prediction times and the time budget come from the run's start.txt (see :mod:`ingestion.records`); a
``time_budget`` passed here overrides the recorded one. Outputs (:func:`write_score_outputs`): ``scores.txt``
(``score: ALC`` and ``Duration: seconds``, the ingestion duration from end.txt, else the last prediction's
time), ``learning_curve.png`` and ``detailed_results.html``, each written atomically and never through a link
(:func:`ingestion.safe_files.write_atomically`).
"""

from __future__ import annotations

import argparse
import glob
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingestion.command import budget_argument
from ingestion.dataset import check_scorable, load_labels, read_table
from ingestion.records import read_end_record, read_start_record
from ingestion.safe_files import write_atomically
from scoring.metrics import ScoringError, area_under_learning_curve, normalized_auc, transform_time
from scoring.report import detailed_results_html, learning_curve_png

SCORES_FILE = "scores.txt"
CURVE_FILE = "learning_curve.png"
DETAILS_FILE = "detailed_results.html"

logger = logging.getLogger(__name__)


@dataclass
class PredictionScore:
    """One prediction: index K, charged time (s), transformed time, 2·AUC − 1, and whether the ALC counts it."""

    index: int
    time: float
    transformed_time: float
    score: float
    counted: bool


@dataclass
class ScoreResult:
    """The ALC of a run and the score of each of its predictions."""

    task_name: str
    time_budget: float
    alc: float
    predictions: list[PredictionScore]
    duration: float
    ingestion_success: bool | None

    @property
    def final_score(self) -> float | None:
        """2·AUC − 1 of the last prediction counted in the ALC (None without one)."""
        counted = [p.score for p in self.predictions if p.counted]
        return counted[-1] if counted else None


def load_prediction(path: Path, solution: np.ndarray, solution_file: Path) -> np.ndarray:
    """Read one prediction file and check it has the solution's shape and only finite values."""
    prediction = read_table(path, "prediction file", ScoringError)
    if prediction.shape != solution.shape:
        raise ScoringError(f"prediction file {path} has shape {prediction.shape}, but the solution file "
                           f"{solution_file} has shape {solution.shape}")
    bad = np.argwhere(~np.isfinite(prediction))
    if bad.size:
        row, column = bad[0]
        raise ScoringError(f"prediction file {path} row {row + 1} column {column + 1} holds "
                           f"{prediction[row, column]}: every value must be finite")
    return prediction


def score_predictions(predictions_dir: str | Path, solution_file: str | Path,
                      time_budget: float | None = None) -> ScoreResult:
    """Score the predictions of one ingestion run in ``predictions_dir`` against ``solution_file``."""
    predictions_dir = Path(predictions_dir)
    start = read_start_record(predictions_dir)
    end = read_end_record(predictions_dir)
    budget = float(time_budget) if time_budget is not None else start.time_budget
    solution_file = Path(solution_file)
    solution = check_scorable(load_labels(solution_file, None), solution_file)
    for path in sorted(predictions_dir.glob(f"{glob.escape(start.task_name)}.predict_*")):
        index = path.name.rpartition("_")[2]
        if not index.isdigit() or int(index) not in start.prediction_times:
            logger.warning("ignoring %s: start.txt records no time for it", path)
    scores = []
    for index, seconds in sorted(start.prediction_times.items()):
        path = predictions_dir / f"{start.task_name}.predict_{index}"
        if not path.exists():
            raise ScoringError(f"missing prediction file {path} (start.txt records its time)")
        score = normalized_auc(solution, load_prediction(path, solution, solution_file))
        scores.append(PredictionScore(index, seconds, transform_time(seconds, budget), score, seconds <= budget))
    alc = area_under_learning_curve([p.time for p in scores], [p.score for p in scores], budget)
    duration = end.ingestion_duration if end else (scores[-1].time if scores else 0.0)
    return ScoreResult(start.task_name, budget, alc, scores, duration, end.ingestion_success if end else None)


def write_score_outputs(result: ScoreResult, output_dir: str | Path) -> Path:
    """Write scores.txt, the learning-curve PNG and detailed_results.html; returns the HTML's path."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(output_dir / SCORES_FILE, f"score: {result.alc:.6f}\nDuration: {result.duration:.2f}\n")
    curve = learning_curve_png(result)
    write_atomically(output_dir / CURVE_FILE, curve)
    write_atomically(output_dir / DETAILS_FILE, detailed_results_html(result, curve))
    return output_dir / DETAILS_FILE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--predictions", "--prediction_dir", dest="predictions", required=True,
                        help="ingestion output folder (NAME.predict_K, start.txt)")
    solution = parser.add_mutually_exclusive_group(required=True)
    solution.add_argument("--solution", help="test solution file NAME/NAME.solution")
    solution.add_argument("--solution_dir", help="the official kit's form: a folder holding NAME.solution, NAME "
                                                 "being the task_name of start.txt")
    parser.add_argument("--output", "--score_dir", dest="output", default=None,
                        help="folder for scores.txt and the report (default: the predictions folder)")
    parser.add_argument("--time-budget", "--time_budget", dest="time_budget", type=budget_argument, default=None,
                        help="seconds; overrides the budget recorded in start.txt")


def main(args: argparse.Namespace) -> int:
    """Score, write the outputs and print the ALC. Bad inputs raise DatasetError / RecordError / ScoringError
    (ValueErrors), which the command line reports as one line with exit code 2."""
    solution = args.solution or Path(args.solution_dir) / f"{read_start_record(args.predictions).task_name}.solution"
    result = score_predictions(args.predictions, solution, args.time_budget)
    report = write_score_outputs(result, args.output or args.predictions)
    print(f"ALC {result.alc:.4f} over {len(result.predictions)} prediction(s); report: {report}")
    return 0
