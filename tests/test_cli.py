"""The `autospeech` command: subcommand dispatch, --help, one-line errors, and the installable package."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest
import soundfile
import tomllib
from conftest import REPOSITORY, real_clips_by_class

from autospeech.cli import SUBCOMMANDS, main, run_command
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
                       "score": "--solution", "fit": "--model-dir", "predict": "--model-dir"}[name]
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
    completed = subprocess.run([sys.executable, "-m", "ingestion.convert", str(tmp_path), "--output",
                                str(tmp_path / "out")], cwd=REPOSITORY, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert completed.stderr.strip() == (f"python -m ingestion.convert: error: no audio files found in {tmp_path} "
                                        f"(looked for class subfolders or CSV rows)")
    assert "Traceback" not in completed.stderr


def test_run_command_parses_and_dispatches_one_module(tmp_path, capsys):
    assert run_command("ingestion.convert", [str(tmp_path / "x.csv"), "--output", str(tmp_path)], "conv") == 2
    assert capsys.readouterr().err.startswith("conv: error: no such folder or CSV file")


def test_pyproject_installs_the_console_script_and_reads_requirements():
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["autospeech"] == "autospeech.cli:main"
    assert project["tool"]["setuptools"]["dynamic"]["dependencies"]["file"] == ["requirements.txt"]
    assert project["tool"]["pytest"]["ini_options"]["pythonpath"] == ["."]


PACKAGED = ("pyproject.toml", "requirements.txt", "README.md", "model.py", "autospeech", "ingestion", "scoring",
            "benchmarks", "pretrained")


def test_wheel_holds_the_packages_model_module_and_pretrained_weights(tmp_path):
    """Build the wheel offline from a copy of the sources (the repository stays clean) and check its contents."""
    source = tmp_path / "source"
    source.mkdir()
    for name in PACKAGED:
        path = REPOSITORY / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif path.exists():
            shutil.copy(path, source / name)
    (source / "pretrained").mkdir(exist_ok=True)
    (source / "pretrained" / "probe.keras").write_bytes(b"weights")
    completed = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                                "--wheel-dir", str(tmp_path / "dist"), str(source)], capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("autospeech-*.whl")
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    for module in ("model.py", "autospeech/cli.py", "autospeech/__main__.py", "autospeech/config.py",
                   "ingestion/convert.py", "ingestion/dataset.py", "scoring/score.py"):
        assert module in names
    weights = {name for name in names if name.startswith("pretrained/")}
    assert weights == {f"pretrained/{path.name}" for path in (source / "pretrained").iterdir()}
    assert "pretrained/probe.keras" in weights
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "autospeech = autospeech.cli:main" in archive.read(entry_points).decode()
    metadata = archive.read(next(name for name in names if name.endswith("METADATA"))).decode()
    assert "Requires-Dist: tensorflow==2.20.0" in metadata
    assert not any("__pycache__" in name or name.startswith("tests/") for name in names)


@pytest.mark.parametrize("argv, message", [
    (["convert", "in", "--output", "out", "--test-fraction", "1.5"], "--test-fraction: must be in [0, 1), got 1.5"),
    (["predict", "in.wav", "--model-dir", "m", "--batch-files", "0"], "--batch-files: must be at least 1, got 0"),
    (["score", "--predictions", "p", "--solution", "s", "--time-budget", "0"],
     "--time-budget: must be a positive number, got 0"),
    (["run", "--dataset", "d", "--output", "o", "--time-budget", "-5"],
     "--time-budget: must be a positive number, got -5"),
    (["fit", "--dataset", "d", "--model-dir", "m", "--time-budget", "inf"],
     "--time-budget: must be a positive number, got inf"),
])
def test_out_of_range_options_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().endswith(message)
