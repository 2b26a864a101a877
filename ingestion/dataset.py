"""Read and write datasets in the official AutoSpeech 2019 layout.

A dataset NAME is a folder ``NAME/`` holding::

    NAME.data/meta.json       {"class_num", "train_num", "test_num", "file_format", "sample_rate", "time_budget"?}
    NAME.data/train.{pkl,npz} list of 1-D float waveforms at 16 kHz
    NAME.data/test.{pkl,npz}
    NAME.data/train.solution  one-hot rows (text)
    NAME.data/class_names.txt optional, one class name a line (an extension: the official kit has no names)
    NAME.solution             test labels, one-hot rows (text); only scoring reads it

``.pkl`` is the official format. Unpickling a file executes code from it, so only load pickles you trust.
``.npz`` is the safe format (read with ``allow_pickle=False``): either raw PCM (``waveforms`` float32
concatenated, ``offsets``) or Ogg/Opus-compressed clips (``encoded`` uint8 concatenated, ``offsets``),
the latter used for the small sample datasets committed to the repository.
When both formats exist, ``.npz`` wins.
"""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

SAMPLE_RATE = 16000
REQUIRED_META_KEYS = ("class_num", "train_num", "test_num")


class DatasetError(ValueError):
    """A dataset file is missing, unreadable or inconsistent; the message names the file."""


@dataclass
class Dataset:
    """A loaded dataset; ``test_labels`` is None unless requested (the model never sees them)."""

    name: str
    metadata: dict
    train_x: list[np.ndarray]
    train_y: np.ndarray
    test_x: list[np.ndarray]
    test_labels: np.ndarray | None = None
    class_names: list[str] | None = None


def find_data_dir(dataset_dir: str | Path) -> tuple[str, Path]:
    """Return (NAME, path of NAME.data) for ``dataset_dir`` (the NAME folder or NAME.data itself)."""
    path = Path(dataset_dir)
    if not path.is_dir():
        raise DatasetError(f"dataset folder not found: {path}")
    if path.name.endswith(".data"):
        return path.name[: -len(".data")], path
    candidates = sorted(path.glob("*.data"))
    if len(candidates) != 1:
        raise DatasetError(f"{path} must contain exactly one NAME.data folder, found {len(candidates)}")
    return candidates[0].name[: -len(".data")], candidates[0]


def solution_path(dataset_dir: str | Path) -> Path:
    """Path of the test solution file NAME/NAME.solution."""
    name, data_dir = find_data_dir(dataset_dir)
    return data_dir.parent / f"{name}.solution"


def load_metadata(data_dir: Path) -> dict:
    path = data_dir / "meta.json"
    try:
        metadata = json.loads(path.read_text())
    except FileNotFoundError as error:
        raise DatasetError(f"missing metadata file: {path}") from error
    except json.JSONDecodeError as error:
        raise DatasetError(f"metadata file is not valid JSON: {path}: {error}") from error
    if not isinstance(metadata, dict):
        raise DatasetError(f"metadata file must hold a JSON object: {path}")
    missing = [key for key in REQUIRED_META_KEYS if key not in metadata]
    if missing:
        raise DatasetError(f"metadata file {path} lacks required key(s): {', '.join(missing)}")
    for key in REQUIRED_META_KEYS:
        if not isinstance(metadata[key], int) or metadata[key] < 0:
            raise DatasetError(f"metadata file {path}: {key} must be a non-negative integer, got {metadata[key]!r}")
    return metadata


