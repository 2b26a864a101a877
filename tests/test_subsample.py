"""The subsampled dataset: fewer training clips, the same test set, and a manifest that still matches."""

from __future__ import annotations

import shutil
from collections import Counter

import numpy as np
import pytest
from conftest import REPOSITORY

from benchmarks.manifests import training_groups
from ingestion.command import BAD_INPUT_EXIT_CODE, run_command
from ingestion.dataset import load_dataset

SOURCE = REPOSITORY / "sample_data" / "data02"


def test_a_stratified_subsample_keeps_the_test_set_and_a_matching_manifest(tmp_path, capsys):
    assert run_command("benchmarks.subsample", ["--dataset", str(SOURCE), "--train", "40", "--output",
                                                str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {tmp_path / 'data02'}"
    source, smaller = load_dataset(SOURCE, with_test_labels=True), load_dataset(tmp_path / "data02",
                                                                               with_test_labels=True)
    # about 40: each of the 4 classes is rounded on its own
    assert abs(len(smaller.train_x) - 40) <= 2 and smaller.metadata["train_num"] == len(smaller.train_x)
    assert smaller.class_names == source.class_names and smaller.metadata["time_budget"] == source.metadata[
        "time_budget"]
    np.testing.assert_array_equal(smaller.test_labels, source.test_labels)
    assert all(np.array_equal(a, b) for a, b in zip(smaller.test_x, source.test_x))
    counts, source_counts = (Counter(d.train_y.argmax(axis=1).tolist()) for d in (smaller, source))
    assert set(counts) == set(source_counts)
    for label, count in counts.items():  # in proportion, within rounding
        assert abs(count - 40 * source_counts[label] / len(source.train_x)) <= 0.5
    source_clips = {clip.tobytes() for clip in source.train_x}
    assert all(clip.tobytes() in source_clips for clip in smaller.train_x)
    groups = training_groups(tmp_path / "manifests" / "data02.csv", smaller)  # rows match the kept clips' classes
    source_groups = dict(zip((c.tobytes() for c in source.train_x),
                             training_groups(REPOSITORY / "sample_data" / "manifests" / "data02.csv", source)))
    assert groups == [source_groups[clip.tobytes()] for clip in smaller.train_x]


@pytest.mark.parametrize("train, output, message", [
    ("3", None, "--train 3: must be at least the 4 classes"),
    ("83", None, "fewer than the 83 training clips"),
    ("40", "source", "would overwrite the source dataset"),
])
def test_impossible_sizes_or_the_source_folder_are_one_line_errors(tmp_path, capsys, train, output, message):
    target = SOURCE.parent if output == "source" else tmp_path
    code = run_command("benchmarks.subsample", ["--dataset", str(SOURCE), "--train", train, "--output", str(target)])
    error = capsys.readouterr().err.strip()
    assert code == BAD_INPUT_EXIT_CODE and len(error.splitlines()) == 1 and message in error
    assert not (tmp_path / "data02").exists()


def test_a_manifest_that_does_not_match_its_dataset_stops_before_anything_is_written(tmp_path, capsys):
    source = tmp_path / "source"
    shutil.copytree(SOURCE, source / "data02")
    (source / "manifests").mkdir()
    lines = (REPOSITORY / "sample_data" / "manifests" / "data02.csv").read_text().splitlines(keepends=True)
    (source / "manifests" / "data02.csv").write_text("".join(lines[:-70]))  # training rows cut short
    code = run_command("benchmarks.subsample", ["--dataset", str(source / "data02"), "--train", "40", "--output",
                                                str(tmp_path / "out")])
    error = capsys.readouterr().err.strip()
    assert code == BAD_INPUT_EXIT_CODE and str(source / "manifests" / "data02.csv") in error
    assert "training rows, but data02 has 83 training clips" in error and not (tmp_path / "out").exists()


def files_of(folder):
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.mark.parametrize("command, arguments, name", [
    ("benchmarks.subsample", ["--dataset", str(SOURCE), "--train", "40"], "data02"),
    ("benchmarks.enlarge", ["--dataset", str(SOURCE), "--classes", "4", "--train", "4", "--test", "4",
                            "--seconds", "0.5"], "data02_4x4"),
])
def test_a_dataset_tool_writes_a_new_dataset_and_never_over_an_existing_one(tmp_path, capsys, command, arguments,
                                                                            name):
    assert run_command(command, [*arguments, "--output", str(tmp_path)]) == 0
    written = load_dataset(tmp_path / name, with_test_labels=True)
    assert len(written.test_x) == (4 if command == "benchmarks.enlarge" else len(load_dataset(SOURCE).test_x))
    earlier, entries = files_of(tmp_path), sorted(tmp_path.iterdir())
    capsys.readouterr()
    assert run_command(command, [*arguments, "--output", str(tmp_path)]) == BAD_INPUT_EXIT_CODE
    assert capsys.readouterr().err.strip().endswith(f"output dataset folder already exists: {tmp_path / name}")
    assert files_of(tmp_path) == earlier and sorted(tmp_path.iterdir()) == entries  # no partial folder left


@pytest.mark.parametrize("arguments, message", [
    (["--classes", "6", "--train", "3", "--test", "6"], "--train 3: must be at least the 6 classes"),
    (["--classes", "6", "--train", "6", "--test", "1"], "--test 1: must be at least the 6 classes"),
])
def test_enlarge_refuses_a_side_without_every_class(tmp_path, capsys, arguments, message):
    assert run_command("benchmarks.enlarge", ["--dataset", str(SOURCE), *arguments, "--output",
                                              str(tmp_path)]) == BAD_INPUT_EXIT_CODE
    assert message in capsys.readouterr().err and not list(tmp_path.iterdir())


@pytest.mark.parametrize("seconds", ["0", "-2", "nan", "1e9"])
def test_enlarge_refuses_a_clip_length_outside_a_minute(seconds, capsys):
    with pytest.raises(SystemExit):
        run_command("benchmarks.enlarge", ["--seconds", seconds])
    assert f"--seconds: must be a number of seconds in (0, 60], got {seconds}" in capsys.readouterr().err
