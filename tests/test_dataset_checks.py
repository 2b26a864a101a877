"""The dataset reader refuses what would run code or silently feed the model wrong data, before any budget is
spent: unsafe pickles, stereo or integer clips, absurd metadata, and a test solution that cannot be scored."""

from __future__ import annotations

import array
import io
import json
import os
import pickle
import pickletools
import re
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile
from conftest import REPOSITORY, make_tiny_dataset, real_clips_by_class

from autospeech.cli import main
from ingestion.dataset import (MAX_METADATA_BYTES, MAX_SMALL_FILE_BYTES, MAX_TIME_BUDGET, MIN_TIME_BUDGET,
                               DatasetError, check_solution, load_dataset, load_waveforms, save_dataset, solution_path)

DUMMY_MODELS = Path(__file__).resolve().parent / "dummy_models"


class TouchFile:
    """Unpickling this runs ``touch PATH``: what a hostile train.pkl does."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return os.system, (f"touch {self.path}",)


class Python2Pickler(pickle._Pickler):
    """Protocol 2 as Python 2 wrote numpy arrays: their bytes as a Python 2 str (BINSTRING)."""

    def save_bytes(self, obj: bytes) -> None:
        self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch = {**pickle._Pickler.dispatch, bytes: save_bytes}


def as_numpy1(data: bytes) -> bytes:
    """A numpy 2 pickle as numpy 1.x writes it: ``numpy.core`` instead of ``numpy._core`` (reframed)."""
    for new in (b"numpy._core.multiarray", b"numpy._core.numeric"):
        old = new.replace(b"._core.", b".core.")
        data = data.replace(bytes([0x8C, len(new)]) + new, bytes([0x8C, len(old)]) + old)
        data = data.replace(new + b"\n", old + b"\n")
    return pickletools.optimize(data)


def pickle_dataset(tmp_path: Path, n_classes: int = 2) -> Path:
    return make_tiny_dataset(tmp_path, n_classes=n_classes, clips_per_class=2, test_per_class=1, formats=("pkl",))


def test_a_pickle_that_runs_code_is_refused_and_never_runs(tmp_path):
    dataset = pickle_dataset(tmp_path)
    marker, train = tmp_path / "pwned", dataset / "tiny.data" / "train.pkl"
    train.write_bytes(pickle.dumps([TouchFile(marker)]))
    with pytest.raises(DatasetError, match=re.escape(f"refusing to unpickle posix.system from {train}: only lists "
                                                     f"of numpy arrays are allowed; pass --trust-pickle")):
        load_dataset(dataset)
    assert not marker.exists()


def test_ingestion_refuses_a_hostile_pickle_in_one_line_with_exit_2(tmp_path):
    dataset = pickle_dataset(tmp_path)
    marker, test = tmp_path / "pwned", dataset / "tiny.data" / "test.pkl"
    test.write_bytes(pickle.dumps([np.zeros(10, np.float32), TouchFile(marker)], protocol=2))
    done = subprocess.run([sys.executable, "-m", "ingestion", "--dataset", str(dataset), "--code-dir",
                           str(DUMMY_MODELS / "class_prior"), "--output", str(tmp_path / "out")],
                          cwd=REPOSITORY, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (f"python -m ingestion: error: refusing to unpickle posix.system from "
                                            f"{test}: only lists of numpy arrays are allowed; pass --trust-pickle "
                                            f"if you trust this file")
    assert "Traceback" not in done.stderr and not marker.exists()
    assert not list(tmp_path.glob("out/*.predict_*"))


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("numpy_names", ["numpy 2", "numpy 1"])
def test_numpy_pickles_of_every_protocol_and_numpy_version_load(tmp_path, protocol, numpy_names):
    clips = [np.linspace(-1, 1, 50, dtype=np.float32), np.zeros(0, np.float64), np.arange(3, dtype=np.float16)]
    data = pickle.dumps(tuple(clips), protocol=protocol)
    if numpy_names == "numpy 1":
        data = as_numpy1(data)
        assert b"numpy.core." in data and b"numpy._core." not in data
    (tmp_path / "train.pkl").write_bytes(data)
    loaded = load_waveforms(tmp_path, "train")
    assert [clip.dtype for clip in loaded] == [np.float32] * 3
    for got, expected in zip(loaded, clips):
        np.testing.assert_array_equal(got, expected.astype(np.float32))


def test_a_python2_pickle_loads(tmp_path):
    clip = real_clips_by_class(1, 1)[0][0]
    with open(tmp_path / "test.pkl", "wb") as handle:
        Python2Pickler(handle, protocol=2).dump([clip])
    assert b"T" + struct.pack("<i", clip.nbytes) in (tmp_path / "test.pkl").read_bytes()  # data as a py2 str
    np.testing.assert_array_equal(load_waveforms(tmp_path, "test")[0], clip)


def test_trust_pickle_reads_what_the_allow_list_refuses(tmp_path):
    (tmp_path / "train.pkl").write_bytes(pickle.dumps([array.array("f", [0.5, -0.25])]))
    with pytest.raises(DatasetError, match=r"refusing to unpickle array\._array_reconstructor from "):
        load_waveforms(tmp_path, "train")
    np.testing.assert_array_equal(load_waveforms(tmp_path, "train", trust_pickle=True)[0], [0.5, -0.25])


def save_pkl(path: Path, clips: list) -> Path:
    path.write_bytes(pickle.dumps(clips, protocol=4))
    return path


def save_raw_npz(path: Path, clips: list[np.ndarray]) -> Path:
    """A raw .npz as the format allows: clips concatenated along the first axis, with offsets."""
    offsets = np.concatenate([[0], np.cumsum([len(clip) for clip in clips])])
    np.savez(path, waveforms=np.concatenate(clips), offsets=offsets)
    return path


@pytest.mark.parametrize("layout", ["frames, channels", "channels, frames"])
def test_stereo_clips_are_averaged_not_interleaved(tmp_path, layout):
    left, right = real_clips_by_class(2, 1)
    n = min(len(left[0]), len(right[0]))
    stereo = np.stack([left[0][:n], right[0][:n]], axis=1 if layout == "frames, channels" else 0)
    save_pkl(tmp_path / "train.pkl", [stereo])
    mono = load_waveforms(tmp_path, "train")[0]
    np.testing.assert_allclose(mono, (left[0][:n] + right[0][:n]) / 2, atol=1e-7)


def test_stereo_raw_npz_is_averaged_like_pkl(tmp_path):
    left, right = real_clips_by_class(2, 1)
    clips = [np.stack([left[0][:900], right[0][:900]], axis=1), np.stack([left[0][:5], right[0][:5]], axis=1)]
    save_raw_npz(tmp_path / "test.npz", clips)
    save_pkl(tmp_path / "test.pkl", clips)
    from_npz = load_waveforms(tmp_path, "test")
    (tmp_path / "test.npz").unlink()
    for a, b in zip(from_npz, load_waveforms(tmp_path, "test")):
        np.testing.assert_array_equal(a, b)
    assert [len(clip) for clip in from_npz] == [900, 5]


@pytest.mark.parametrize("subtype, dtype", [("PCM_16", np.int16), ("PCM_32", np.int32)])
def test_integer_clips_are_scaled_like_soundfile_in_pkl_and_npz(tmp_path, subtype, dtype):
    clip = real_clips_by_class(1, 1)[0][0]
    soundfile.write(tmp_path / "clip.wav", clip, 16000, subtype=subtype)
    integers, _ = soundfile.read(tmp_path / "clip.wav", dtype=dtype.__name__)
    expected, _ = soundfile.read(tmp_path / "clip.wav", dtype="float32")
    save_pkl(tmp_path / "train.pkl", [integers])
    save_raw_npz(tmp_path / "test.npz", [integers])
    for split in ("train", "test"):
        np.testing.assert_array_equal(load_waveforms(tmp_path, split)[0], expected)


def test_uint8_and_int8_clips_are_centred_and_scaled(tmp_path):
    save_pkl(tmp_path / "train.pkl", [np.array([0, 128, 255], np.uint8), np.array([-128, 0, 127], np.int8)])
    unsigned, signed = load_waveforms(tmp_path, "train")
    np.testing.assert_array_equal(unsigned, [-1.0, 0.0, 127 / 128])
    np.testing.assert_array_equal(signed, [-1.0, 0.0, 127 / 128])


@pytest.mark.parametrize("clip, problem", [
    (np.zeros((2, 3, 100), np.float32), r"has shape \(2, 3, 100\): expected 1-D samples, or 2-D with at most 8"),
    (np.zeros((100, 100), np.float32), r"has shape \(100, 100\)"),
    (np.float32(0.5), r"has shape \(\)"),
    (np.array(["a", "b"]), r"is not numeric \(dtype <U1\)"),
    ([[0.1, 0.2], [0.1, [0.2]]], r"is not an array of samples: setting an array element with a sequence"),
    (np.array([0.5, -1e300]), r"holds samples beyond float32's range \(largest magnitude 1e\+300\)"),
])
def test_unusable_clips_are_named_by_file_and_index(tmp_path, clip, problem):
    path = save_pkl(tmp_path / "train.pkl", [np.zeros(10, np.float32), clip])
    with pytest.raises(DatasetError, match=re.escape(f"{path} clip 1 ") + problem):
        load_waveforms(tmp_path, "train")


def test_npz_offsets_that_do_not_cover_the_clips_are_named(tmp_path):
    path = tmp_path / "train.npz"
    np.savez(path, waveforms=np.zeros((2, 1000), np.float32), offsets=np.array([0, 500, 1000]))  # channels first
    with pytest.raises(DatasetError, match=re.escape(f"{path}: offsets must be integers rising from 0 to the "
                                                     f"length of waveforms (2)")):
        load_waveforms(tmp_path, "train")


def rewrite_meta(dataset: Path, **changes: object) -> Path:
    meta = dataset / "tiny.data" / "meta.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), **changes}))
    return meta


@pytest.mark.parametrize("budget, problem", [
    *[(budget, f"must be a positive number of seconds, at most {MAX_TIME_BUDGET:g} (a week), got {budget!r}")
      for budget in (0, -5, True, "fast", 1e12, float("inf"), float("nan"), [60])],
    *[(budget, f"must be at least {MIN_TIME_BUDGET:g} s (a millisecond), got {budget!r}")
      for budget in (5e-324, MIN_TIME_BUDGET / 2)],  # 5e-324 / 60 is 0.0: the ALC's time scale would divide by 0
])
def test_an_absurd_time_budget_is_refused_naming_meta_json(tmp_path, budget, problem):
    meta = rewrite_meta(make_tiny_dataset(tmp_path, n_classes=2, clips_per_class=1, test_per_class=1),
                        time_budget=budget)
    with pytest.raises(DatasetError, match=re.escape(f"metadata file {meta}: time_budget {problem}")):
        load_dataset(meta.parent.parent)


def test_a_sane_or_absent_time_budget_is_accepted(tmp_path):
    dataset = make_tiny_dataset(tmp_path, n_classes=2, clips_per_class=1, test_per_class=1)
    for budget in (MIN_TIME_BUDGET, 0.5, 1800, MAX_TIME_BUDGET, None):
        rewrite_meta(dataset, time_budget=budget)
        assert load_dataset(dataset).metadata["time_budget"] == budget


@pytest.mark.parametrize("key, value, least", [("class_num", 1, 2), ("class_num", True, 2), ("test_num", 0, 1),
                                               ("train_num", 0, 1), ("train_num", 2.0, 1)])
def test_counts_that_cannot_make_a_task_are_refused(tmp_path, key, value, least):
    meta = rewrite_meta(make_tiny_dataset(tmp_path, n_classes=2, clips_per_class=1, test_per_class=1),
                        **{key: value})
    with pytest.raises(DatasetError, match=re.escape(f"metadata file {meta}: {key} must be an integer of at "
                                                     f"least {least}, got {value!r}")):
        load_dataset(meta.parent.parent)


@pytest.mark.parametrize("solution, problem", [
    ("1 0 0\n0 1 0\n", "has 2 rows, expected 3"),
    ("1 0 0\n0 1 0\n0 0 1\n1 0 0\n", "has 4 rows, expected 3"),
    ("1 0\n0 1\n1 0\n", "has 2 columns, class_num is 3"),
    ("1 1 0\n0 1 0\n0 0 1\n", "row 1 sums to 2, but each row must be one-hot"),
    ("0 1 0\n0 1 0\n0 1 0\n", "every test clip is of class 1; scoring needs test clips of at least two classes"),
    ("", " is empty"),
    ("\n  \n", " is empty"),
])
def test_a_test_solution_that_cannot_be_scored_is_refused_before_the_run(tmp_path, solution, problem):
    dataset = make_tiny_dataset(tmp_path, n_classes=3, clips_per_class=1, test_per_class=1)
    solution_path(dataset).write_text(solution)
    for check in (load_dataset, check_solution):
        with pytest.raises(DatasetError, match=re.escape(str(solution_path(dataset))) + ".*" + re.escape(problem)):
            check(dataset)


def test_a_name_data_that_is_not_a_folder_is_named(tmp_path):
    dataset = tmp_path / "tiny"
    dataset.mkdir()
    (dataset / "tiny.data").write_text("not a folder")
    with pytest.raises(DatasetError, match=re.escape(f"{dataset / 'tiny.data'} must be a folder (NAME.data)")):
        load_dataset(dataset)


def test_a_missing_solution_is_fine_for_ingestion_but_not_for_check_solution(tmp_path):
    dataset = make_tiny_dataset(tmp_path, n_classes=2, clips_per_class=1, test_per_class=1)
    assert check_solution(dataset) == solution_path(dataset)
    solution_path(dataset).unlink()
    assert load_dataset(dataset).test_labels is None
    with pytest.raises(DatasetError, match=re.escape(f"missing solution file: {solution_path(dataset)}")):
        check_solution(dataset)


def test_save_dataset_writes_what_the_reader_reads(tmp_path):
    stereo = np.stack([np.arange(100, dtype=np.int16)] * 2, axis=1)
    labels = np.eye(2, dtype=int)
    dataset = save_dataset(tmp_path, "mixed", [stereo, stereo], labels, [stereo, stereo], labels,
                           formats=("npz", "pkl"))
    expected = np.arange(100, dtype=np.float32) / 32768
    np.testing.assert_array_equal(load_dataset(dataset).train_x[0], expected)
    (dataset / "mixed.data" / "train.npz").unlink()
    np.testing.assert_array_equal(load_dataset(dataset).train_x[1], expected)


def link_to_dev_zero(path: Path) -> None:
    path.unlink()
    path.symlink_to("/dev/zero")


# (file in NAME.data, how to spoil it, what the error says after the file's path)
SPOILED_SMALL_FILES = {
    "deeply nested meta.json": ("meta.json", lambda path: path.write_text("[" * 100_000), ": nested too deeply"),
    "non-UTF-8 meta.json": ("meta.json", lambda path: path.write_bytes(b'\xff\xfe{"class_num": 2}'),
                            " is not UTF-8 text: 'utf-8' codec can't decode byte 0xff"),
    "meta.json over the size cap": ("meta.json", lambda path: path.write_text(json.dumps(
        {**json.loads(path.read_text()), "extra": "x" * MAX_SMALL_FILE_BYTES})),
        f" is larger than {MAX_SMALL_FILE_BYTES:,} bytes"),
    "meta.json too large to pass to the model": ("meta.json", lambda path: path.write_text(json.dumps(
        {**json.loads(path.read_text()), "extra": "x" * MAX_METADATA_BYTES})),
        " is too large to pass to Model(metadata)"),
    "meta.json with an integer of 5,000 digits": ("meta.json", lambda path: path.write_text(
        '{"class_num": 1' + "0" * 5000 + "}"), ": Exceeds the limit (4300 digits)"),
    "meta.json linked to /dev/zero": ("meta.json", link_to_dev_zero, f" is larger than {MAX_SMALL_FILE_BYTES:,} bytes"),
    "meta.json is a folder": ("meta.json", lambda path: (path.unlink(), path.mkdir()), ": Is a directory"),
    "class_names.txt is a folder": ("class_names.txt", lambda path: (path.unlink(), path.mkdir()),
                                    ": Is a directory"),
    "class_names.txt a link to itself": ("class_names.txt", lambda path: (path.unlink(), path.symlink_to(path)),
                                         ": Too many levels of symbolic links"),
    "non-UTF-8 class_names.txt": ("class_names.txt", lambda path: path.write_bytes(b"\xff\nb\n"),
                                  " is not UTF-8 text: 'utf-8' codec can't decode byte 0xff"),
    "too few class names": ("class_names.txt", lambda path: path.write_text("a\n"),
                            " has 1 names, meta.json's class_num is 2"),
    "too many class names": ("class_names.txt", lambda path: path.write_text("a\nb\nc\n"),
                             " has 3 names, meta.json's class_num is 2"),
}


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def waveforms_member(data: bytes) -> Callable[[Path], None]:
    """Spoils a .npz: it becomes a zip whose waveforms.npy holds ``data`` (its offsets.npy a real array)."""
    def spoil(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("waveforms.npy", data)
            archive.writestr("offsets.npy", npy_bytes(np.array([0, 2])))
    return spoil


def npy_header(shape: tuple[int, ...]) -> bytes:
    """A .npy header of float32 claiming ``shape``, without the data."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f4", "fortran_order": False, "shape": shape})
    return buffer.getvalue()