def load_labels(path: Path, class_num: int | None, rows: int | None = None) -> np.ndarray:
    """Load one-hot (or multi-hot) label rows from a text solution file and check their shape.

    ``class_num`` None accepts any number of columns (scoring learns it from the solution itself).
    """
    try:
        labels = np.loadtxt(path, ndmin=2)
    except FileNotFoundError as error:
        raise DatasetError(f"missing solution file: {path}") from error
    except ValueError as error:
        raise DatasetError(f"solution file is not a numeric table: {path}: {error}") from error
    if class_num is not None and labels.shape[1] != class_num:
        hint = " (class indices instead of one-hot rows?)" if labels.shape[1] == 1 else ""
        raise DatasetError(f"solution file {path} has {labels.shape[1]} columns, class_num is {class_num}{hint}")
    if rows is not None and labels.shape[0] != rows:
        raise DatasetError(f"solution file {path} has {labels.shape[0]} rows, expected {rows}")
    if not np.all(np.isin(labels, (0, 1))):
        raise DatasetError(f"solution file {path} must hold only 0/1 values (one-hot rows)")
    return labels


def one_hot(labels: list[str], class_names: list[str]) -> np.ndarray:
    """Rows of 0/1 with a 1 in column K for a clip labelled ``class_names[K]``."""
    index = {name: k for k, name in enumerate(class_names)}
    rows = np.zeros((len(labels), len(class_names)), dtype=np.int64)
    rows[np.arange(len(labels)), [index[label] for label in labels]] = 1
    return rows


def check_one_hot(labels: np.ndarray, path: Path) -> np.ndarray:
    """Return ``labels`` if every row holds exactly one 1 (AutoSpeech is single-label), else raise naming ``path``."""
    sums = labels.sum(axis=1)
    bad = np.flatnonzero(sums != 1)
    if bad.size:
        raise DatasetError(f"solution file {path}: row {bad[0] + 1} sums to {sums[bad[0]]:g}, "
                           f"but each row must be one-hot (exactly one 1)")
    return labels


def _load_pickle(path: Path) -> list:
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError) as error:
        raise DatasetError(f"cannot unpickle {path} (truncated or corrupt?): {error!r}") from error


