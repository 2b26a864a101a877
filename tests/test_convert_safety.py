"""The converter never writes a dataset that leaks, lies or blocks a rerun: duplicate audio across labels,
looping symlinks, control characters in names, paths as names, an empty train side, a BOM CSV, and
failures while writing."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile
from conftest import real_clips_by_class

from autospeech.cli import main
from autospeech.convert import convert, format_summary
from ingestion.dataset import SAMPLE_RATE, DatasetError, load_dataset


def class_folders(root: Path, labels: tuple[str, ...] = ("a", "b"), clips: int = 3) -> Path:
    """``root/LABEL/i.wav``: ``clips`` real 16-bit clips per label."""
    for label, class_clips in zip(labels, real_clips_by_class(len(labels), clips)):
        (root / label).mkdir(parents=True)
        for i, clip in enumerate(class_clips):
            soundfile.write(root / label / f"{i}.wav", clip, SAMPLE_RATE, subtype="PCM_16")
    return root


def output_entries(output: Path) -> list[str]:
    """Everything in the output folder, hidden entries included (an empty list when it does not exist)."""
    return sorted(path.name for path in output.iterdir()) if output.exists() else []


def test_the_same_audio_under_two_labels_is_refused_naming_both_files(tmp_path, capsys):
    source = class_folders(tmp_path / "in")
    data, _ = soundfile.read(source / "a" / "1.wav", dtype="int16")
    soundfile.write(source / "b" / "copy.flac", data, SAMPLE_RATE)  # another format, the same samples
    assert main(["convert", str(source), "--output", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error == (f"autospeech: error: {source / 'b' / 'copy.flac'} (label 'b') holds the same audio as "
                     f"{source / 'a' / '1.wav'} (label 'a'): one clip cannot be of two classes; remove one of them")
    assert output_entries(tmp_path / "out") == []


def test_the_same_audio_twice_in_one_class_is_kept_once_and_listed(tmp_path):
    source = class_folders(tmp_path / "in")
    shutil.copy(source / "a" / "0.wav", source / "a" / "again.wav")
    summary = convert(source, tmp_path / "out")
    assert summary.skipped == [(source / "a" / "again.wav",
                                f"duplicate: the same audio as {source / 'a' / '0.wav'}, kept")]
    assert sum(summary.counts["train"].values()) + sum(summary.counts["test"].values()) == 6
    assert "skipped 1 file(s):" in format_summary(summary)


def test_a_symlink_to_the_source_folder_is_not_a_class(tmp_path):
    source = class_folders(tmp_path / "in")
    os.symlink(".", source / "everything")
    os.symlink("..", source / "a" / "up")  # inside a class folder: never descended into
    summary = convert(source, tmp_path / "out")
    assert summary.class_names == ["a", "b"]
    assert (source / "everything", f"symlink to {source.resolve()}, inside or above the source folder: "
                                   f"not followed") in summary.skipped
    assert sum(summary.counts["train"].values()) + sum(summary.counts["test"].values()) == 6


def test_a_symlinked_class_folder_elsewhere_is_followed_one_into_the_tree_is_not(tmp_path):
    elsewhere = class_folders(tmp_path / "elsewhere", labels=("c", "d", "e"))
    source = class_folders(tmp_path / "in")
    os.symlink(elsewhere / "e", source / "e")
    os.symlink(source / "a", source / "a_again")
    summary = convert(source, tmp_path / "out")
    assert summary.class_names == ["a", "b", "e"]
    assert [path.name for path, _ in summary.skipped] == ["a_again"]


def test_a_class_folder_name_with_a_newline_is_refused(tmp_path):
    source = class_folders(tmp_path / "in", labels=("a", "b\nc"))
    folder = source / "b\nc"
    with pytest.raises(DatasetError, match=re.escape(f"class folder {folder}: class name 'b\\nc' holds control "
                                                     f"character(s) \\n")):
        convert(source, tmp_path / "out")
    assert output_entries(tmp_path / "out") == []


def write_listing(path: Path, rows: list[str], bom: bool = False) -> Path:
    path.write_text(("\ufeff" if bom else "") + "path,label,split\n" + "".join(f"{row}\n" for row in rows),
                    encoding="utf-8")
    return path


def test_a_csv_label_with_a_tab_is_refused_naming_the_line(tmp_path):
    class_folders(tmp_path / "in")
    listing = write_listing(tmp_path / "list.csv", ["in/a/0.wav,a,", 'in/b/0.wav,"b\tx",'])
    with pytest.raises(DatasetError, match=re.escape(f"{listing} line 3: class name 'b\\tx' holds control "
                                                     f"character(s) \\t")):
        convert(listing, tmp_path / "out")


def test_a_csv_saved_with_a_utf8_bom_is_read(tmp_path):
    class_folders(tmp_path / "in")
    rows = [f"in/{label}/{i}.wav,{label}," for label in "ab" for i in range(3)]
    summary = convert(write_listing(tmp_path / "excel.csv", rows, bom=True), tmp_path / "out")
    assert summary.class_names == ["a", "b"] and summary.dataset_dir == tmp_path / "out" / "excel"


def test_a_csv_that_pins_every_clip_to_test_is_refused(tmp_path):
    class_folders(tmp_path / "in")
    listing = write_listing(tmp_path / "list.csv", [f"in/{label}/{i}.wav,{label},test"
                                                    for label in "ab" for i in range(3)])
    with pytest.raises(DatasetError, match=re.escape(f"{listing}: no clip is left for train (6 clips, all in "
                                                     f"test: pinned by the CSV's split column?)")):
        convert(listing, tmp_path / "out")
    assert output_entries(tmp_path / "out") == []


def test_a_test_side_of_one_class_is_refused(tmp_path):
    class_folders(tmp_path / "in")
    listing = write_listing(tmp_path / "list.csv", ["in/a/0.wav,a,test", "in/a/1.wav,a,train",
                                                    "in/b/0.wav,b,train", "in/b/1.wav,b,train"])
    with pytest.raises(DatasetError, match=r"the test split holds clips of class a only; scoring needs two"):
        convert(listing, tmp_path / "out", test_fraction=0.0)


@pytest.mark.parametrize("name, problem", [("../../x", "it holds a path separator"),
                                           ("a/b", "it holds a path separator"), ("..", "'..' is not a name"),
                                           ("x\ny", "it holds control character(s) \\n")])
def test_a_dataset_name_must_be_a_plain_name(tmp_path, capsys, name, problem):
    source = class_folders(tmp_path / "in")
    assert main(["convert", str(source), "--output", str(tmp_path / "deep" / "out"), "--name", name]) == 2
    assert capsys.readouterr().err == (f"autospeech: error: dataset name {name!r} must be a plain name "
                                       f"({problem}); choose one with --name\n")
    assert output_entries(tmp_path) == ["in"]


def test_the_default_name_of_the_current_folder_is_its_name(tmp_path, monkeypatch):
    source = class_folders(tmp_path / "mine")
    monkeypatch.chdir(source)
    assert convert(".", tmp_path / "out").dataset_dir == tmp_path / "out" / "mine"


def test_a_failure_while_writing_leaves_nothing_and_a_rerun_works(tmp_path):
    source = class_folders(tmp_path / "in")
    with pytest.raises(ValueError, match=r"unsupported waveform file type: .*train\.wav"):
        convert(source, tmp_path / "out", formats=("npz", "wav"))  # fails after meta.json and train.npz
    assert output_entries(tmp_path / "out") == []
    (tmp_path / "out" / ".in.partial-killed").mkdir()  # what a conversion killed while writing leaves
    summary = convert(source, tmp_path / "out")
    assert output_entries(tmp_path / "out") == [".in.partial-killed", "in"]
    np.testing.assert_array_equal(load_dataset(summary.dataset_dir).train_y.sum(axis=0), [2, 2])


def non_utf8_folder(source: Path) -> Path:
    """Rename class folder b to the byte 0xff (not valid UTF-8: Python sees the surrogate '\\udcff')."""
    folder = source / os.fsdecode(b"\xff")
    (source / "b").rename(folder)
    return folder


def long_field_listing(source: Path) -> Path:
    """A CSV whose line 3 holds a path longer than the csv module's field limit (131072 characters)."""
    return write_listing(source.parent / "list.csv", ["in/a/0.wav,a,", "in/" + "x" * 200_000 + ".wav,b,"])


