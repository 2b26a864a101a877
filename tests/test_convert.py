"""The folder/CSV-of-audio converter (autospeech.convert) on real recordings written at other rates/channels."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile
import soxr
from conftest import real_clips_by_class

from autospeech.audio_files import AudioFileError, find_audio_files, read_audio
from autospeech.convert import convert, format_summary
from ingestion.dataset import SAMPLE_RATE, DatasetError, load_dataset
from autospeech_model.split import holdout_mask, quota_per_class


def write_clip(path: Path, clip: np.ndarray, rate: int = SAMPLE_RATE, channels: int = 1) -> Path:
    """Write a 16 kHz clip as an audio file at ``rate`` with ``channels`` (extra channels at half gain)."""
    resampled = soxr.resample(clip, SAMPLE_RATE, rate) if rate != SAMPLE_RATE else clip
    frames = np.stack([resampled * (1.0 if c == 0 else 0.5) for c in range(channels)], axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, frames, rate)
    return path


def class_folders(root: Path, counts: dict[str, int], suffix: str = ".wav", rate: int = SAMPLE_RATE) -> Path:
    """``root/CLASS/clip_i.suffix`` with ``counts[CLASS]`` real clips per class."""
    classes = real_clips_by_class(len(counts), max(counts.values()))
    for (label, count), clips in zip(counts.items(), classes):
        for i in range(count):
            write_clip(root / label / f"clip_{i}{suffix}", clips[i], rate)
    return root


def test_read_audio_averages_channels_and_resamples_to_16k(tmp_path):
    clip = real_clips_by_class(1, 1)[0][0]
    stereo = read_audio(write_clip(tmp_path / "stereo.wav", clip, channels=2))
    np.testing.assert_allclose(stereo, 0.75 * clip, atol=1e-4)  # mean of the channels (1.0, 0.5) × clip
    low_rate = read_audio(write_clip(tmp_path / "low.flac", clip, rate=8000))
    assert abs(len(low_rate) - len(clip)) <= 2
    n = min(len(low_rate), len(clip))
    assert np.corrcoef(low_rate[:n], clip[:n])[0, 1] > 0.9  # speech survives 8 kHz and back


def test_folder_of_mixed_formats_rates_and_channels_converts(tmp_path):
    clips = real_clips_by_class(2, 5)
    for i, clip in enumerate(clips[0]):
        write_clip(tmp_path / "in" / "yes" / f"{i}.wav", clip, rate=8000, channels=2)
    for i, clip in enumerate(clips[1]):
        write_clip(tmp_path / "in" / "no" / "nested" / f"{i}.ogg" if i % 2 else tmp_path / "in" / "no" / f"{i}.flac",
                   clip, rate=44100)
    summary = convert(tmp_path / "in", tmp_path / "out", name="mine")
    dataset = load_dataset(tmp_path / "out" / "mine", with_test_labels=True)
    assert dataset.class_names == ["no", "yes"]
    assert dataset.metadata["sample_rate"] == SAMPLE_RATE and "time_budget" not in dataset.metadata
    assert dataset.train_y.sum(axis=0).tolist() == [4, 4] and dataset.test_labels.sum(axis=0).tolist() == [1, 1]
    lengths = sorted(len(x) for x in dataset.train_x + dataset.test_x)
    assert lengths == pytest.approx(sorted(len(c) for c in clips[0] + clips[1]), abs=3)
    assert (summary.dataset_dir / "mine.data" / "train.pkl").exists()  # official format beside the npz
    assert summary.counts["train"] == {"no": 4, "yes": 4}
    assert summary.seconds["test"] == pytest.approx(sum(len(x) for x in dataset.test_x) / SAMPLE_RATE)
    report = format_summary(summary)
    assert report.splitlines()[1:5] == ["class  train   test", "no         4      1", "yes        4      1",
                                        "total      8      2"]


def test_split_is_stratified_and_seeded(tmp_path):
    class_folders(tmp_path / "in", {"a": 10, "b": 5})
    first = convert(tmp_path / "in", tmp_path / "out1", seed=1)
    again = convert(tmp_path / "in", tmp_path / "out2", seed=1)
    assert first.counts["test"] == {"a": 2, "b": 1} and first.counts["train"] == {"a": 8, "b": 4}
    x1 = load_dataset(first.dataset_dir).test_x
    x2 = load_dataset(again.dataset_dir).test_x
    assert all(np.array_equal(a, b) for a, b in zip(x1, x2))


def test_class_with_one_clip_goes_to_train_with_a_warning(tmp_path):
    class_folders(tmp_path / "in", {"many": 4, "more": 3, "single": 1})
    summary = convert(tmp_path / "in", tmp_path / "out")
    assert summary.counts["train"]["single"] == 1 and summary.counts["test"]["single"] == 0
    assert any("no test clips for class(es) single" in warning for warning in summary.warnings)
    assert "warning: no test clips" in format_summary(summary)
    assert load_dataset(summary.dataset_dir).train_y.shape == (6, 3)


def test_csv_listing_with_forced_split_and_groups(tmp_path):
    clips = real_clips_by_class(2, 6)
    rows = []
    for label, class_clips in zip(("cat", "dog"), clips):
        for i, clip in enumerate(class_clips):
            path = write_clip(tmp_path / "audio" / f"{label}{i}.wav", clip)
            split = "test" if label == "cat" and i == 5 else ""
            rows.append({"path": f"audio/{path.name}", "label": label, "split": split, "group": f"{label}{i // 2}"})
    listing = tmp_path / "list.csv"
    with open(listing, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["path", "label", "split", "group"])
        writer.writeheader()
        writer.writerows(rows)
    summary = convert(listing, tmp_path / "out", test_fraction=0.3, seed=3)
    dataset = load_dataset(summary.dataset_dir)
    assert dataset.name == "list" and dataset.class_names == ["cat", "dog"]
    test_clips = {clip.tobytes() for clip in dataset.test_x}
    by_name = {row["path"]: read_audio(tmp_path / row["path"]).tobytes() for row in rows}
    for row in rows:  # whole groups on one side; the pinned clip (and so its group cat2) in test
        partner = next(r for r in rows if r["group"] == row["group"] and r is not row)
        assert (by_name[row["path"]] in test_clips) == (by_name[partner["path"]] in test_clips)
    assert by_name["audio/cat5.wav"] in test_clips and by_name["audio/cat4.wav"] in test_clips
    assert summary.counts["test"]["dog"] == 2  # one group of two: round(0.3 × 6) = 2


def test_csv_row_of_a_missing_file_names_it(tmp_path):
    listing = tmp_path / "list.csv"
    listing.write_text("path,label\nmissing.wav,a\n")
    with pytest.raises(AudioFileError, match=f"audio file not found: {tmp_path / 'missing.wav'}"):
        convert(listing, tmp_path / "out")


def test_a_path_that_is_not_a_regular_file_is_named_so(tmp_path):
    os.mkfifo(tmp_path / "pipe.wav")
    with pytest.raises(AudioFileError, match=f"^audio file is not a regular file: {tmp_path / 'pipe.wav'}$"):
        read_audio(tmp_path / "pipe.wav")


def test_csv_errors_name_the_file_and_line(tmp_path):
    listing = tmp_path / "bad.csv"
    listing.write_text("file,label\nx.wav,a\n")
    with pytest.raises(DatasetError, match=r"bad\.csv: header lacks column\(s\) path"):
        convert(listing, tmp_path / "out")
    listing.write_text("path,label,split\nx.wav,a,validation\n")
    with pytest.raises(DatasetError, match=r"bad\.csv line 2: split must be train, test or empty"):
        convert(listing, tmp_path / "out")


def test_unreadable_file_stops_with_its_name_or_is_skipped(tmp_path):
    class_folders(tmp_path / "in", {"a": 3, "b": 3})
    broken = tmp_path / "in" / "a" / "broken.wav"
    broken.write_bytes(b"RIFF not really a wav")
    (tmp_path / "in" / "a" / "notes.txt").write_text("not audio")
    with pytest.raises(AudioFileError, match=r"cannot read audio file .*broken\.wav.*--skip-bad"):
        convert(tmp_path / "in", tmp_path / "out")
    summary = convert(tmp_path / "in", tmp_path / "out", skip_bad=True)
    reasons = {path.name: reason for path, reason in summary.skipped}
    assert set(reasons) == {"broken.wav", "notes.txt"} and "cannot read" in reasons["broken.wav"]
    assert "skipped 2 file(s)" in format_summary(summary)
    assert sum(summary.counts["train"].values()) + sum(summary.counts["test"].values()) == 6


def test_output_folder_is_never_overwritten(tmp_path):
    class_folders(tmp_path / "in", {"a": 2, "b": 2})
    convert(tmp_path / "in", tmp_path / "out")
    with pytest.raises(DatasetError, match="already exists"):
        convert(tmp_path / "in", tmp_path / "out")


def test_one_class_or_no_test_clip_is_an_error(tmp_path):
    class_folders(tmp_path / "one", {"only": 3})
    with pytest.raises(DatasetError, match="need at least 2 classes"):
        convert(tmp_path / "one", tmp_path / "out")
    class_folders(tmp_path / "singles", {"a": 1, "b": 1})
    with pytest.raises(DatasetError, match="no clip went to the test split"):
        convert(tmp_path / "singles", tmp_path / "out")


def test_quota_per_class_keeps_a_train_clip_and_give_test_at_least_one():
    assert quota_per_class({"a": 1, "b": 2, "c": 10, "d": 100}, 0.2) == {"b": 1, "c": 2, "d": 20}
    assert quota_per_class({"a": 5}, 0.0) == {}


def test_groups_never_straddle_and_conflicting_pins_are_rejected():
    labels = ["a"] * 6 + ["b"] * 6
    groups = [f"g{i // 3}" for i in range(12)]
    for seed in range(5):
        mask = holdout_mask(labels, 0.5, seed, groups)
        assert all(len({mask[i] for i in range(12) if groups[i] == g}) == 1 for g in set(groups))
        assert mask[:6].sum() == 3 and mask[6:].sum() == 3
    with pytest.raises(ValueError, match="group g0 has items pinned to both train and test"):
        holdout_mask(labels, 0.5, 0, groups, ["train", "test"] + [None] * 10)


def test_find_audio_files_expands_folders_and_rejects_missing_paths(tmp_path):
    class_folders(tmp_path / "in", {"a": 2})
    (tmp_path / "in" / "a" / "readme.md").write_text("x")
    assert [p.name for p in find_audio_files([tmp_path / "in"])] == ["clip_0.wav", "clip_1.wav"]
    with pytest.raises(AudioFileError, match="no such file or folder: .*missing.wav"):
        find_audio_files([tmp_path / "missing.wav"])
