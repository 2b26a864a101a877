"""Scoring trusts nothing it reads: start.txt/end.txt and prediction files are checked line by line, errors
name the file and line, and the ALC stays within [-1, 1] whatever the inputs."""

from __future__ import annotations

import logging
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REPOSITORY
from hypothesis import given
from hypothesis import strategies as st

from ingestion.dataset import MAX_TIME_BUDGET, MIN_TIME_BUDGET
from ingestion.records import RecordError, read_end_record, read_start_record
from scoring.metrics import ScoringError, area_under_learning_curve
from scoring.score import score_predictions

SOLUTION = np.array([[1, 0], [0, 1], [1, 0], [0, 1]])
PERFECT = SOLUTION * 0.8 + 0.1
HEADER = "task_name: task\ntime_budget: 1800\nstart_time: 1700000000.000\n"


def write_start(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "start.txt").write_text(text)
    return directory / "start.txt"


@pytest.fixture
def run(tmp_path: Path) -> Path:
    """A run folder with three perfect predictions task.predict_0..2 and the solution beside it."""
    directory = tmp_path / "run"
    directory.mkdir()
    for index in range(3):
        np.savetxt(directory / f"task.predict_{index}", PERFECT)
    np.savetxt(tmp_path / "task.solution", SOLUTION, fmt="%d")
    return directory


@pytest.mark.parametrize("lines, line, problem", [
    ("0: 60\n1: -3\n", 5, "the time of prediction 1 must be finite and at least 0, got -3"),
    ("0: nan\n", 4, "the time of prediction 0 must be finite and at least 0, got nan"),
    ("0: inf\n", 4, "the time of prediction 0 must be finite and at least 0, got inf"),
    ("0: soon\n", 4, "the time of prediction 0 must be a number, got 'soon'"),
    ("0: 60\n1: 90\n1: 5\n", 6, "duplicate key '1' (first on line 5)"),
    ("0: 60\n2: 90\n", 5, "prediction 2 is recorded, prediction 1 is not"),
    ("1: 60\n", 4, "prediction 1 is recorded, prediction 0 is not"),
    ("0: 60\n1: 60\n", 5, "prediction 1 at 60 s is not later than prediction 0 at 60 s"),
    ("0: 60\n1: 30\n", 5, "prediction 1 at 30 s is not later than prediction 0 at 60 s"),
    ("0: 60\n-1: 5\n", 5, "prediction index '-1' must be written 0, 1, 2, ..."),
    ("0: 60\n01: 90\n", 5, "prediction index '01' must be written 0, 1, 2, ..."),
    ("0: 60\n" + "9" * 5000 + ": 2\n", 5, "a prediction index of 5,000 digits is no prediction's"),
    ("0: 60\ntask_name: other\n", 5, "duplicate key 'task_name' (first on line 1)"),
    ("0 60\n", 4, "expected 'key: value', got '0 60'"),
])
def test_bad_prediction_times_are_named_by_file_and_line(tmp_path, lines, line, problem):
    path = write_start(tmp_path, HEADER + lines)
    with pytest.raises(RecordError, match=re.escape(f"{path} line {line}: {problem}")):
        read_start_record(tmp_path)


@pytest.mark.parametrize("task_name, problem", [
    ("../other/task", "it holds a path separator"), ("a\\b", "it holds a path separator"),
    ("..", "'..' is not a name"), (".", "'.' is not a name"), ("", "'' is not a name"),
    ("ta\x1bsk", "it holds control character(s) \\x1b"),
])
def test_a_task_name_that_is_not_a_plain_name_is_refused(tmp_path, task_name, problem):
    path = write_start(tmp_path, HEADER.replace("task_name: task", f"task_name: {task_name}"))
    with pytest.raises(RecordError, match=re.escape(f"{path} line 1: task_name {task_name!r} must be a plain "
                                                    f"name: {problem}")):
        read_start_record(tmp_path)


@pytest.mark.parametrize("budget, problem", [
    *[(budget, f"time_budget must be a positive number of seconds, at most 604800 (a week), got {budget}")
      for budget in ("0", "-5", "604801")],
    ("5e-324", "time_budget must be at least 0.001 s (a millisecond), got 5e-324"),  # log1p(5e-324 / 60) is 0.0
    ("nan", "time_budget must be finite, got nan"), ("inf", "time_budget must be finite, got inf"),
    ("fast", "time_budget must be a number, got 'fast'"),
])
def test_a_recorded_time_budget_must_be_one_the_scorer_can_use(tmp_path, budget, problem):
    path = write_start(tmp_path, HEADER.replace("time_budget: 1800", f"time_budget: {budget}"))
    with pytest.raises(RecordError, match=re.escape(f"{path} line 2: {problem}")):
        read_start_record(tmp_path)


def test_a_missing_key_is_named(tmp_path):
    path = write_start(tmp_path, "task_name: task\nstart_time: 0\n")
    with pytest.raises(RecordError, match=re.escape(f"{path} lacks the key 'time_budget'")):
        read_start_record(tmp_path)


def test_appended_lines_with_a_cut_short_last_line_keep_the_earlier_predictions(run, caplog):
    # An appending writer killed mid-line leaves "2: 4" of "2: 412.5": that time is unknown, not 4 s.
    path = write_start(run, HEADER + "0: 60.000\n1: 420.000\n2: 4")
    caplog.set_level(logging.WARNING)
    result = score_predictions(run, run.parent / "task.solution")
    assert [(p.index, p.time) for p in result.predictions] == [(0, 60.0), (1, 420.0)]
    assert f"ignoring {path} line 6: it has no newline at its end (a write cut short?)" in caplog.text
    assert f"ignoring {run / 'task.predict_2'}: start.txt records no time for it" in caplog.text
    assert result.alc == pytest.approx(1 - math.log(2) / math.log(31))


