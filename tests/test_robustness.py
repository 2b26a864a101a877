"""Bad and extreme input: the real model through the harness, the dataset reader, the converter and the CLI.

Each case ends in correct handling or in an error naming the file or field, never in a traceback from deep
inside TensorFlow and never with predictions lost.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile
from conftest import REPOSITORY, make_tiny_dataset, real_clips_by_class

from autospeech.cli import main
from autospeech.audio_files import AudioFileError
from autospeech.convert import convert
from ingestion.dataset import SAMPLE_RATE, DatasetError, load_dataset, save_dataset
from ingestion.ingestion import run_ingestion
from ingestion.records import read_end_record
from scoring.score import score_predictions

HARNESS_BUDGET = 120.0  # seconds: ample for one round of the real model, even on a busy machine
TINY_BUDGET = 1.5  # seconds: less than feature extraction plus one epoch of the real model on CPU
ONE_ROUND_MODEL = """from autospeech_model.config import ModelConfig
from autospeech_model.model import Model as _Model


class Model(_Model):
    \"\"\"The real model, from scratch (no pretrained weights needed), done after its first prediction.\"\"\"

    def __init__(self, metadata):
        super().__init__(metadata, ModelConfig(pretrained_weights=None, quick_model={quick}))

    def test(self, x_list, remaining_time_budget=None):
        predictions = super().test(x_list, remaining_time_budget)
        self.done_training = True
        return predictions