# (file in NAME.data, how to spoil it, what the error says after the file's path): every corrupt .npz is one line
SPOILED_NPZ = {
    "empty test.npz": ("test.npz", lambda path: path.write_bytes(b""),
                       " (corrupt, or not a dataset .npz): File is not a zip file"),
    ".npy saved as test.npz": ("test.npz", lambda path: path.write_bytes(npy_bytes(np.zeros(3, np.float32))),
                               " (corrupt, or not a dataset .npz): File is not a zip file"),
    "member that is not .npy": ("test.npz", waveforms_member(b"garbage"),
                                " member waveforms.npy: EOF: reading magic string, expected 8 bytes got 7"),
    "member claiming 3.55 PiB": ("test.npz", waveforms_member(npy_header((10 ** 15,)) + bytes(8)),
                                 " member waveforms.npy: its header declares shape (1000000000000000,) of float32 "
                                 "(4,000,000,000,000,000 bytes), but it holds 8 bytes"),
    "member holding objects": ("test.npz", waveforms_member(npy_header((2,)).replace(b"<f4", b"|O8")),
                               " member waveforms.npy: it holds Python objects, which are read only by unpickling"),
    "member cut short": ("test.npz", waveforms_member(npy_bytes(np.zeros(2, np.float32))[:-1]),
                         " member waveforms.npy: its header declares shape (2,) of float32 (8 bytes), but it "
                         "holds 7 bytes"),
    "no offsets": ("test.npz", lambda path: np.savez(path, waveforms=np.zeros(2, np.float32)),
                   " has no member offsets.npy: a dataset .npz holds offsets and waveforms or encoded"),
}


@pytest.mark.parametrize("command", ["export-pkl", "fit", "ingest"])
@pytest.mark.parametrize("case", {**SPOILED_SMALL_FILES, **SPOILED_NPZ})
def test_a_spoiled_meta_json_class_names_or_npz_is_one_line_naming_the_file(tmp_path, capsys, case, command):
    dataset = save_dataset(tmp_path, "tiny", *[[np.zeros(100, np.float32)] * 2, np.eye(2, dtype=int)] * 2,
                           class_names=["a", "b"])
    name, spoil, problem = {**SPOILED_SMALL_FILES, **SPOILED_NPZ}[case]
    path = dataset / "tiny.data" / name
    spoil(path)
    out = tmp_path / "out"
    argv = {"export-pkl": ["export-pkl", str(dataset), str(out)],
            "fit": ["fit", "--dataset", str(dataset), "--model-dir", str(out)],
            "ingest": ["ingest", "--dataset", str(dataset), "--code-dir", str(DUMMY_MODELS / "class_prior"),
                       "--output", str(out)]}[command]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Traceback" not in error
    assert error.startswith("autospeech: error: ") and f"{path}{problem}" in error
    assert not out.exists() or not list(out.rglob("*"))  # refused before anything was written
