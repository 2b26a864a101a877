"""Read and write datasets in the official AutoSpeech 2019 layout.

A dataset NAME is a folder ``NAME/`` holding::

    NAME.data/meta.json       {"class_num", "train_num", "test_num", "file_format", "sample_rate", "time_budget"?}
    NAME.data/train.{pkl,npz} list of 1-D float waveforms at 16 kHz
    NAME.data/test.{pkl,npz}
    NAME.data/train.solution  one-hot rows (text)
    NAME.data/class_names.txt optional, one class name a line (an extension: the official kit has no names)
    NAME.solution             test labels, one-hot rows (text); only scoring reads it

``.pkl`` is the official format. Unpickling can execute code, so a pickle is read by a restricted unpickler
(:mod:`ingestion.safe_pickle`) that accepts only lists of numpy arrays; ``trust_pickle=True`` (``--trust-pickle``)
reads it with plain ``pickle.load``. ``.npz`` is the safe format (each member's .npy header checked against its
size before the array is read, never unpickled: :func:`_read_npz_member`): either raw
PCM (``waveforms`` concatenated along the first axis, ``offsets``) or Ogg/Opus-compressed clips (``encoded``
uint8 concatenated, ``offsets``), the latter used for the small sample datasets committed to the repository.
When both formats exist, ``.npz`` wins.

Clips from either format go through :func:`to_mono_float`: integer PCM is scaled to [-1, 1) as soundfile does
(int16 / 32768, uint8 (x − 128) / 128, ...), and a 2-D clip, (frames, channels) or (channels, frames) with at
most MAX_CHANNELS channels, is averaged to mono.

:func:`load_dataset` checks everything before a run spends its budget: meta.json (counts, at least 2 classes,
a non-empty train and test set, a sane ``time_budget``), every clip, the training labels, and the test solution
``NAME.solution`` when it is present. :func:`check_solution` requires it (for the tools that score a run).
"""

from __future__ import annotations

import io
import json
import os
import math
import numbers
import pickle
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from ingestion.child_bootstrap import MAX_HEADER_BYTES
from ingestion.safe_pickle import ENCODING, ClipUnpickler, UnsafePickleError

SAMPLE_RATE = 16000
REQUIRED_META_KEYS = ("class_num", "train_num", "test_num")
MIN_META_COUNTS = {"class_num": 2, "train_num": 1, "test_num": 1}
MAX_TIME_BUDGET = 7 * 24 * 3600.0  # seconds: a week; more is a typo (1e12), not a budget anyone can wait for
MIN_TIME_BUDGET = 0.001  # seconds: the records' resolution; as T nears 0, log(1 + T/60) (the ALC's scale) becomes 0
MAX_CHANNELS = 8  # a 2-D clip is channels × frames when one side is at most this long
MAX_SMALL_FILE_BYTES = 1_000_000  # meta.json, class_names.txt: a larger one is a mistake (or /dev/zero)
MAX_METADATA_BYTES = MAX_HEADER_BYTES // 2  # meta.json as JSON, sent to Model(metadata) in one protocol header
NPY_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
# what a corrupt .npz raises: not a zip, a bad .npy header, a truncated or undecompressable member, an encrypted one
NPZ_ERRORS = (OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error)


class DatasetError(ValueError):
    """A dataset file is missing, unreadable or inconsistent; the message names the file."""


def control_characters(text: str) -> list[str]:
    """The control and line/paragraph-separator characters in ``text`` (those that break a one-name-a-line
    file such as class_names.txt), as escapes like '\\n'."""
    return [ascii(char)[1:-1] for char in text if unicodedata.category(char) in ("Cc", "Zl", "Zp")]


def name_problem(name: str) -> str | None:
    """Why ``name`` is not a plain name (one path component, no control characters), or None if it is."""
    if name in ("", ".", ".."):
        return f"{name!r} is not a name"
    if "/" in name or "\\" in name:
        return "it holds a path separator"
    if control_characters(name):
        return f"it holds control character(s) {' '.join(control_characters(name))}"
    return None


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
    if not candidates[0].is_dir():
        raise DatasetError(f"{candidates[0]} must be a folder (NAME.data), but it is not")
    return candidates[0].name[: -len(".data")], candidates[0]