"""


def extreme_clips() -> dict[str, np.ndarray]:
    """Clips the model must survive in training and in test."""
    speech = real_clips_by_class(1, 1)[0][0]
    broken = speech.copy()
    broken[::97], broken[1::89], broken[2::83] = np.nan, np.inf, -np.inf
    return {"empty": np.zeros(0, np.float32), "all_zero": np.zeros(SAMPLE_RATE, np.float32),
            "nan_and_inf": broken, "one_sample": np.array([0.25], np.float32),
            "ten_minutes": np.resize(speech, 600 * SAMPLE_RATE)}


def one_round_code_folder(folder: Path, quick: bool) -> Path:
    """A code folder holding the model package and ONE_ROUND_MODEL (the harness puts only it on the path)."""
    shutil.copytree(REPOSITORY / "autospeech_model", folder / "autospeech_model",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "model.py").write_text(ONE_ROUND_MODEL.format(quick=quick))
    return folder


@pytest.fixture(scope="module")
def one_round_code_dir(tmp_path_factory) -> Path:
    """The full model (its first prediction is the quick model's)."""
    return one_round_code_folder(tmp_path_factory.mktemp("code"), quick=True)


@pytest.fixture(scope="module")
def cnn_only_code_dir(tmp_path_factory) -> Path:
    """The model without the quick model: its first prediction needs features and a CNN round."""
    return one_round_code_folder(tmp_path_factory.mktemp("cnn_code"), quick=False)


@pytest.fixture(scope="module")
def extreme_run(tmp_path_factory, one_round_code_dir):
    """A harness run whose train and test sets both hold every extreme clip beside real ones (2 classes)."""
    root = tmp_path_factory.mktemp("extreme")
    base = load_dataset(make_tiny_dataset(root, n_classes=2, clips_per_class=4, test_per_class=1), True)
    extremes = extreme_clips()
    labels = np.eye(2, dtype=int)[np.arange(len(extremes)) % 2]
    dataset = save_dataset(root, "extreme", base.train_x + list(extremes.values()),
                           np.vstack([base.train_y, labels]), base.test_x + list(extremes.values()),
                           np.vstack([base.test_labels, labels]))
    result = run_ingestion(dataset, one_round_code_dir, root / "out", time_budget=HARNESS_BUDGET)
    rows = {name: len(base.test_x) + i for i, name in enumerate(extremes)}
    return result, rows


def test_training_on_extreme_clips_completes(extreme_run):
    result, _ = extreme_run
    assert result.success, result.error
    assert len(result.prediction_times) == 1


@pytest.mark.parametrize("kind", ["empty", "all_zero", "nan_and_inf", "one_sample", "ten_minutes"])
def test_every_prediction_of_an_extreme_clip_is_a_probability_row(extreme_run, kind):
    result, rows = extreme_run
    for path in result.prediction_paths:
        row = np.loadtxt(path, ndmin=2)[rows[kind]]
        assert np.all(np.isfinite(row)) and np.all(row >= 0) and row.sum() == pytest.approx(1.0, abs=1e-4)


def test_a_budget_smaller_than_one_epoch_ends_cleanly(tmp_path, cnn_only_code_dir):
    """No time for a CNN round: the model predicts the class frequencies, or the harness stops it; either way
    the run ends with valid, scorable predictions and no model error."""
    dataset = make_tiny_dataset(tmp_path, n_classes=2, clips_per_class=4, test_per_class=1)
    result = run_ingestion(dataset, cnn_only_code_dir, tmp_path / "out", time_budget=TINY_BUDGET)
    assert result.success or (result.timed_out and "exceeded the time budget" in result.error)
    end = read_end_record(tmp_path / "out")
    assert end.ingestion_success == result.success
    for path in result.prediction_paths:  # whatever was written stays valid and scorable
        assert np.loadtxt(path, ndmin=2).shape == (2, 2)
    scores = score_predictions(tmp_path / "out", dataset / "tiny.solution")
    assert len(scores.predictions) == len(result.prediction_times)


def rewrite(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize("solution, message", [
    ("1 1 0\n" + "1 0 0\n" * 5, r"train\.solution: row 1 sums to 2, but each row must be one-hot"),
    ("0.5 0.5 0\n" + "1 0 0\n" * 5, r"train\.solution must hold only 0/1 values"),
    ("0 0 0\n" + "1 0 0\n" * 5, r"train\.solution: row 1 sums to 0"),
    ("0\n1\n2\n0\n1\n2\n", r"train\.solution has 1 columns, class_num is 3 \(class indices instead of one-hot"),
])
def test_labels_that_are_not_one_hot_are_rejected_naming_the_file(tmp_path, solution, message):
    dataset = make_tiny_dataset(tmp_path, n_classes=3, clips_per_class=2, test_per_class=1)
    rewrite(dataset / "tiny.data" / "train.solution", solution)
    with pytest.raises(DatasetError, match=message):
        load_dataset(dataset)


def test_truncated_pickle_is_a_one_line_error_naming_the_file(tmp_path, capsys):
    dataset = make_tiny_dataset(tmp_path, n_classes=2, clips_per_class=2, test_per_class=1, formats=("pkl",))
    pickle_path = dataset / "tiny.data" / "train.pkl"
    pickle_path.write_bytes(pickle_path.read_bytes()[:100])
    assert main(["fit", "--dataset", str(dataset), "--model-dir", str(tmp_path / "model")]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"autospeech: error: cannot unpickle {pickle_path} (truncated or corrupt?)")
    assert error.count("\n") == 1 and "Traceback" not in error


def test_meta_json_missing_keys_is_a_one_line_error_naming_the_keys(tmp_path, capsys):
    dataset = make_tiny_dataset(tmp_path, n_classes=2, clips_per_class=2, test_per_class=1)
    meta = dataset / "tiny.data" / "meta.json"
    rewrite(meta, json.dumps({"class_num": 2, "sample_rate": 16000}))
    assert main(["fit", "--dataset", str(dataset), "--model-dir", str(tmp_path / "model")]) == 2
    assert capsys.readouterr().err == (f"autospeech: error: metadata file {meta} lacks required key(s): "
                                       f"train_num, test_num\n")


def write_class_folders(root: Path, extra: dict[str, tuple[np.ndarray, int, str]]) -> Path:
    """Two classes of 3 real clips each, plus ``extra`` files name -> (samples, rate, subtype) in class a."""
    for label, clips in zip(("a", "b"), real_clips_by_class(2, 3)):
        (root / label).mkdir(parents=True)
        for i, clip in enumerate(clips):
            soundfile.write(root / label / f"{i}.wav", clip, SAMPLE_RATE)
    for name, (samples, rate, subtype) in extra.items():
        soundfile.write(root / "a" / name, samples, rate, subtype=subtype)
    return root


@pytest.mark.parametrize("name, samples, reason", [
    ("empty.wav", np.zeros(0, np.float32), r"empty\.wav is empty \(no samples at 16000 Hz\)"),
    ("nan.wav", np.array([0.1, np.nan, 0.2], np.float32), r"nan\.wav holds NaN or infinite samples"),
])
def test_converter_rejects_empty_or_non_finite_audio_naming_the_file(tmp_path, name, samples, reason):
    source = write_class_folders(tmp_path / "in", {name: (samples, SAMPLE_RATE, "FLOAT")})
    with pytest.raises(AudioFileError, match=reason):
        convert(source, tmp_path / "out")
    summary = convert(source, tmp_path / "out", skip_bad=True)
    assert [path.name for path, _ in summary.skipped] == [name]


def test_converter_keeps_a_one_sample_clip_and_a_ten_minute_8khz_stereo_clip(tmp_path):
    speech = real_clips_by_class(1, 1)[0][0]
    long_stereo = np.stack([np.resize(speech[::2], 600 * 8000)] * 2, axis=1)
    source = write_class_folders(tmp_path / "in", {"one.wav": (np.array([0.5], np.float32), SAMPLE_RATE, "FLOAT"),
                                                   "long.flac": (long_stereo, 8000, "PCM_16")})
    summary = convert(source, tmp_path / "out", test_fraction=0.01)
    dataset = load_dataset(summary.dataset_dir)
    lengths = sorted(len(clip) for clip in dataset.train_x + dataset.test_x)
    assert lengths[0] == 1 and lengths[-1] == pytest.approx(600 * SAMPLE_RATE, abs=4)
    assert summary.seconds["train"] + summary.seconds["test"] > 600


def test_unreadable_audio_through_the_cli_names_the_file(tmp_path, capsys):
    source = write_class_folders(tmp_path / "in", {})
    (source / "b" / "corrupt.ogg").write_bytes(b"OggS" + bytes(60))
    assert main(["convert", str(source), "--output", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]  # the error is the last line
    assert error.startswith("autospeech: error: cannot read audio file ") and "corrupt.ogg" in error
    assert error.endswith("(use --skip-bad to skip bad files)")


@pytest.mark.parametrize("command", ["ingest", "run"])
@pytest.mark.parametrize("limit", ["1e7", "604801", "0", "nan", "inf"])
def test_a_setup_limit_beyond_a_week_is_refused_by_the_argument_parser(tmp_path, capsys, command, limit):
    """Bounded like a budget: more than a week is a typo (and 1e7 s once overflowed the OS's wait timeout)."""
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--dataset", str(REPOSITORY / "sample_data" / "data05"), "--code-dir",
              str(REPOSITORY / "tests" / "dummy_models" / "class_prior"), "--output", str(tmp_path / "out"),
              "--setup-limit", limit])
    assert exit_info.value.code == 2 and not (tmp_path / "out").exists()
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"autospeech {command}: error: argument --setup-limit: must be a positive number of seconds, at most "
        f"604800 (a week), got {limit}")
