"""`autospeech fit` and `autospeech predict` with the real model on a tiny dataset converted from real audio."""

from __future__ import annotations

import csv
import json
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile
from conftest import real_clips_by_class

from autospeech.audio_files import read_audio
from autospeech.cli import main
from autospeech.convert import convert
from autospeech.fit import CLASS_NAMES_FILE, PREDICTIONS_FOLDER, REPLACED_PREDICTIONS, fit, format_fit, replace_folder
from autospeech_model.config import ModelConfig
from autospeech_model.model import Model
from ingestion.dataset import SAMPLE_RATE
from ingestion.records import START_RECORD
from scoring.score import score_predictions

FIT_BUDGET = 15.0  # seconds: a few rounds on 6 clips on 2 CPU cores (the model stops at 1/8 left)
SCRATCH = ModelConfig(pretrained_weights=None)  # tests must not depend on the pretrained weights being built


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """Real clips as FLAC files in class folders → convert → fit; returns (root, FitResult)."""
    root = tmp_path_factory.mktemp("fit")
    for label, clips in zip(("high", "low"), real_clips_by_class(2, 5)):
        (root / "audio" / label).mkdir(parents=True)
        for i, clip in enumerate(clips):
            soundfile.write(root / "audio" / label / f"{label}{i}.flac", clip, SAMPLE_RATE)
    convert(root / "audio", root / "data", name="two", test_fraction=0.4)
    return root, fit(root / "data" / "two", root / "model", FIT_BUDGET, SCRATCH)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_fit_saves_the_model_with_class_names_and_scores_its_run(fitted):
    root, result = fitted
    model_dir = root / "model"
    assert {"classifier.keras", "model.json", CLASS_NAMES_FILE} <= {p.name for p in model_dir.iterdir()}
    assert (model_dir / CLASS_NAMES_FILE).read_text() == "high\nlow\n"
    assert result.run.prediction_times and (model_dir / PREDICTIONS_FOLDER / START_RECORD).exists()
    assert len(result.score.predictions) == len(result.run.prediction_times)
    rescored = score_predictions(model_dir / PREDICTIONS_FOLDER, root / "data" / "two" / "two.solution")
    assert result.score.alc == rescored.alc and result.score.time_budget == FIT_BUDGET  # its own run, its budget
    assert f"saved the model to {model_dir} after {len(result.run.prediction_times)} prediction" in format_fit(result)


def test_predict_writes_one_row_per_file_matching_the_saved_model(fitted):
    root, _ = fitted
    output = root / "predictions.csv"
    assert main(["predict", "--model-dir", str(root / "model"), str(root / "audio"), "--output", str(output)]) == 0
    rows = read_csv(output)
    files = sorted((root / "audio").rglob("*.flac"))
    assert [row["file"] for row in rows] == [str(path) for path in files]
    assert list(rows[0]) == ["file", "label", "high", "low"]
    probabilities = np.array([[float(row["high"]), float(row["low"])] for row in rows])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
    # the label is the most probable class before rounding to six decimals; rounding keeps the order but can make
    # a near-tie equal (argmax would then name the first column), so the label's column must hold the row's maximum
    labelled = probabilities[np.arange(len(rows)), [("high", "low").index(row["label"]) for row in rows]]
    np.testing.assert_array_equal(labelled, probabilities.max(axis=1))
    expected = Model.load(root / "model").test([read_audio(path) for path in files])
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)