def _load_npz(path: Path) -> list[np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            offsets = archive["offsets"]
            if "waveforms" in archive:
                flat = archive["waveforms"].astype(np.float32)
                return [flat[start:end] for start, end in zip(offsets[:-1], offsets[1:])]
            encoded = archive["encoded"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise DatasetError(f"cannot read {path} (corrupt, or not a dataset .npz): {error}") from error
    return [decode_clip(encoded[start:end].tobytes(), f"{path} clip {i}")
            for i, (start, end) in enumerate(zip(offsets[:-1], offsets[1:]))]


def decode_clip(data: bytes, where: str) -> np.ndarray:
    """Decode one compressed clip (any format libsndfile reads) to mono float32."""
    try:
        waveform, sample_rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError) as error:
        raise DatasetError(f"cannot decode {where}: {error}") from error
    if sample_rate != SAMPLE_RATE:
        raise DatasetError(f"{where} has sample rate {sample_rate}, expected {SAMPLE_RATE}")
    return waveform.mean(axis=1)


def load_waveforms(data_dir: Path, split: str) -> list[np.ndarray]:
    """Load the ``split`` ('train' or 'test') waveforms, preferring the safe .npz format."""
    npz, pkl = data_dir / f"{split}.npz", data_dir / f"{split}.pkl"
    if npz.exists():
        waveforms = _load_npz(npz)
        source = npz
    elif pkl.exists():
        waveforms = _load_pickle(pkl)
        source = pkl
    else:
        raise DatasetError(f"missing {split} data: neither {npz} nor {pkl} exists")
    if not isinstance(waveforms, (list, tuple)):
        raise DatasetError(f"{source} must hold a list of waveforms, got {type(waveforms).__name__}")
    clips = []
    for index, clip in enumerate(waveforms):
        array = np.asarray(clip)
        if array.dtype.kind not in "fiu":
            raise DatasetError(f"{source} clip {index} is not numeric (dtype {array.dtype})")
        clips.append(array.astype(np.float32).reshape(-1))
    return clips


def load_dataset(dataset_dir: str | Path, with_test_labels: bool = False) -> Dataset:
    """Load a dataset, checking that every file agrees with meta.json; errors name the offending file."""
    name, data_dir = find_data_dir(dataset_dir)
    metadata = load_metadata(data_dir)
    train_x = load_waveforms(data_dir, "train")
    test_x = load_waveforms(data_dir, "test")
    for split, clips in (("train", train_x), ("test", test_x)):
        if len(clips) != metadata[f"{split}_num"]:
            raise DatasetError(f"{data_dir}: {split} data has {len(clips)} clips, meta.json says "
                               f"{split}_num={metadata[f'{split}_num']}")
    train_path = data_dir / "train.solution"
    train_y = check_one_hot(load_labels(train_path, metadata["class_num"], len(train_x)), train_path)
    test_labels = None
    if with_test_labels:
        test_path = data_dir.parent / f"{name}.solution"
        test_labels = check_one_hot(load_labels(test_path, metadata["class_num"], len(test_x)), test_path)
    return Dataset(name, metadata, train_x, train_y, test_x, test_labels, load_class_names(data_dir))


def load_class_names(data_dir: Path) -> list[str] | None:
    """Class names from NAME.data/class_names.txt, or None when the dataset has none."""
    path = data_dir / "class_names.txt"
    return path.read_text().splitlines() if path.exists() else None


def _encode_clip(waveform: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, waveform, SAMPLE_RATE, format="OGG", subtype="OPUS")
    return buffer.getvalue()


def save_waveforms(path: Path, waveforms: list[np.ndarray], compress: bool = False) -> None:
    """Write waveforms to ``path``: .pkl (official), .npz raw float32, or .npz Ogg/Opus when ``compress``."""
    path = Path(path)
    clips = [np.asarray(w, dtype=np.float32).reshape(-1) for w in waveforms]
    if path.suffix == ".pkl":
        with open(path, "wb") as handle:
            pickle.dump(clips, handle, protocol=4)
        return
    if path.suffix != ".npz":
        raise ValueError(f"unsupported waveform file type: {path} (use .pkl or .npz)")
    if compress:
        chunks = [np.frombuffer(_encode_clip(clip), dtype=np.uint8) for clip in clips]
        key = "encoded"
    else:
        chunks, key = clips, "waveforms"
    offsets = np.concatenate([[0], np.cumsum([len(chunk) for chunk in chunks])]).astype(np.int64)
    flat = np.concatenate(chunks) if chunks else np.zeros(0, np.uint8 if compress else np.float32)
    np.savez(path, **{key: flat, "offsets": offsets})


def save_dataset(dataset_dir: str | Path, name: str, train_x: list[np.ndarray], train_y: np.ndarray,
                 test_x: list[np.ndarray], test_y: np.ndarray, time_budget: int | None = None,
                 formats: tuple[str, ...] = ("npz",), compress: bool = False,
                 class_names: list[str] | None = None) -> Path:
    """Write a dataset in the official layout under ``dataset_dir/name``; returns that folder.

    ``formats`` chooses the waveform files: "npz" (safe), "pkl" (official) or both.
    """
    if class_names is not None and len(class_names) != train_y.shape[1]:
        raise ValueError(f"{len(class_names)} class names for {train_y.shape[1]} classes")
    root = Path(dataset_dir) / name
    data_dir = root / f"{name}.data"
    data_dir.mkdir(parents=True, exist_ok=True)
    metadata = {"class_num": int(train_y.shape[1]), "train_num": len(train_x), "test_num": len(test_x),
                "file_format": "wav", "sample_rate": SAMPLE_RATE}
    if time_budget is not None:
        metadata["time_budget"] = int(time_budget)
    (data_dir / "meta.json").write_text(json.dumps(metadata, indent=1) + "\n")
    for split, clips in (("train", train_x), ("test", test_x)):
        for extension in formats:
            save_waveforms(data_dir / f"{split}.{extension}", clips, compress=compress and extension == "npz")
    np.savetxt(data_dir / "train.solution", train_y, fmt="%d")
    np.savetxt(root / f"{name}.solution", test_y, fmt="%d")
    if class_names is not None:
        (data_dir / "class_names.txt").write_text("".join(f"{label}\n" for label in class_names))
    return root