@pytest.mark.parametrize("skip_bad", [[], ["--skip-bad"]])
@pytest.mark.parametrize("spoil, problem", [
    (lambda source: f"class folder {non_utf8_folder(source).parent}/\\xff: class name '\\udcff' is not valid UTF-8",
     "the folder's name"),
    (lambda source: f"{long_field_listing(source)} line 3: field larger than field limit (131072)", "the CSV line"),
])
def test_a_class_folder_name_that_is_not_utf8_or_a_huge_csv_field_is_one_line_naming_it(tmp_path, capsys, spoil,
                                                                                         problem, skip_bad):
    source = class_folders(tmp_path / "in")
    expected = spoil(source)
    given = tmp_path / "list.csv" if (tmp_path / "list.csv").exists() else source
    assert main(["convert", str(given), "--output", str(tmp_path / "out"), *skip_bad]) == 2
    error = capsys.readouterr().err
    assert error == f"autospeech: error: {expected}\n", f"the error should name {problem}"
    assert output_entries(tmp_path / "out") == []


def test_an_audio_file_whose_name_is_not_utf8_is_read(tmp_path):
    source = class_folders(tmp_path / "in")
    odd = source / "a" / os.fsdecode(b"\xff.wav")
    (source / "a" / "0.wav").rename(odd)
    summary = convert(source, tmp_path / "out")
    assert sum(summary.counts["train"].values()) + sum(summary.counts["test"].values()) == 6
    assert summary.skipped == []
