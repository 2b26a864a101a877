"""Scoring: 2·AUC − 1 and the ALC against values computed by hand from the official formulas."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autospeech_model.training import validation_score
from ingestion.dataset import DatasetError
from ingestion.records import EndRecord, StartRecord
from scoring.metrics import ScoringError, area_under_learning_curve, normalized_auc, transform_time
from scoring.score import score_predictions, write_score_outputs

LN31 = math.log(31)  # log(1 + 1800/60), the denominator of the time transform for T = 1800 s
REPOSITORY = Path(__file__).resolve().parent.parent

# Two classes (rows: class 0, class 1, class 0, class 1) and an empty third class.
SOLUTION = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]])


def test_one_perfect_prediction_at_one_minute():
    # t~ = ln(1 + 60/60) / ln(1 + 1800/60) = ln 2 / ln 31; the score 1 is held from there to 1.
    assert area_under_learning_curve([60.0], [1.0], 1800) == pytest.approx(1 - math.log(2) / LN31)
    assert area_under_learning_curve([60.0], [1.0], 1800) == pytest.approx(0.7982, abs=1e-4)


def test_two_predictions():
    # 0.5 held from ln2/ln31 to ln8/ln31 (t = 420 s), then 0.8 until 1: 0.5·2ln2/ln31 + 0.8·(1 − 3ln2/ln31).
    expected = 0.8 - 1.4 * math.log(2) / LN31
    assert area_under_learning_curve([60.0, 420.0], [0.5, 0.8], 1800) == pytest.approx(expected)
    assert expected == pytest.approx(0.51741, abs=1e-5)


def test_predictions_after_the_budget_are_ignored():
    assert area_under_learning_curve([60.0, 1801.0], [1.0, -1.0], 1800) == pytest.approx(1 - math.log(2) / LN31)


def test_prediction_at_time_zero_holds_over_the_whole_curve():
    assert area_under_learning_curve([0.0], [0.6], 1800) == pytest.approx(0.6)


def test_no_prediction_gives_zero():
    assert area_under_learning_curve([], [], 1800) == 0.0


def test_transform_time_maps_budget_to_one():
    assert transform_time(1800, 1800) == pytest.approx(1.0)
    assert transform_time(60, 1800) == pytest.approx(math.log(2) / LN31)


@pytest.mark.parametrize("budget, problem", [(0, "must be a positive number of seconds, at most 604800 (a week)"),
                                             (5e-324, "must be at least 0.001 s (a millisecond)")])
def test_a_time_budget_the_transform_cannot_use_is_a_scoring_error(budget, problem):
    # 5e-324 s once divided by log1p(5e-324 / 60) == 0.0
    with pytest.raises(ScoringError, match=re.escape(f"the time budget {problem}, got {budget:g} s")):
        transform_time(10, budget)


def test_class_without_positives_is_skipped():
    # Column 0 ranks perfectly (AUC 1); column 1: positives 0.4, 0.6 against negatives 0.3, 0.5 win 3 of 4
    # pairs (AUC 0.75); column 2 has no positive and is skipped: AUC = 0.875, 2·AUC − 1 = 0.75.
    prediction = np.array([[0.9, 0.3, 0.1], [0.1, 0.4, 0.9], [0.8, 0.5, 0.2], [0.2, 0.6, 0.3]])
    assert normalized_auc(SOLUTION, prediction) == pytest.approx(0.75)


def test_ties_count_half():
    # Column 0: positives 0.5, 0.5 vs negatives 0.5, 0.2: pairs 0.5, 1, 0.5, 1 -> AUC 0.75.
    # Column 1: positives 0.5, 0.8 vs negatives 0.5, 0.5: pairs 0.5, 0.5, 1, 1 -> AUC 0.75. Score 2·0.75 − 1.
    solution = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
    prediction = np.array([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.2, 0.8]])
    assert normalized_auc(solution, prediction) == pytest.approx(0.5)


def test_constant_prediction_scores_zero():
    assert normalized_auc(SOLUTION, np.full(SOLUTION.shape, 0.3)) == pytest.approx(0.0)


def test_no_scorable_class_is_an_error():
    with pytest.raises(ScoringError, match="no class column"):
        normalized_auc(np.array([[1, 0], [1, 0]]), np.array([[0.5, 0.5], [0.4, 0.6]]))


def write_run(directory: Path, predictions: list[np.ndarray], times: list[float], budget: float = 1800) -> Path:
    """Write a finished ingestion run by hand: predictions, start.txt and end.txt."""
    directory.mkdir(parents=True, exist_ok=True)
    for index, prediction in enumerate(predictions):
        np.savetxt(directory / f"task.predict_{index}", prediction)
    StartRecord("task", budget, 0.0, dict(enumerate(times))).write(directory)
    EndRecord(times[-1] + 1 if times else 1.0, True).write(directory)
    return directory


@pytest.fixture
def solution_file(tmp_path: Path) -> Path:
    path = tmp_path / "task.solution"
    np.savetxt(path, SOLUTION, fmt="%d")
    return path


def test_score_predictions_from_files(tmp_path, solution_file):
    # Prediction 0 is constant (score 0) at 60 s, prediction 1 ranks every class perfectly (score 1) at 420 s.
    constant = np.full(SOLUTION.shape, 1 / 3)
    run = write_run(tmp_path / "run", [constant, SOLUTION * 0.9 + 0.05], [60.0, 420.0])
    result = score_predictions(run, solution_file)
    assert [p.score for p in result.predictions] == pytest.approx([0.0, 1.0])
    assert result.alc == pytest.approx(1 - 3 * math.log(2) / LN31)
    assert result.final_score == pytest.approx(1.0)
    assert result.duration == pytest.approx(421.0)


def test_time_budget_argument_overrides_the_record(tmp_path, solution_file):
    run = write_run(tmp_path / "run", [SOLUTION.astype(float)], [60.0], budget=1800)
    # With T = 60 s the prediction sits at t~ = 1 and counts for nothing; with T = 1800 s it counts.
    assert score_predictions(run, solution_file, time_budget=60).alc == pytest.approx(0.0)
    assert score_predictions(run, solution_file).alc == pytest.approx(1 - math.log(2) / LN31)


def test_score_outputs(tmp_path, solution_file):
    run = write_run(tmp_path / "run", [SOLUTION.astype(float)], [60.0])
    result = score_predictions(run, solution_file)
    report = write_score_outputs(result, tmp_path / "scores")
    assert (tmp_path / "scores" / "scores.txt").read_text() == f"score: {result.alc:.6f}\nDuration: 61.00\n"
    assert (tmp_path / "scores" / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = report.read_text()
    assert 'src="data:image/png;base64,' in page
    assert "<td>0</td><td>60.00</td><td>0.2018</td><td>1.0000</td>" in page
    assert "ingestion succeeded." in page
    (run / "end.txt").unlink()  # ingestion still running, or killed before writing it
    assert "ingestion unfinished (no end.txt)." in write_score_outputs(score_predictions(run, solution_file),
                                                                       tmp_path / "unfinished").read_text()


def test_prediction_with_wrong_rows_names_both_files(tmp_path, solution_file):
    run = write_run(tmp_path / "run", [np.full((5, 3), 0.2)], [60.0])
    with pytest.raises(ScoringError, match=r"task\.predict_0 has shape \(5, 3\).*task\.solution"):
        score_predictions(run, solution_file)


def test_missing_prediction_file_is_named(tmp_path, solution_file):
    run = write_run(tmp_path / "run", [SOLUTION.astype(float)], [60.0])
    StartRecord("task", 1800, 0.0, {0: 60.0, 1: 90.0}).write(run)
    with pytest.raises(ScoringError, match=r"missing prediction file .*task\.predict_1"):
        score_predictions(run, solution_file)


def test_non_one_hot_solution_is_named(tmp_path):
    run = write_run(tmp_path / "run", [SOLUTION.astype(float)], [60.0])
    bad = tmp_path / "bad.solution"
    bad.write_text("1 0 0\n0 2 0\n1 0 0\n0 1 0\n")
    with pytest.raises(DatasetError, match="bad.solution"):
        score_predictions(run, bad)


def test_command_line_prints_alc_and_fails_cleanly(tmp_path, solution_file):
    run = write_run(tmp_path / "run", [SOLUTION.astype(float)], [60.0])
    command = [sys.executable, "-m", "scoring", "--predictions", str(run), "--solution", str(solution_file)]
    done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, check=True)
    assert f"ALC {1 - math.log(2) / LN31:.4f}" in done.stdout
    assert (run / "detailed_results.html").exists()
    missing = subprocess.run(command[:-1] + [str(tmp_path / "nope.solution")], cwd=REPOSITORY,
                             capture_output=True, text=True)
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"python -m scoring: error: missing solution file: {tmp_path / 'nope.solution'}"


@pytest.mark.parametrize("spoiled, spoil, problem", [
    ("solution", lambda path: path.write_text(""), "solution file {path} is empty"),
    ("solution", lambda path: (path.unlink(), path.mkdir()), "cannot read solution file {path}: Is a directory"),
    ("solution", lambda path: path.write_text("1 0 0\n" * 4),
     "solution file {path}: every test clip is of class 0; scoring needs test clips of at least two classes"),
    ("prediction", lambda path: path.write_text("\n"), "prediction file {path} is empty"),
    ("prediction", lambda path: (path.unlink(), path.mkdir()), "cannot read prediction file {path}: Is a directory"),
])
def test_an_empty_unreadable_or_unscorable_table_is_named(tmp_path, solution_file, spoiled, spoil, problem):
    run = write_run(tmp_path / "run", [SOLUTION.astype(float)], [60.0])
    path = solution_file if spoiled == "solution" else run / "task.predict_0"
    spoil(path)
    done = subprocess.run([sys.executable, "-m", "scoring", "--predictions", str(run), "--solution",
                           str(solution_file)], cwd=REPOSITORY, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr == f"python -m scoring: error: {problem.format(path=path)}\n"  # no numpy warning line


@settings(max_examples=60, deadline=None)
@given(classes=st.integers(2, 6), clips=st.integers(2, 40), seed=st.integers(0, 2**32 - 1))
def test_the_models_validation_score_is_the_scorers_metric(classes, clips, seed):
    """The submission may not import the scorer, so it has its own 2·AUC − 1; both must agree, ties included
    (probabilities rounded to one decimal) and classes without positives or negatives skipped alike."""
    rng = np.random.default_rng(seed)
    labels = np.eye(classes)[rng.integers(0, classes, clips)]
    probabilities = rng.dirichlet(np.ones(classes), clips).round(1)
    expected = None if not any(0 < labels[:, j].sum() < clips for j in range(classes)) \
        else normalized_auc(labels, probabilities)
    assert validation_score(labels, probabilities) == pytest.approx(expected, abs=1e-12)
