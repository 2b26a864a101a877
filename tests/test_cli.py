"""The `autospeech` command: subcommand dispatch, --help, one-line errors, and the installable package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import soundfile
from conftest import REPOSITORY, real_clips_by_class

from autospeech.cli import SUBCOMMANDS, main
from ingestion.command import run_command
from ingestion.dataset import SAMPLE_RATE, load_dataset


def test_top_level_help_lists_every_subcommand():
    completed = subprocess.run([sys.executable, "-m", "autospeech", "--help"], cwd=REPOSITORY,
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0
    for name in ("run", "ingest", "score", "convert", "fit", "predict"):
        assert f"    {name} " in completed.stdout


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_each_subcommand_has_help_with_its_options(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: autospeech {name}")
    expected_option = {"convert": "--test-fraction", "run": "--code-dir", "ingest": "--code-dir",
                       "score": "--solution", "fit": "--model-dir", "predict": "--model-dir", "package": "--output",
                       "export-pkl": "output"}[name]
    assert expected_option in out


def test_missing_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "required: COMMAND" in capsys.readouterr().err


def test_bad_input_is_one_line_with_exit_code_2(tmp_path, capsys):
    assert main(["convert", str(tmp_path / "nowhere"), "--output", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"autospeech: error: no such folder or CSV file: {tmp_path / 'nowhere'}\n"
    assert captured.out == ""


def test_convert_from_the_command_line_prints_a_summary(tmp_path, capsys):
    for label, clips in zip(("left", "right"), real_clips_by_class(2, 3)):
        for i, clip in enumerate(clips):
            (tmp_path / "in" / label).mkdir(parents=True, exist_ok=True)
            soundfile.write(tmp_path / "in" / label / f"{i}.wav", clip, SAMPLE_RATE)
    code = main(["convert", str(tmp_path / "in"), "--output", str(tmp_path / "out"), "--name", "lr",
                 "--formats", "pkl", "--time-budget", "60"])
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {tmp_path / 'out' / 'lr'}\n") and "total      4      2" in out
    dataset = load_dataset(tmp_path / "out" / "lr")
    assert dataset.metadata["time_budget"] == 60 and dataset.class_names == ["left", "right"]
    assert not (tmp_path / "out" / "lr" / "lr.data" / "train.npz").exists()


def test_module_entry_point_uses_its_own_name_in_errors(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "ingestion", "--dataset", str(tmp_path / "none"),
                                "--output", str(tmp_path / "out")], cwd=REPOSITORY, capture_output=True, text=True,
                               timeout=60)
    assert completed.returncode == 2
    assert completed.stderr.strip() == f"python -m ingestion: error: dataset folder not found: {tmp_path / 'none'}"
    assert "Traceback" not in completed.stderr


def test_run_command_parses_and_dispatches_one_module(tmp_path, capsys):
    assert run_command("autospeech.convert", [str(tmp_path / "x.csv"), "--output", str(tmp_path)], "conv") == 2
    assert capsys.readouterr().err.startswith("conv: error: no such folder or CSV file")


PACKAGED = ("pyproject.toml", "requirements.txt", "README.md", "model.py", "autospeech", "autospeech_model",
            "ingestion", "scoring", "benchmarks", "sample_data", "pretrained")


def test_installed_copy_has_no_generic_top_level_names_and_finds_its_weights(tmp_path):
    """A non-editable install (into a target folder, offline, from a copy of the sources): the console script's
    package, the model package with the weights inside it, the harness; no model.py, benchmarks, sample_data
    or pretrained at the top; and from another working directory the model finds the installed weights."""
    source = tmp_path / "source"
    source.mkdir()
    for name in PACKAGED:
        path = REPOSITORY / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.npz"))
        else:
            shutil.copy(path, source / name)
    site = tmp_path / "site"
    completed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                                "--no-index", "--target", str(site), str(source)], capture_output=True, text=True,
                               timeout=180)
    assert completed.returncode == 0, completed.stderr[-2000:]
    top_level = {path.name for path in site.iterdir() if not path.name.endswith((".dist-info", ".egg-info"))}
    assert top_level - {"bin", "__pycache__"} == {"autospeech", "autospeech_model", "ingestion", "scoring"}
    assert (site / "autospeech_model" / "pretrained" / "data01.keras").is_file()
    entry_points = next(site.glob("autospeech-*.dist-info")) / "entry_points.txt"
    assert "autospeech = autospeech.cli:main" in entry_points.read_text()
    probe = ("from autospeech_model.config import ModelConfig; from pathlib import Path; "
             "path = Path(ModelConfig().pretrained_weights); print(path.is_file(), path.parent.parent.name)")
    completed = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                               env={**os.environ, "PYTHONPATH": str(site)}, timeout=60)
    assert completed.stdout.split() == ["True", "autospeech_model"], completed.stderr[-2000:]


@pytest.mark.parametrize("argv, message", [
    (["convert", "in", "--output", "out", "--test-fraction", "1.5"], "--test-fraction: must be in [0, 1), got 1.5"),
    (["predict", "in.wav", "--model-dir", "m", "--batch-files", "0"], "--batch-files: must be at least 1, got 0"),
    (["score", "--predictions", "p", "--solution", "s", "--time-budget", "0"],
     "--time-budget/--time_budget: must be a positive number of seconds, at most 604800 (a week), got 0"),
    (["run", "--dataset", "d", "--output", "o", "--time-budget", "-5"],
     "--time-budget/--time_budget: must be a positive number of seconds, at most 604800 (a week), got -5"),
    (["fit", "--dataset", "d", "--model-dir", "m", "--time-budget", "inf"],
     "--time-budget: must be a positive number of seconds, at most 604800 (a week), got inf"),
    (["run", "--dataset", "d", "--output", "o", "--time-budget", "1e12"],
     "--time-budget/--time_budget: must be a positive number of seconds, at most 604800 (a week), got 1e12"),
    (["convert", "in", "--output", "out", "--time-budget", "99999999999"],
     "--time-budget: must be a positive number of seconds, at most 604800 (a week), got 99999999999"),
    (["convert", "in", "--output", "out", "--time-budget", "0.5"], "--time-budget: must be a whole number of "
     "seconds, got 0.5"),
    (["convert", "in", "--output", "out", "--seed", "-1"], "--seed: must be an integer in [0, 2**32), got -1"),
    (["fit", "--dataset", "d", "--model-dir", "m", "--seed", "one"],
     "--seed: must be an integer in [0, 2**32), got one"),
    (["run", "--dataset", "d", "--output", "o", "--time-budget", "soon"],
     "--time-budget/--time_budget: must be a positive number of seconds, at most 604800 (a week), got soon"),
    (["fit", "--dataset", "d", "--model-dir", "m", "--seed", "4294967296"],
     "--seed: must be an integer in [0, 2**32), got 4294967296"),
])
def test_out_of_range_options_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().endswith(message)
