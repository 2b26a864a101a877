"""Ingestion: the official train/test loop on real dummy submissions, budgets, failures and bad datasets."""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import run_arguments
from stopping import DUMMY_MODELS, child_processes, scripted_model, wait_for_first_prediction, wait_until_gone

from autospeech import run as run_local
from ingestion.dataset import DatasetError, load_dataset, save_dataset, solution_path
from ingestion.in_process import InProcessSubmission
from ingestion.ingestion import check_prediction, resolve_time_budget, run_ingestion
from ingestion.records import read_end_record, read_start_record
from ingestion.submission import IngestionError
from ingestion.timing import TimeoutException, time_limit
from scoring.metrics import ScoringError
from scoring.score import score_predictions

REPOSITORY = Path(__file__).resolve().parent.parent


def test_class_prior_model_end_to_end(tiny_dataset, tmp_path):
    result = run_ingestion(tiny_dataset, DUMMY_MODELS / "class_prior", tmp_path / "out")
    assert result.success and result.error is None
    assert len(result.prediction_times) == 1
    prediction = np.loadtxt(result.prediction_paths[0])
    np.testing.assert_allclose(prediction, np.full((6, 3), 1 / 3))  # 4 train clips in each of 3 classes
    start = read_start_record(tmp_path / "out")
    assert (start.task_name, start.time_budget) == ("tiny", 1800)
    assert start.prediction_times == pytest.approx({0: result.prediction_times[0]}, abs=1e-3)
    assert read_end_record(tmp_path / "out").ingestion_success
    # Equal scores for every clip rank nothing: AUC 0.5 in every class, 2·AUC − 1 = 0, so the ALC is 0.
    assert score_predictions(tmp_path / "out", solution_path(tiny_dataset)).alc == pytest.approx(0.0)


def test_alc_matches_hand_calculation_from_recorded_times(tiny_dataset, tmp_path):
    # Round 1 predicts class frequencies (score 0), round 2 replays the true labels (score 1); the ALC is
    # 1 − t~1 with t~1 = log(1 + t1/60) / log(1 + T/60), t1 the recorded time of the second prediction.
    labels = load_dataset(tiny_dataset, with_test_labels=True).test_labels
    code_dir = scripted_model(tmp_path, ["prior", "replay"], replay=[labels])
    result = run_ingestion(tiny_dataset, code_dir, tmp_path / "out", time_budget=600)
    assert result.success
    t1 = read_start_record(tmp_path / "out").prediction_times[1]
    scores = score_predictions(tmp_path / "out", solution_path(tiny_dataset))
    assert [p.score for p in scores.predictions] == pytest.approx([0.0, 1.0])
    assert scores.alc == pytest.approx(1 - math.log(1 + t1 / 60) / math.log(1 + 600 / 60), abs=1e-6)


def test_sleeping_model_is_stopped_and_earlier_predictions_kept(tiny_dataset, tmp_path):
    code_dir = scripted_model(tmp_path, ["prior", "sleep"])
    result = run_ingestion(tiny_dataset, code_dir, tmp_path / "out", time_budget=2)
    assert result.timed_out and not result.success
    assert "exceeded the time budget of 2 s" in result.error
    assert result.duration < 30  # the model sleeps an hour unless the harness stops it
    assert len(result.prediction_times) == 1 and result.prediction_paths[0].exists()
    end = read_end_record(tmp_path / "out")
    assert not end.ingestion_success and "time budget" in end.error
    assert len(score_predictions(tmp_path / "out", solution_path(tiny_dataset)).predictions) == 1


def test_model_running_keras_is_stopped(tiny_dataset, tmp_path):
    code_dir = scripted_model(tmp_path, ["prior", "tf_fit"])
    result = run_ingestion(tiny_dataset, code_dir, tmp_path / "out", time_budget=3)
    assert result.timed_out and not result.success
    assert result.duration < 30  # the model fits for 60 s unless the harness stops it
    assert len(result.prediction_times) == 1