def test_a_bad_file_stops_predict_keeping_the_earlier_output_and_the_rows_computed(fitted, capsys):
    root, _ = fitted
    inputs = root / "inputs"
    shutil.copytree(root / "audio" / "low", inputs)
    output, partial = root / "partial.csv", root / "partial.csv.partial"
    predict = ["predict", "--model-dir", str(root / "model"), str(inputs), "--output", str(output)]
    assert main(predict) == 0
    earlier = output.read_bytes()
    (inputs / "zz_broken.wav").write_bytes(b"RIFF....WAVEfmt garbage")
    assert main(predict + ["--batch-files", "2"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("autospeech: error: cannot read audio file ") and "zz_broken.wav" in error
    assert f"(4 prediction(s) before it are in {partial}; use --skip-bad" in error and error.count("\n") == 1
    assert output.read_bytes() == earlier  # the failed rerun did not empty the earlier CSV
    assert len(read_csv(partial)) == 4  # two full batches before the batch holding the bad file
    assert main(predict + ["--skip-bad"]) == 0
    assert len(read_csv(output)) == 5
    assert f"skipped {inputs / 'zz_broken.wav'}: cannot read audio file" in capsys.readouterr().err


def test_a_file_without_samples_is_a_bad_file_for_predict_as_for_convert(fitted, capsys, tmp_path):
    root, _ = fitted
    empty = tmp_path / "empty.wav"
    soundfile.write(empty, np.zeros(0), SAMPLE_RATE)
    predict = ["predict", "--model-dir", str(root / "model"), str(root / "audio" / "low" / "low0.flac"), str(empty)]
    assert main(predict) == 2
    assert f"error: audio file {empty} is empty (no samples at 16000 Hz) (0 prediction(s) before it are on standard " \
           f"output; use --skip-bad to skip bad files)" in capsys.readouterr().err
    assert main(predict + ["--skip-bad"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2  # the header and the readable file's row


@pytest.mark.parametrize("target, problem", [
    ("audio/high/high0.flac", "is one of the input files; choose another path"),
    ("model/model.json", "lies inside --model-dir {model}; choose a path outside the model"),
    ("model/../model/new.csv", "lies inside --model-dir {model}; choose a path outside the model"),
    ("audio", "is a folder; give a CSV file path"),
])
def test_an_output_that_would_destroy_an_input_or_the_model_is_refused(fitted, capsys, target, problem):
    root, _ = fitted
    before = {path: path.read_bytes() for path in [*(root / "audio").rglob("*.flac"), *(root / "model").iterdir()]
              if path.is_file()}
    output = root / target
    assert main(["predict", "--model-dir", str(root / "model"), str(root / "audio"), "--output", str(output)]) == 2
    assert capsys.readouterr().err == (f"autospeech: error: --output {output} "
                                       f"{problem.format(model=root / 'model')}\n")
    assert {path: path.read_bytes() for path in before} == before
    assert not list(root.rglob("*.partial"))


def test_an_output_written_through_an_input_file_is_refused(fitted, capsys):
    root, _ = fitted
    clip = root / "rec.csv.partial"
    shutil.copy(root / "audio" / "high" / "high0.flac", clip)
    output = root / "rec.csv"
    assert main(["predict", "--model-dir", str(root / "model"), str(clip), "--output", str(output)]) == 2
    assert capsys.readouterr().err == (f"autospeech: error: --output {output} would be written through {clip}, "
                                       f"one of the input files; choose another path\n")
    assert clip.read_bytes() == (root / "audio" / "high" / "high0.flac").read_bytes() and not output.exists()


def test_a_link_planted_at_the_partial_file_is_replaced_not_followed(fitted, tmp_path):
    root, _ = fitted
    important, output = tmp_path / "important.txt", tmp_path / "out.csv"
    important.write_text("keep me\n")
    (tmp_path / "out.csv.partial").symlink_to(important)
    assert main(["predict", "--model-dir", str(root / "model"), str(root / "audio" / "high" / "high0.flac"),
                 "--output", str(output)]) == 0
    assert important.read_text() == "keep me\n"
    assert not output.is_symlink() and len(read_csv(output)) == 1 and not (tmp_path / "out.csv.partial").exists()


def test_a_file_name_that_is_not_utf8_is_written_byte_for_byte(fitted, tmp_path):
    root, _ = fitted
    clip = tmp_path / os.fsdecode(b"\xff.flac")
    shutil.copy(root / "audio" / "high" / "high0.flac", clip)
    output = tmp_path / "out.csv"
    assert main(["predict", "--model-dir", str(root / "model"), str(clip), "--output", str(output)]) == 0
    assert output.read_bytes().splitlines()[1].startswith(os.fsencode(clip) + b",")


def test_samples_far_past_full_scale_are_classified_like_the_clip(fitted, capsys, tmp_path):
    root, _ = fitted
    clip = real_clips_by_class(1, 1)[0][0]
    for name, samples in (("clip.wav", clip), ("loud.wav", clip * 1e30)):
        soundfile.write(tmp_path / name, samples, SAMPLE_RATE, subtype="FLOAT")
    rows = []
    for name in ("clip.wav", "loud.wav"):  # one run each: the test-time crops are drawn alike for each
        assert main(["predict", "--model-dir", str(root / "model"), str(tmp_path / name)]) == 0
        rows.append(capsys.readouterr().out.splitlines()[1].split(","))
    assert [row[0] for row in rows] == [str(tmp_path / "clip.wav"), str(tmp_path / "loud.wav")]
    np.testing.assert_allclose(np.array(rows[1][2:], dtype=float), np.array(rows[0][2:], dtype=float), atol=0.01)


def test_without_class_names_the_labels_are_indices(fitted, capsys):
    root, _ = fitted
    bare = root / "bare_model"
    shutil.copytree(root / "model", bare, ignore=shutil.ignore_patterns(CLASS_NAMES_FILE, PREDICTIONS_FOLDER))
    assert main(["predict", "--model-dir", str(bare), str(root / "audio" / "high" / "high0.flac")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "file,label,0,1" and lines[1].split(",")[1] in ("0", "1") and len(lines) == 2


def test_predict_rejects_a_missing_model_or_mismatched_class_names(fitted, capsys):
    root, _ = fitted
    audio = str(root / "audio")
    assert main(["predict", "--model-dir", str(root / "nothing"), audio]) == 2
    assert "error: not a saved autospeech model: " in capsys.readouterr().err
    wrong = root / "wrong_names"
    shutil.copytree(root / "model", wrong)
    (wrong / CLASS_NAMES_FILE).write_text("a\nb\nc\n")
    assert main(["predict", "--model-dir", str(wrong), audio]) == 2
    assert "class_names.txt has 3 names, the model's class_num is 2" in capsys.readouterr().err
    broken = root / "broken_settings"
    shutil.copytree(root / "model", broken)
    settings = json.loads((broken / "model.json").read_text())
    del settings["class_num"]
    (broken / "model.json").write_text(json.dumps(settings))
    assert main(["predict", "--model-dir", str(broken), audio]) == 2
    error = capsys.readouterr().err
    assert f"error: invalid saved-model settings {broken / 'model.json'}: KeyError('class_num')" in error
    settings = json.loads((root / "model" / "model.json").read_text())
    settings["members"][0]["kind"] = "forest"
    (broken / "model.json").write_text(json.dumps(settings))
    assert main(["predict", "--model-dir", str(broken), audio]) == 2
    assert (f"error: invalid saved-model settings {broken / 'model.json'}: ValueError(\"members[0].kind is 'forest', "
            f"expected one of ['cnn', 'prior', 'quick']\")" in capsys.readouterr().err)
    assert main(["predict", "--model-dir", str(root / "model"), str(root / "absent.wav")]) == 2
    assert f"no such file or folder: {root / 'absent.wav'}" in capsys.readouterr().err


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_fit_with_a_budget_too_small_to_build_a_model_is_a_clear_error_and_keeps_the_earlier_model(fitted, capsys,
                                                                                                  tmp_path):
    root, _ = fitted
    model_dir = shutil.copytree(root / "model", tmp_path / "model")
    earlier = files_of(model_dir)
    assert f"{PREDICTIONS_FOLDER}/{START_RECORD}" in earlier
    code = main(["fit", "--dataset", str(root / "data" / "two"), "--model-dir", str(model_dir),
                 "--time-budget", "0.01", "--from-scratch"])
    assert code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("autospeech: error: training on ") and "nothing saved" in error
    assert files_of(model_dir) == earlier and sorted(path.name for path in model_dir.iterdir()) == sorted(
        path.name for path in (root / "model").iterdir())  # the model and its run as they were, nothing added


@pytest.mark.parametrize("earlier", ["folder", "link", None])
def test_the_new_runs_folder_replaces_the_earlier_one_whatever_it_is(tmp_path, earlier):
    source, target, outside = tmp_path / ".partial", tmp_path / PREDICTIONS_FOLDER, tmp_path / "outside"
    source.mkdir()
    (source / "two.predict_0").write_text("new\n")
    (outside / "kept").mkdir(parents=True)
    (tmp_path / REPLACED_PREDICTIONS / "stale").mkdir(parents=True)  # a fit killed while replacing
    if earlier == "folder":
        (target / "old").mkdir(parents=True)
    elif earlier == "link":
        target.symlink_to(outside)
    assert replace_folder(source, target) == target
    assert files_of(target) == {"two.predict_0": b"new\n"} and not target.is_symlink()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["outside", PREDICTIONS_FOLDER]
    assert (outside / "kept").is_dir()  # a link is replaced, never followed


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:5000])


def first_rows_only(path: Path) -> None:
    arrays = dict(np.load(path))
    np.savez(path, **{key: value[:1] for key, value in arrays.items()})


def add_member(value: bytes | np.ndarray) -> Callable[[Path], None]:
    """A spoiler of members.npz: it gains the member zz_extra, ``value`` itself as the member's bytes or saved
    as a .npy."""
    def spoil(path: Path) -> None:
        with zipfile.ZipFile(path, "a") as archive, archive.open("zz_extra.npy", "w") as member:
            if isinstance(value, bytes):
                member.write(value)
            else:
                np.save(member, value)
    return spoil


def edit_settings(change: Callable[[dict], object]) -> Callable[[Path], None]:
    """A spoiler of model.json: ``change`` edits its parsed settings in place."""
    def spoil(path: Path) -> None:
        settings = json.loads(path.read_text())
        change(settings)
        path.write_text(json.dumps(settings))
    return spoil


def settings_error(problem: str) -> str:
    return f": ValueError({problem!r})"


# (file in the model folder, how to spoil it, what the error says after the file's path)
SPOILED_MODEL_FILES = {
    "truncated members.npz": ("members.npz", truncate, " (truncated or corrupt?): File is not a zip file"),
    "members.npz that is text": ("members.npz", lambda path: path.write_text("hello\n"),
                                 " (truncated or corrupt?): This file contains pickled (object) data"),
    "members.npz of wrong shapes": ("members.npz", first_rows_only, ": member 0 (cnn): member0_weight"),
    "deeply nested model.json": ("model.json", lambda path: path.write_text("[" * 100_000),
                                 ": RecursionError("),
    "non-UTF-8 class_names.txt": (CLASS_NAMES_FILE, lambda path: path.write_bytes(b"\xff\n\xfe\n"),
                                  " is not UTF-8 text"),
    "members.npz member that is not a .npy": ("members.npz", add_member(b"hello"),
                                              ": zz_extra is not a .npy array of numbers"),
    "members.npz member of NaN": ("members.npz", add_member(np.array([1.0, np.nan])),
                                  ": zz_extra holds NaN or infinite values"),
    "no members": ("model.json", edit_settings(lambda s: s.update(members=[])),
                   settings_error("members is [], expected a non-empty list")),
    "class_num 2**62": ("model.json", edit_settings(lambda s: s.update(class_num=2**62)),
                        settings_error(f"class_num is {2**62}, expected 2 (the saved network's outputs)")),
    "class_num -3": ("model.json", edit_settings(lambda s: s.update(class_num=-3)),
                     settings_error("class_num is -3, expected 2 (the saved network's outputs)")),
    "member weight NaN": ("model.json", edit_settings(lambda s: s["members"][0].update(weight=float("nan"))),
                          settings_error("members[0].weight is nan, expected a number in (0, 1]")),
    "member score a string": ("model.json", edit_settings(lambda s: s["members"][0].update(score="high")),
                              settings_error("members[0].score is 'high', expected a number in [-1, 1] or null")),
    "ensemble score 2": ("model.json", edit_settings(lambda s: s.update(ensemble_score=2)),
                         settings_error("ensemble_score is 2, expected a number in [-1, 1] or null")),
}


@pytest.mark.parametrize("case", SPOILED_MODEL_FILES)
def test_a_spoiled_model_file_is_one_line_naming_it(fitted, capsys, tmp_path, case):
    root, _ = fitted
    name, spoil, problem = SPOILED_MODEL_FILES[case]
    model_dir = tmp_path / "model"
    shutil.copytree(root / "model", model_dir)
    spoil(model_dir / name)
    output = tmp_path / "out.csv"
    assert main(["predict", "--model-dir", str(model_dir), str(root / "audio" / "high" / "high0.flac"),
                 "--output", str(output)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("autospeech: error: ") and f"{model_dir / name}{problem}" in error
    assert error.count("\n") == 1 and "Traceback" not in error and not output.exists()