def solution_path(dataset_dir: str | Path) -> Path:
    """Path of the test solution file NAME/NAME.solution."""
    name, data_dir = find_data_dir(dataset_dir)
    return data_dir.parent / f"{name}.solution"


def time_budget_problem(value: object) -> str | None:
    """Why ``value`` is not a time budget, a number of seconds in [MIN_TIME_BUDGET, MAX_TIME_BUDGET], or None
    if it is: the one rule of meta.json, the command lines' budgets, start.txt and the scorer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value <= MAX_TIME_BUDGET:
        return f"must be a positive number of seconds, at most {MAX_TIME_BUDGET:g} (a week)"
    if value < MIN_TIME_BUDGET:
        return f"must be at least {MIN_TIME_BUDGET:g} s (a millisecond)"
    return None


def check_time_budget(value: object, where: str) -> float:
    """``value`` in seconds when :func:`time_budget_problem` finds none; else DatasetError naming ``where``."""
    problem = time_budget_problem(value)
    if problem:
        raise DatasetError(f"{where}: time_budget {problem}, got {value!r}")
    return float(value)


def read_small_text(path: Path, what: str, error: type[ValueError] = DatasetError) -> str:
    """The UTF-8 text of ``path``, a small file (at most MAX_SMALL_FILE_BYTES); else ``error`` naming
    ``what`` and ``path``. Reads no more than the limit, whatever the file is (a link to /dev/zero, say)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SMALL_FILE_BYTES + 1)
    except FileNotFoundError as cause:
        raise error(f"missing {what}: {path}") from cause
    except OSError as cause:  # a folder, a file without read permission
        raise error(f"cannot read {what} {path}: {cause.strerror or cause}") from cause
    if len(data) > MAX_SMALL_FILE_BYTES:
        raise error(f"{what} {path} is larger than {MAX_SMALL_FILE_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as cause:
        raise error(f"{what} {path} is not UTF-8 text: {cause}") from cause


def read_small_json(path: Path, what: str) -> object:
    """The JSON value in the small file ``path`` (:func:`read_small_text`); DatasetError naming ``path``
    when it is not valid JSON or nests too deeply to parse."""
    text = read_small_text(path, what)
    try:
        return json.loads(text)
    except ValueError as error:  # JSONDecodeError, and an integer over Python's 4,300-digit limit
        raise DatasetError(f"{what} is not valid JSON: {path}: {error}") from error
    except RecursionError as error:
        raise DatasetError(f"{what} is not valid JSON: {path}: nested too deeply") from error


def load_metadata(data_dir: Path) -> dict:
    path = data_dir / "meta.json"
    metadata = read_small_json(path, "metadata file")
    if not isinstance(metadata, dict):
        raise DatasetError(f"metadata file must hold a JSON object: {path}")
    size = len(json.dumps(metadata))  # as the harness sends it
    if size > MAX_METADATA_BYTES:
        raise DatasetError(f"metadata file {path} is too large to pass to Model(metadata): {size:,} bytes as "
                           f"JSON, at most {MAX_METADATA_BYTES:,}")
    missing = [key for key in REQUIRED_META_KEYS if key not in metadata]
    if missing:
        raise DatasetError(f"metadata file {path} lacks required key(s): {', '.join(missing)}")
    for key, least in MIN_META_COUNTS.items():
        value = metadata[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise DatasetError(f"metadata file {path}: {key} must be an integer of at least {least}, got {value!r}")
    if metadata.get("time_budget") is not None:
        check_time_budget(metadata["time_budget"], f"metadata file {path}")
    return metadata


def read_table(path: Path, what: str, error: type[ValueError] = DatasetError) -> np.ndarray:
    """The numbers of the text file ``path`` (``what``: a solution or prediction file) as a 2-D array;
    ``error`` naming ``path`` when it is missing, unreadable (a folder, say), not a numeric table, or empty."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # numpy's "input contained no data": refused below
            table = np.loadtxt(path, ndmin=2)
    except FileNotFoundError as cause:
        raise error(f"missing {what}: {path}") from cause
    except OSError as cause:
        raise error(f"cannot read {what} {path}: {cause.strerror or cause}") from cause
    except ValueError as cause:
        raise error(f"{what} is not a numeric table: {path}: {cause}") from cause
    if not table.size:
        raise error(f"{what} {path} is empty")
    return table


def load_labels(path: Path, class_num: int | None, rows: int | None = None) -> np.ndarray:
    """Load one-hot (or multi-hot) label rows from a text solution file and check their shape.

    ``class_num`` None accepts any number of columns (scoring learns it from the solution itself).
    """
    labels = read_table(path, "solution file")
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


def _load_pickle(path: Path, trust_pickle: bool) -> object:
    """Unpickle ``path``: with the restricted :class:`ClipUnpickler`, or plain pickle.load when trusted."""
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle, encoding=ENCODING) if trust_pickle else ClipUnpickler(handle, path).load()
    except UnsafePickleError as error:
        raise DatasetError(str(error)) from error
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError,
            MemoryError) as error:
        raise DatasetError(f"cannot unpickle {path} (truncated or corrupt?): {error!r}") from error


def _split_at_offsets(path: Path, key: str, flat: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    """The clips ``flat[offsets[i]:offsets[i + 1]]``; the offsets must rise from 0 to ``len(flat)``."""
    length = len(flat) if flat.ndim else None
    if (length is None or offsets.ndim != 1 or offsets.dtype.kind not in "iu" or len(offsets) == 0
            or offsets[0] != 0 or offsets[-1] != length or np.any(np.diff(offsets) < 0)):
        raise DatasetError(f"{path}: offsets must be integers rising from 0 to the length of {key} ({length})")
    return [flat[start:end] for start, end in zip(offsets[:-1], offsets[1:])]


def _read_npz_member(archive: zipfile.ZipFile, path: Path, key: str) -> np.ndarray:
    """The array ``key`` of the .npz ``archive`` at ``path``, allocated only once its .npy header's shape and
    dtype are found to fit the member's size (a header claiming petabytes is refused, not allocated); any
    corrupt form is a DatasetError naming the file and member."""
    name = f"{key}.npy"
    if name not in archive.namelist():
        raise DatasetError(f"{path} has no member {name}: a dataset .npz holds offsets and waveforms or encoded")
    try:
        with archive.open(name) as member:
            version = np.lib.format.read_magic(member)
            if version not in NPY_HEADER_READERS:
                raise ValueError(f".npy format version {version} is not read")
            shape, _, dtype = NPY_HEADER_READERS[version](member)
            stored = archive.getinfo(name).file_size - member.tell()
        if dtype.hasobject:
            raise ValueError("it holds Python objects, which are read only by unpickling")
        declared = math.prod(shape) * dtype.itemsize
        if declared != stored:
            raise ValueError(f"its header declares shape {shape} of {dtype} ({declared:,} bytes), but it holds "
                             f"{stored:,} bytes")
        with archive.open(name) as member:
            return np.lib.format.read_array(member, allow_pickle=False)
    except NPZ_ERRORS as error:
        raise DatasetError(f"cannot read {path} member {name}: {error}") from error


def _load_npz(path: Path) -> list[np.ndarray]:
    """The clips of a dataset .npz (:func:`_read_npz_member` reads each array), decoded when compressed."""
    try:
        archive = zipfile.ZipFile(path)
    except NPZ_ERRORS as error:
        raise DatasetError(f"cannot read {path} (corrupt, or not a dataset .npz): {error}") from error
    with archive:
        key = "waveforms" if "waveforms.npy" in archive.namelist() else "encoded"
        flat, offsets = _read_npz_member(archive, path, key), _read_npz_member(archive, path, "offsets")
    clips = _split_at_offsets(path, key, flat, offsets)
    if key == "waveforms":
        return clips
    return [decode_clip(clip.tobytes(), f"{path} clip {i}") for i, clip in enumerate(clips)]


def decode_clip(data: bytes, where: str) -> np.ndarray:
    """Decode one compressed clip (any format libsndfile reads) to mono float32."""
    try:
        waveform, sample_rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError) as error:
        raise DatasetError(f"cannot decode {where}: {error}") from error
    if sample_rate != SAMPLE_RATE:
        raise DatasetError(f"{where} has sample rate {sample_rate}, expected {SAMPLE_RATE}")
    return waveform.mean(axis=1)


def scale_pcm(array: np.ndarray) -> np.ndarray:
    """Samples as float32: floats unchanged, integer PCM scaled to [-1, 1) as soundfile reads it (signed
    ints / 2^(bits−1), unsigned ones offset by 2^(bits−1) first, e.g. uint8 (x − 128) / 128)."""
    if array.dtype.kind == "f":
        return array.astype(np.float32)
    half_range = 2.0 ** (8 * array.dtype.itemsize - 1)
    offset = half_range if array.dtype.kind == "u" else 0.0
    return ((array.astype(np.float64) - offset) / half_range).astype(np.float32)


def to_mono_float(clip: object, where: str) -> np.ndarray:
    """One clip as 1-D float32 samples (:func:`scale_pcm`); a 2-D clip is averaged over its channels, the
    axis of length 1..MAX_CHANNELS ((frames, channels) first, as soundfile lays them out). Other shapes,
    non-numeric clips and samples past float32's range raise DatasetError naming ``where``."""
    try:
        array = np.asarray(clip)
    except (ValueError, TypeError, RecursionError) as error:  # ragged nested lists, for one
        raise DatasetError(f"{where} is not an array of samples: {error}") from error
    if array.dtype.kind not in "fiu":
        raise DatasetError(f"{where} is not numeric (dtype {array.dtype})")
    try:
        with np.errstate(over="raise"):  # float64 samples past float32's range would become ±inf
            samples = scale_pcm(array)
    except FloatingPointError as error:
        raise DatasetError(f"{where} holds samples beyond float32's range (largest magnitude "
                           f"{np.abs(array).max():.3g}); audio samples lie in [-1, 1]") from error
    if samples.ndim == 1:
        return samples
    if samples.ndim == 2:
        for channel_axis in (1, 0):
            if 1 <= samples.shape[channel_axis] <= MAX_CHANNELS:
                return samples.mean(axis=channel_axis, dtype=np.float32)
    raise DatasetError(f"{where} has shape {array.shape}: expected 1-D samples, or 2-D with at most "
                       f"{MAX_CHANNELS} channels")


def load_waveforms(data_dir: Path, split: str, trust_pickle: bool = False) -> list[np.ndarray]:
    """Load the ``split`` ('train' or 'test') clips as 1-D float32 (:func:`to_mono_float`), preferring the
    safe .npz format; a .pkl is read by the restricted unpickler unless ``trust_pickle``."""
    npz, pkl = data_dir / f"{split}.npz", data_dir / f"{split}.pkl"
    if npz.exists():
        waveforms, source = _load_npz(npz), npz
    elif pkl.exists():
        waveforms, source = _load_pickle(pkl, trust_pickle), pkl
    else:
        raise DatasetError(f"missing {split} data: neither {npz} nor {pkl} exists")
    if not isinstance(waveforms, (list, tuple)):
        raise DatasetError(f"{source} must hold a list of waveforms, got {type(waveforms).__name__}")
    return [to_mono_float(clip, f"{source} clip {index}") for index, clip in enumerate(waveforms)]


def check_scorable(labels: np.ndarray, path: Path) -> np.ndarray:
    """``labels``, one-hot rows (:func:`check_one_hot`), if they hold at least two classes, so that a class has
    both positives and negatives to score; else DatasetError naming the solution file ``path``."""
    present = np.flatnonzero(check_one_hot(labels, path).sum(axis=0))
    if len(present) < 2:
        raise DatasetError(f"solution file {path}: every test clip is of class {present[0]}; scoring needs test "
                           f"clips of at least two classes")
    return labels


def load_test_labels(path: Path, metadata: dict) -> np.ndarray:
    """The test solution at ``path``: test_num one-hot rows of class_num columns (:func:`check_scorable`);
    else DatasetError naming ``path``."""
    return check_scorable(load_labels(path, metadata["class_num"], metadata["test_num"]), path)


def check_solution(dataset_dir: str | Path) -> Path:
    """Check the test solution NAME/NAME.solution against meta.json (:func:`load_test_labels`) and return its
    path; DatasetError when it is missing or malformed. For the tools that score a run (``autospeech run``,
    the benchmark): call it before ingestion spends the budget."""
    _, data_dir = find_data_dir(dataset_dir)
    path = solution_path(dataset_dir)
    load_test_labels(path, load_metadata(data_dir))
    return path


def load_dataset(dataset_dir: str | Path, with_test_labels: bool = False, trust_pickle: bool = False) -> Dataset:
    """Load a dataset, checking that every file agrees with meta.json; errors name the offending file.

    The test solution is checked whenever it exists (the platform hides it from ingestion, so it may be
    absent) and returned only ``with_test_labels`` (then it must exist). ``trust_pickle`` lifts the
    restricted unpickler (:mod:`ingestion.safe_pickle`) for .pkl clips.
    """
    name, data_dir = find_data_dir(dataset_dir)
    metadata = load_metadata(data_dir)
    class_names = load_class_names(data_dir, metadata["class_num"])
    train_x = load_waveforms(data_dir, "train", trust_pickle)
    test_x = load_waveforms(data_dir, "test", trust_pickle)
    for split, clips in (("train", train_x), ("test", test_x)):
        if len(clips) != metadata[f"{split}_num"]:
            raise DatasetError(f"{data_dir}: {split} data has {len(clips)} clips, meta.json says "
                               f"{split}_num={metadata[f'{split}_num']}")
    train_path = data_dir / "train.solution"
    train_y = check_one_hot(load_labels(train_path, metadata["class_num"], len(train_x)), train_path)
    test_path = data_dir.parent / f"{name}.solution"
    test_labels = load_test_labels(test_path, metadata) if with_test_labels or test_path.exists() else None
    return Dataset(name, metadata, train_x, train_y, test_x, test_labels if with_test_labels else None,
                   class_names)


def load_class_names(folder: Path, class_num: int | None = None,
                     counted_by: str = "meta.json's class_num") -> list[str] | None:
    """Class names from ``folder``/class_names.txt (NAME.data, or a saved model's folder), one a line, or None
    when there is none. With ``class_num``, DatasetError naming the file and both counts unless it holds
    exactly that many names (``counted_by`` says where class_num comes from)."""
    path = folder / "class_names.txt"
    if not os.path.lexists(path):  # a dangling link or a loop is named by the read below, not taken for none
        return None
    names = read_small_text(path, "class names file").splitlines()
    if class_num is not None and len(names) != class_num:
        raise DatasetError(f"{path} has {len(names)} names, {counted_by} is {class_num}")
    return names


def _encode_clip(waveform: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, waveform, SAMPLE_RATE, format="OGG", subtype="OPUS")
    return buffer.getvalue()


def save_waveforms(path: Path, waveforms: list[np.ndarray], compress: bool = False) -> None:
    """Write waveforms to ``path``: .pkl (official), .npz raw float32, or .npz Ogg/Opus when ``compress``;
    each clip is first made 1-D float32 by :func:`to_mono_float`, as the reader would."""
    path = Path(path)
    clips = [to_mono_float(w, f"clip {i} for {path}") for i, w in enumerate(waveforms)]
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