def test_wrong_shape_is_a_clear_error(tiny_dataset, tmp_path):
    code_dir = scripted_model(tmp_path, ["prior", "wrong_shape"])
    result = run_ingestion(tiny_dataset, code_dir, tmp_path / "out")
    assert not result.success and not result.timed_out
    assert f"model in {code_dir}: test() returned shape (6, 4), expected (test_num, class_num) = (6, 3)" \
        == result.error
    assert len(result.prediction_times) == 1 and result.prediction_paths[0].exists()
    assert not (tmp_path / "out" / "tiny.predict_1").exists()


def test_model_exception_is_reported_with_its_location(tiny_dataset, tmp_path):
    code_dir = scripted_model(tmp_path, ["prior", "raise"])
    result = run_ingestion(tiny_dataset, code_dir, tmp_path / "out")
    assert not result.success
    assert result.error.startswith(f"model in {code_dir} raised ValueError: scripted failure in train (at ")
    assert f"{code_dir / 'model.py'}:" in result.error
    assert len(result.prediction_times) == 1
    assert "ValueError" in read_end_record(tmp_path / "out").error


class InProcessModel:
    """A model object for the in-process runner (``autospeech fit``): ``train`` runs ``behaviour``."""

    done_training = False

    def __init__(self, behaviour):
        self.behaviour = behaviour

    def train(self, dataset, remaining_time_budget=None):
        self.behaviour()


def in_process(behaviour, tiny_dataset, tmp_path) -> InProcessSubmission:
    return InProcessSubmission(InProcessModel(behaviour), load_dataset(tiny_dataset), tmp_path)


def test_error_raised_after_the_alarm_counts_as_a_timeout(tiny_dataset, tmp_path):
    def swallow_the_alarm():
        try:
            time.sleep(1)
        except TimeoutException:  # library code that catches the alarm and fails differently
            raise TypeError("swallowed the alarm")

    with pytest.raises(TimeoutException, match="failed with TypeError: swallowed the alarm"):
        in_process(swallow_the_alarm, tiny_dataset, tmp_path).train(0.05)


def test_alarm_repeats_when_the_first_one_is_swallowed():
    swallowed = 0
    with pytest.raises(TimeoutException):
        with time_limit(0.05):
            while True:
                try:
                    time.sleep(10)
                except TimeoutException:  # e.g. raised inside a weakref callback and lost
                    swallowed += 1
                    if swallowed > 1:
                        raise
    assert swallowed == 2


def test_error_within_the_budget_is_not_a_timeout(tiny_dataset, tmp_path):
    def fail():
        raise TypeError("a real bug")

    with pytest.raises(IngestionError, match=f"model in {re.escape(str(tmp_path))} raised TypeError: a real bug"):
        in_process(fail, tiny_dataset, tmp_path).train(10)


def test_check_prediction_rejects_non_finite_and_non_numeric(tmp_path):
    with pytest.raises(IngestionError, match="non-finite"):
        check_prediction(np.array([[0.5, np.nan]]), (1, 2), tmp_path)
    with pytest.raises(IngestionError, match="not a numeric array"):
        check_prediction("high", (1, 2), tmp_path)


def test_time_budget_resolution():
    assert resolve_time_budget({"time_budget": 30}, None) == 30
    assert resolve_time_budget({}, None) == 1800
    assert resolve_time_budget({"time_budget": 30}, 10) == 10
    assert resolve_time_budget({}, 10) == 10


def test_budget_argument_overrides_meta_and_reaches_the_model(make_dataset, tmp_path, caplog):
    dataset = make_dataset(time_budget=30)
    caplog.set_level("INFO")
    result = run_ingestion(dataset, DUMMY_MODELS / "class_prior", tmp_path / "out", time_budget=20)
    assert result.time_budget == 20 and read_start_record(tmp_path / "out").time_budget == 20
    assert "time budget 20 s given; it overrides meta.json's 30 s" in caplog.text
    assert "round 1: wrote tiny.predict_0" in caplog.text


