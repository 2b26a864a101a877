"""The committed sample datasets are sound, and the split/cap/dedupe logic that built them is honest."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile

from ingestion.command import run_command
from autospeech.audio_files import read_audio
from ingestion.dataset import SAMPLE_RATE, load_dataset
from sample_data.audio import content_hash, crop, mix
from sample_data.build import decode_unique, select_clips
from sample_data.clips import Clip, piece_names
from sample_data.recipes import RECIPES, Recipe
from sample_data.selection import SplitError, cap_per_class, split_by_group

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
NAMES = sorted(RECIPES)


@pytest.fixture(scope="module", params=NAMES)
def dataset(request):
    return load_dataset(SAMPLE_DIR / request.param, with_test_labels=True)


def read_manifest(name: str) -> list[dict]:
    with open(SAMPLE_DIR / "manifests" / f"{name}.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_class_has_train_and_test_clips(dataset):
    assert dataset.class_names is not None and len(dataset.class_names) == dataset.metadata["class_num"]
    assert dataset.metadata["time_budget"] == 1800 and dataset.metadata["sample_rate"] == SAMPLE_RATE
    assert np.all(dataset.train_y.sum(axis=0) > 0)
    assert np.all(dataset.test_labels.sum(axis=0) > 0)
    assert np.all(dataset.train_y.sum(axis=1) == 1) and np.all(dataset.test_labels.sum(axis=1) == 1)


def test_waveforms_are_sane_and_at_most_5_seconds(dataset):
    for clip in dataset.train_x + dataset.test_x:
        assert 0 < len(clip) <= 5 * SAMPLE_RATE + 1000  # Opus may pad a few ms
        assert np.all(np.isfinite(clip)) and np.max(np.abs(clip)) > 1e-4


def test_no_clip_is_in_both_train_and_test(dataset):
    train = {content_hash(clip) for clip in dataset.train_x}
    test = [content_hash(clip) for clip in dataset.test_x]
    assert not train.intersection(test)
    assert len(set(test)) == len(test)


def test_manifest_matches_dataset_and_groups_do_not_straddle(dataset):
    rows = read_manifest(dataset.name)
    assert [row["split"] for row in rows] == ["train"] * len(dataset.train_x) + ["test"] * len(dataset.test_x)
    labels = np.concatenate([dataset.train_y, dataset.test_labels]).argmax(axis=1)
    assert [row["class"] for row in rows] == [dataset.class_names[i] for i in labels]
    train_groups = {row["group"] for row in rows if row["split"] == "train"}
    test_groups = {row["group"] for row in rows if row["split"] == "test"}
    assert not train_groups & test_groups
    assert all(row["package"] and row["path"] for row in rows)


def _check_split(labels, groups, test):
    for group in set(groups):
        sides = {bool(t) for g, t in zip(groups, test) if g == group}
        assert len(sides) == 1, f"group {group} straddles the split"
    for label in set(labels):
        sides = {bool(t) for l, t in zip(labels, test) if l == label}
        assert sides == {True, False}, f"class {label} is not on both sides"


def test_split_keeps_groups_whole_and_every_class_on_both_sides():
    rng = np.random.default_rng(1)
    labels = [f"c{i % 3}" for i in range(90)]
    groups = [f"{label}-g{rng.integers(5)}" for label in labels]
    test = split_by_group(labels, groups, 0.25, seed=0)
    _check_split(labels, groups, test)
    assert 0.1 < test.mean() < 0.5
    assert np.array_equal(test, split_by_group(labels, groups, 0.25, seed=0))


def test_split_with_groups_holding_several_classes():
    labels = ["a", "b", "c"] * 8
    groups = [f"speaker{i // 3}" for i in range(24)]  # each speaker says one clip of every class
    test = split_by_group(labels, groups, 0.25, seed=3)
    _check_split(labels, groups, test)


def test_split_fails_clearly_when_a_class_has_one_group():
    with pytest.raises(SplitError, match="b"):
        split_by_group(["a", "a", "b", "b"], ["g1", "g2", "g3", "g3"], 0.5, seed=0)


def test_cap_per_class_limits_classes_and_groups():
    labels = ["a"] * 30 + ["b"] * 5
    groups = [f"a{i // 10}" for i in range(30)] + ["b0"] * 5
    keep = cap_per_class(labels, groups, max_per_class=12, seed=0, max_per_group=4)
    kept = Counter(labels[i] for i in keep)
    assert kept == {"a": 12, "b": 4}
    assert Counter(groups[i] for i in keep if labels[i] == "a") == {"a0": 4, "a1": 4, "a2": 4}


def _clip(label: str, source: str, waveform: np.ndarray, group: str = "g") -> Clip:
    return Clip(label, "pkg", source, group, lambda: waveform)


def test_decode_unique_drops_duplicates_silence_and_crops():
    tone = np.sin(np.arange(3 * SAMPLE_RATE) / 10).astype(np.float32)
    clips = [_clip("a", "1", tone), _clip("b", "2", tone.copy()), _clip("a", "3", np.zeros(SAMPLE_RATE)),
             _clip("b", "4", tone[:100]), _clip("b", "5", 0.5 * tone)]
    selected = decode_unique(clips, max_seconds=2.0)
    assert [item.clip.source for item in selected] == ["1", "5"]
    assert all(len(item.waveform) == 2 * SAMPLE_RATE for item in selected)


def test_small_selection_takes_a_subset_of_classes_deterministically():
    recipe = Recipe("x", "test", lambda cache: ([], []), max_per_class=100, small_classes=2, small_per_class=3)
    clips = [_clip(f"c{i % 4}", f"s{i}", np.ones(10), group=f"g{i}") for i in range(40)]
    small = select_clips(recipe, clips, small=True, seed=0)
    assert len({c.label for c in small}) == 2 and len(small) == 6
    assert small == select_clips(recipe, list(reversed(clips)), small=True, seed=0)
    assert len(select_clips(recipe, clips, small=False, seed=0)) == 40


def test_read_audio_resamples_to_16k_mono_and_reads_a_part(tmp_path):
    time = np.arange(3 * 44100) / 44100
    stereo = np.stack([np.sin(2 * np.pi * 440 * time), np.sin(2 * np.pi * 440 * time)], axis=1) * 0.5
    path = tmp_path / "tone.wav"
    soundfile.write(path, stereo, 44100)
    whole = read_audio(path)
    part = read_audio(path, start_seconds=1.0, seconds=1.0)
    assert whole.dtype == np.float32 and abs(len(whole) - 3 * SAMPLE_RATE) <= 1
    assert abs(len(part) - SAMPLE_RATE) <= 1
    assert abs(float(np.max(np.abs(whole))) - 0.5) < 0.02


def test_audio_helpers():
    waveform = np.arange(3 * SAMPLE_RATE, dtype=np.float32)
    assert len(crop(waveform, 0.5)) == SAMPLE_RATE // 2
    mixed = mix([np.ones(5, np.float32), np.ones(3, np.float32)])
    assert len(mixed) == 3 and np.max(np.abs(mixed)) <= 1.0
    assert content_hash(waveform) != content_hash(waveform[:-1])


def test_versions_of_a_music_piece_share_a_group():
    pieces = piece_names(["forest", "forest2", "forestmap", "airship_2", "airship_remix", "track3",
                          "track3_enhanced", "track13", "halloween_1"])
    assert pieces["forest2"] == pieces["forestmap"] == pieces["forest"]
    assert pieces["airship_2"] == pieces["airship_remix"]
    assert pieces["track3_enhanced"] == pieces["track3"] != pieces["track13"]
    assert pieces["halloween_1"] == "halloween1"  # no "halloween" piece: the number stays


def test_cli_rejects_unknown_dataset_names(capsys):
    assert run_command("sample_data.build", ["--only", "data99"], prog="build") == 2
    assert capsys.readouterr().err.startswith("build: error: unknown dataset(s) in --only: data99 (known: data01")