def test_unknown_keys_of_the_official_kit_are_ignored(tmp_path):
    write_start(tmp_path, "ingestion_pid: 4242\n" + HEADER + "0: 60\n")
    assert read_start_record(tmp_path).prediction_times == {0: 60.0}


@pytest.mark.parametrize("text, line, problem", [
    ("ingestion_duration: 5\ningestion_success: yes\n", 2, "ingestion_success must be 0 or 1, got 'yes'"),
    ("ingestion_duration: -1\ningestion_success: 1\n", 1, "ingestion_duration must be finite and at least 0, got -1"),
    ("ingestion_duration: 5\ningestion_success: 1\ningestion_success: 0\n", 3, "duplicate key 'ingestion_success'"),
])
def test_a_malformed_end_record_is_named_by_file_and_line(tmp_path, text, line, problem):
    (tmp_path / "end.txt").write_text(text)
    with pytest.raises(RecordError, match=re.escape(f"{tmp_path / 'end.txt'} line {line}: {problem}")):
        read_end_record(tmp_path)


def test_nan_in_a_prediction_file_is_an_error_naming_it(run):
    write_start(run, HEADER + "0: 60\n1: 90\n")
    broken = PERFECT.copy()
    broken[2, 1] = np.nan
    np.savetxt(run / "task.predict_1", broken)
    with pytest.raises(ScoringError, match=re.escape(f"prediction file {run / 'task.predict_1'} row 3 column 2 "
                                                     f"holds nan: every value must be finite")):
        score_predictions(run, run.parent / "task.solution")


@pytest.mark.parametrize("budget", [0.0, -1.0, 5e-324, math.inf, math.nan])
def test_a_time_budget_override_must_be_one_the_transform_can_use(run, budget):
    write_start(run, HEADER)
    with pytest.raises(ScoringError, match="the time budget must be"):
        score_predictions(run, run.parent / "task.solution", time_budget=budget)


def score_command(run: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoring", "--predictions", str(run), *extra], cwd=REPOSITORY,
                          capture_output=True, text=True)


def test_the_command_refuses_a_negative_time_and_a_path_in_task_name_in_one_line(run):
    # Before: a time of -1e6 s gave ALC 23.24, and task_name ../other/task scored another folder's predictions.
    start = write_start(run, HEADER + "0: -1000000\n")
    done = score_command(run, "--solution", str(run.parent / "task.solution"))
    assert done.returncode == 2 and done.stderr == (f"python -m scoring: error: {start} line 4: the time of "
                                                    f"prediction 0 must be finite and at least 0, got -1000000\n")
    write_start(run, HEADER.replace("task_name: task", "task_name: ../other/task") + "0: 60\n")
    done = score_command(run, "--solution_dir", str(run.parent))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert f"{start} line 1: task_name '../other/task' must be a plain name" in done.stderr
    assert not (run / "scores.txt").exists()


def link_start_to_dev_zero(run: Path) -> None:
    (run / "start.txt").symlink_to("/dev/zero")


# (how to spoil the run or its command line, the one line of the error after "start.txt" or the argument)
UNUSABLE_RECORDS = {
    "a tiny recorded budget": (lambda run: write_start(run, HEADER.replace("1800", "5e-324") + "0: 0\n"), [],
                               " line 2: time_budget must be at least 0.001 s (a millisecond), got 5e-324"),
    "a tiny budget argument": (lambda run: write_start(run, HEADER + "0: 0\n"), ["--time-budget", "5e-324"],
                               "argument --time-budget/--time_budget: must be at least 0.001 s (a millisecond), "
                               "got 5e-324"),
    "a prediction index of 5,000 digits": (lambda run: write_start(run, HEADER + "0: 0\n" + "9" * 5000 + ": 2\n"),
                                           [], " line 5: a prediction index of 5,000 digits is no prediction's"),
    "start.txt linked to /dev/zero": (link_start_to_dev_zero, [], " is larger than 1,000,000 bytes"),
}


@pytest.mark.parametrize("case", UNUSABLE_RECORDS)
def test_a_record_or_budget_the_scorer_cannot_use_is_one_line_naming_it(run, case):
    spoil, options, problem = UNUSABLE_RECORDS[case]
    spoil(run)
    done = score_command(run, "--solution", str(run.parent / "task.solution"), *options)
    lines = done.stderr.splitlines()
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(lines) == 1 or options  # argparse prints its usage before an argument's error
    assert lines[-1].endswith(problem if options else f"{run / 'start.txt'}{problem}")
    assert not (run / "scores.txt").exists()


@given(st.lists(st.tuples(st.floats(0, 1e7), st.floats(-1, 1)), max_size=30),
       st.floats(MIN_TIME_BUDGET, MAX_TIME_BUDGET))
def test_the_alc_stays_within_minus_one_and_one(points, budget):
    times, scores = [t for t, _ in points], [s for _, s in points]
    assert -1 <= area_under_learning_curve(times, scores, budget) <= 1


@pytest.mark.parametrize("times, scores, problem", [
    ([-1.0], [1.0], "a prediction time must be finite and non-negative, got -1 s"),
    ([math.nan], [1.0], "a prediction time must be finite and non-negative, got nan s"),
    ([1.0], [1.5], "a score 2·AUC − 1 must be within [-1, 1], got 1.5"),
])
def test_the_alc_refuses_what_would_break_its_bounds(times, scores, problem):
    with pytest.raises(ScoringError, match=re.escape(problem)):
        area_under_learning_curve(times, scores, 1800)