def test_previous_run_outputs_are_removed(tiny_dataset, tmp_path):
    (tmp_path / "out").mkdir()
    stale = ["tiny.predict_5", "other.predict_0", "scores.txt", "learning_curve.png", "detailed_results.html",
             "end.txt", "start.txt.tmp"]
    for name in stale:
        (tmp_path / "out" / name).write_text("stale")
    (tmp_path / "out" / "notes.md").write_text("not an output: kept")
    run_ingestion(tiny_dataset, DUMMY_MODELS / "class_prior", tmp_path / "out")
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["end.txt", "notes.md", "start.txt",
                                                                         "tiny.predict_0"]
    assert read_end_record(tmp_path / "out").ingestion_success


def test_missing_model_file(tiny_dataset, tmp_path):
    with pytest.raises(IngestionError, match=re.escape(f"no model.py in the code folder {tmp_path}")):
        run_ingestion(tiny_dataset, tmp_path, tmp_path / "out")


def test_pickle_dataset_runs(make_dataset, tmp_path):
    dataset = make_dataset(formats=("pkl",))
    assert run_ingestion(dataset, DUMMY_MODELS / "class_prior", tmp_path / "out").success


def corrupt_missing_meta(data_dir: Path) -> Path:
    (data_dir / "meta.json").unlink()
    return data_dir / "meta.json"


def corrupt_truncated_pickle(data_dir: Path) -> Path:
    path = data_dir / "train.pkl"
    path.write_bytes(path.read_bytes()[:100])
    return path


def corrupt_npz(data_dir: Path) -> Path:
    path = data_dir / "test.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip archive")
    return path


def corrupt_train_solution_rows(data_dir: Path) -> Path:
    path = data_dir / "train.solution"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-1]))
    return path


@pytest.mark.parametrize("corrupt, formats", [(corrupt_missing_meta, ("npz",)),
                                              (corrupt_truncated_pickle, ("pkl",)),
                                              (corrupt_npz, ("npz",)),
                                              (corrupt_train_solution_rows, ("npz",))])
def test_bad_dataset_file_is_named(make_dataset, tmp_path, corrupt, formats):
    dataset = make_dataset(formats=formats)
    bad_file = corrupt(dataset / "tiny.data")
    with pytest.raises(DatasetError, match=re.escape(str(bad_file))):
        run_ingestion(dataset, DUMMY_MODELS / "class_prior", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_wrong_row_count_in_test_solution_is_named_by_scoring(tiny_dataset, tmp_path):
    run_ingestion(tiny_dataset, DUMMY_MODELS / "class_prior", tmp_path / "out")
    solution = solution_path(tiny_dataset)
    solution.write_text(solution.read_text() + "1 0 0\n")
    with pytest.raises(ScoringError, match=re.escape(str(solution))):
        score_predictions(tmp_path / "out", solution)


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGKILL"])
def test_the_submission_ends_with_the_harness_however_it_is_stopped(tiny_dataset, tmp_path, signal_name):
    code_dir = scripted_model(tmp_path, ["prior", "sleep"])  # sleeps an hour in its second train call
    harness = subprocess.Popen([sys.executable, "-m", "ingestion", "--dataset", str(tiny_dataset), "--code-dir",
                                str(code_dir), "--output", str(tmp_path / "out"), "--time-budget", "600",
                                "--no-sandbox"], cwd=REPOSITORY, stderr=subprocess.PIPE, text=True)
    wait_for_first_prediction(harness, tmp_path / "out")
    (submission,) = child_processes(harness.pid)
    scratch = Path(os.readlink(f"/proc/{submission}/cwd"))
    os.kill(harness.pid, getattr(signal, signal_name))
    _, stderr = harness.communicate(timeout=60)
    # SIGTERM: the harness kills the submission's group; SIGKILL: the kernel does (PR_SET_PDEATHSIG)
    wait_until_gone(submission, f"the submission, after the harness's {signal_name},")
    assert list((tmp_path / "out").glob("*.predict_0"))  # the prediction written before is kept
    if signal_name == "SIGTERM":
        assert harness.returncode == 128 + signal.SIGTERM and "python -m ingestion: terminated" in stderr
        end = read_end_record(tmp_path / "out")
        assert not end.ingestion_success and end.error == "ingestion was terminated by SIGTERM"
        assert not scratch.exists()
    else:  # the harness could not remove its scratch folder; the next run does
        assert scratch.is_dir()
        assert run_ingestion(tiny_dataset, DUMMY_MODELS / "class_prior", tmp_path / "next").success
        assert not scratch.exists()


def test_command_line(tiny_dataset, tmp_path):
    command = [sys.executable, "-m", "ingestion", "--dataset", str(tiny_dataset), "--code-dir",
               str(DUMMY_MODELS / "class_prior"), "--output", str(tmp_path / "out"), "--time-budget", "60"]
    done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "round 1: wrote tiny.predict_0" in done.stderr
    bad = subprocess.run(command[:4] + [str(tmp_path / "absent")] + command[5:], cwd=REPOSITORY,
                         capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.strip() == f"python -m ingestion: error: dataset folder not found: {tmp_path / 'absent'}"


def test_run_local_scores_and_reports(tiny_dataset, tmp_path):
    command = [sys.executable, "-m", "autospeech", "run", "--dataset", str(tiny_dataset), "--code-dir",
               str(DUMMY_MODELS / "class_prior"), "--output", str(tmp_path / "out")]
    done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["ALC 0.0000 on tiny with 1 prediction(s)",
                                        f"report: {tmp_path / 'out' / 'detailed_results.html'}"]
    assert (tmp_path / "out" / "scores.txt").read_text().startswith("score: 0.000000\n")


def test_the_official_kits_flag_spellings_work_for_ingestion_and_scoring(tiny_dataset, tmp_path):
    output, scores = tmp_path / "out", tmp_path / "scores"
    ingest = [sys.executable, "-m", "ingestion", f"--dataset_dir={tiny_dataset}", f"--output_dir={output}",
              f"--ingestion_program_dir={REPOSITORY / 'ingestion'}", f"--code_dir={DUMMY_MODELS / 'class_prior'}",
              f"--score_dir={scores}", "--time_budget=60"]
    assert subprocess.run(ingest, cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPOSITORY)}).returncode == 0
    assert read_start_record(output).time_budget == 60
    score = [sys.executable, "-m", "scoring", f"--solution_dir={tiny_dataset}", f"--prediction_dir={output}",
             f"--score_dir={scores}"]
    done = subprocess.run(score, cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPOSITORY)})
    assert done.returncode == 0, done.stderr
    assert (scores / "scores.txt").read_text().startswith("score: 0.000000\n")


def test_run_local_several_datasets_each_to_its_folder(make_dataset, tmp_path, capsys):
    datasets = [make_dataset(name="alpha"), make_dataset(name="beta")]
    args = run_arguments("--dataset", *datasets, "--code-dir", DUMMY_MODELS / "class_prior", "--output",
                         tmp_path / "runs", "--setup-limit", "60")
    assert run_local.main(args) == 0
    assert "ALC 0.0000 on alpha" in capsys.readouterr().out
    for name in ("alpha", "beta"):
        assert (tmp_path / "runs" / name / f"{name}.predict_0").exists()
        assert (tmp_path / "runs" / name / "scores.txt").exists()


def test_save_dataset_checks_class_names_before_writing_anything(tmp_path):
    labels = np.eye(3, dtype=int)
    clips = [np.zeros(160, np.float32)] * 3
    with pytest.raises(ValueError, match="2 class names for 3 classes"):
        save_dataset(tmp_path, "named", clips, labels, clips, labels, class_names=["a", "b"])
    assert not (tmp_path / "named").exists()
