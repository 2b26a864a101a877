"""Convert your own audio into a dataset in the official layout (``autospeech convert``).

Input is either a folder with one subfolder per class (audio files found recursively inside each) or a CSV
with a header row and columns ``path,label`` plus optional ``split`` (train/test/empty: pins a clip to a side)
and ``group`` (clips of one group, e.g. one speaker, always land on the same side); relative paths are resolved
from the CSV's folder. Every file is read with soundfile, averaged to mono and resampled to 16 kHz.

Split: per class, round(test_fraction × clips) go to test (at least 1, leaving at least 1 in train), chosen at
random with ``--seed``. A class with a single clip keeps it in train and gets a warning (its test side is empty,
so scoring skips that class). Class names are the sorted folder names / labels, and column K of the solutions
is class K. Unreadable audio (or a clip with no samples, or NaN/inf samples) stops the conversion with an error
naming the file, unless ``--skip-bad`` is given: then such files are skipped and listed in the summary.

Refused, with an error naming the file, folder or CSV line: the same audio (identical 16 kHz samples) under two
labels (it would leak from train to test; within one class the first copy is kept and the others listed as
skipped), a class name with control characters or not valid UTF-8, a CSV field over the csv module's limit,
a dataset name that is not a plain name, no clip left for train, and a test side with fewer than two classes
(it could not be scored). A CSV may start with a UTF-8 BOM.
A class folder that is a symlink is followed only when it leads outside the source folder and is not one of
its ancestors; symlinked folders inside a class folder are not followed.

The dataset is written to a hidden temporary folder inside ``--output`` and renamed into place once complete,
so a failed or interrupted conversion never leaves a partial NAME/ that blocks a rerun.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ingestion.command import fraction, seed_argument, whole_budget_argument
from autospeech.audio_files import AudioFileError, is_audio_file, read_clip
from ingestion.dataset import SAMPLE_RATE, DatasetError, control_characters, name_problem, one_hot, save_dataset
from autospeech_model.split import SIDES, holdout_mask

FORMATS = ("npz", "pkl")


@dataclass
class LabelledFile:
    """One audio file to convert, with its label and optional pinned split and group."""

    path: Path
    label: str
    split: str | None = None
    group: str | None = None


@dataclass
class ConversionSummary:
    """What a conversion wrote: per-class clip counts per split, durations, and skipped files with reasons."""

    dataset_dir: Path
    class_names: list[str]
    counts: dict[str, Counter]
    seconds: dict[str, float]
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_label(label: str, where: str) -> str:
    """``label`` unless it holds control characters or is not valid UTF-8 (a folder name's undecodable bytes):
    either would break class_names.txt; else DatasetError."""
    bad = control_characters(label)
    if bad:
        raise DatasetError(f"{where}: class name {label!r} holds control character(s) {' '.join(bad)}")
    try:
        label.encode("utf-8")
    except UnicodeEncodeError as error:
        raise DatasetError(f"{where}: class name {label!r} is not valid UTF-8") from error
    return label


def loops_back(folder: Path, root: Path) -> bool:
    """True when ``folder`` (a symlink, say) leads to ``root``, one of its ancestors, or a folder inside it."""
    target, root = folder.resolve(), root.resolve()
    return target == root or target in root.parents or root in target.parents


def list_class_folders(root: Path) -> tuple[list[LabelledFile], list[tuple[Path, str]]]:
    """Audio files under ``root/CLASS/`` labelled CLASS, and other visible files with why they were skipped.
    ``Path.rglob`` never descends into symlinked folders; a class folder that loops back is skipped."""
    files, skipped = [], []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            skipped.append((entry, "not inside a class folder"))
            continue
        if entry.is_symlink() and loops_back(entry, root):
            skipped.append((entry, f"symlink to {entry.resolve()}, inside or above the source folder: not followed"))
            continue
        check_label(entry.name, f"class folder {entry}")
        for path in sorted(entry.rglob("*")):
            if is_audio_file(path):
                files.append(LabelledFile(path, entry.name))
            elif path.is_file() and not path.name.startswith("."):
                skipped.append((path, "not an audio file suffix"))
    return files, skipped


def read_listing(csv_path: Path) -> list[LabelledFile]:
    """Labelled files from a CSV with columns path,label[,split][,group]; errors name the CSV and its line."""
    try:
        reader = csv.DictReader(csv_path.read_text(encoding="utf-8-sig").splitlines())
    except UnicodeDecodeError as error:
        raise DatasetError(f"{csv_path} is not a text CSV file: {error}") from error
    try:
        return listed_files(reader, csv_path)
    except csv.Error as error:  # a malformed row, e.g. a field over the csv module's size limit
        # the line is the inner csv.reader's: DictReader's own line_num is set only once a row is read
        raise DatasetError(f"{csv_path} line {reader.reader.line_num}: {error}") from error


def listed_files(reader: csv.DictReader, csv_path: Path) -> list[LabelledFile]:
    """The rows of :func:`read_listing`'s ``reader`` as labelled files."""
    columns = reader.fieldnames or []
    missing = [name for name in ("path", "label") if name not in columns]
    if missing:
        raise DatasetError(f"{csv_path}: header lacks column(s) {', '.join(missing)} "
                           f"(found: {', '.join(columns) or 'nothing'})")
    files = []
    for row in reader:
        where = f"{csv_path} line {reader.line_num}"
        path, label = (row.get("path") or "").strip(), (row.get("label") or "").strip()
        if not path or not label:
            raise DatasetError(f"{where}: empty path or label")
        check_label(label, where)
        split = (row.get("split") or "").strip().lower() or None
        if split is not None and split not in SIDES:
            raise DatasetError(f"{where}: split must be train, test or empty, got {split!r}")
        group = (row.get("group") or "").strip() or None
        files.append(LabelledFile(csv_path.parent / path, label, split, group))
    return files


def list_source(source: Path) -> tuple[list[LabelledFile], list[tuple[Path, str]]]:
    """Labelled files (and skipped ones) from a class-folder tree or a CSV listing."""
    if source.is_dir():
        return list_class_folders(source)
    if source.is_file():
        return read_listing(source), []
    raise DatasetError(f"no such folder or CSV file: {source}")


def read_clips(files: list[LabelledFile], skip_bad: bool) -> tuple[list[LabelledFile], list[np.ndarray],
                                                                   list[tuple[Path, str]]]:
    """Read every file; a bad one raises, or with ``skip_bad`` is returned with its reason."""
    kept, waveforms, skipped = [], [], []
    for item in tqdm(files, desc="reading audio", unit="file", disable=None):
        try:
            waveforms.append(read_clip(item.path))
            kept.append(item)
        except AudioFileError as error:
            if not skip_bad:
                raise AudioFileError(f"{error} (use --skip-bad to skip bad files)") from error
            skipped.append((item.path, str(error)))
    return kept, waveforms, skipped


def drop_duplicates(files: list[LabelledFile], waveforms: list[np.ndarray]
                    ) -> tuple[list[LabelledFile], list[np.ndarray], list[tuple[Path, str]]]:
    """Keep the first of the clips with identical samples; the others are returned as skipped. The same audio
    under two labels is a DatasetError naming both files."""
    first: dict[bytes, LabelledFile] = {}
    kept, kept_waveforms, skipped = [], [], []
    for item, waveform in zip(files, waveforms):
        original = first.setdefault(hashlib.sha256(waveform.tobytes()).digest(), item)
        if original is item:
            kept.append(item)
            kept_waveforms.append(waveform)
        elif original.label == item.label:
            skipped.append((item.path, f"duplicate: the same audio as {original.path}, kept"))
        else:
            raise DatasetError(f"{item.path} (label {item.label!r}) holds the same audio as {original.path} (label "
                               f"{original.label!r}): one clip cannot be of two classes; remove one of them")
    return kept, kept_waveforms, skipped


def check_sides(source: Path, labels: list[str], is_test: np.ndarray, test_fraction: float) -> None:
    """DatasetError unless train holds a clip and test holds clips of at least two classes (to be scored)."""
    if is_test.all():
        raise DatasetError(f"{source}: no clip is left for train ({len(labels)} clips, all in test: pinned by "
                           f"the CSV's split column?)")
    if not is_test.any():
        raise DatasetError(f"{source}: no clip went to the test split ({len(labels)} clips, test fraction "
                           f"{test_fraction}); raise --test-fraction or add clips")
    test_classes = sorted({label for label, chosen in zip(labels, is_test) if chosen})
    if len(test_classes) < 2:
        raise DatasetError(f"{source}: the test split holds clips of class {test_classes[0]} only; scoring needs "
                           f"two classes or more (raise --test-fraction or add clips)")


def check_new_dataset(output_dir: Path, name: str) -> None:
    """DatasetError unless ``output_dir/name`` is free: a dataset is never written over another."""
    if os.path.lexists(output_dir / name):
        raise DatasetError(f"output dataset folder already exists: {output_dir / name}")


def write_dataset(output_dir: Path, name: str, **dataset: object) -> Path:
    """:func:`save_dataset` into a hidden temporary folder inside ``output_dir``, then rename NAME/ into
    place; the temporary folder is removed whatever happens, so a failure leaves nothing behind, and an
    existing NAME/ is refused, never written over (:func:`check_new_dataset`)."""
    check_new_dataset(output_dir, name)
    output_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.partial-", dir=output_dir))
    try:
        written = save_dataset(staging, name, **dataset)
        if (output_dir / name).exists():
            raise DatasetError(f"output dataset folder already exists: {output_dir / name} (created meanwhile?)")
        return written.rename(output_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def split_warnings(labels: list[str], is_test: np.ndarray, class_names: list[str]) -> list[str]:
    """Warnings for classes with an empty train or test side."""
    warnings = []
    for side, mask in (("train", ~is_test), ("test", is_test)):
        present = {label for label, chosen in zip(labels, mask) if chosen}
        empty = [name for name in class_names if name not in present]
        if empty:
            warnings.append(f"no {side} clips for class(es) {', '.join(empty)}"
                            + (" (a class with one clip keeps it in train)" if side == "test" else ""))
    return warnings


def convert(source: str | Path, output_dir: str | Path, name: str | None = None, test_fraction: float = 0.2,
            seed: int = 0, skip_bad: bool = False, formats: tuple[str, ...] = FORMATS,
            time_budget: int | None = None) -> ConversionSummary:
    """Convert a class-folder tree or CSV listing into ``output_dir/NAME`` (NAME defaults to the source's name)."""
    source = Path(source)
    name = name or Path(os.path.abspath(source)).stem
    problem = name_problem(name)
    if problem:
        raise DatasetError(f"dataset name {name!r} must be a plain name ({problem}); choose one with --name")
    dataset_dir = Path(output_dir) / name
    if dataset_dir.exists():
        raise DatasetError(f"output dataset folder already exists: {dataset_dir} (remove it or choose --name)")
    files, skipped = list_source(source)
    if not files:
        raise DatasetError(f"no audio files found in {source} (looked for class subfolders or CSV rows)")
    files, waveforms, bad = read_clips(files, skip_bad)
    files, waveforms, duplicates = drop_duplicates(files, waveforms)
    skipped += bad + duplicates
    labels = [item.label for item in files]
    class_names = sorted(set(labels))
    if len(class_names) < 2:
        raise DatasetError(f"{source}: need at least 2 classes with readable clips, found {class_names}")
    is_test = holdout_mask(labels, test_fraction, seed, [item.group for item in files],
                               [item.split for item in files])
    check_sides(source, labels, is_test, test_fraction)
    sides = {"train": np.flatnonzero(~is_test), "test": np.flatnonzero(is_test)}
    write_dataset(Path(output_dir), name,
                  train_x=[waveforms[i] for i in sides["train"]],
                  train_y=one_hot([labels[i] for i in sides["train"]], class_names),
                  test_x=[waveforms[i] for i in sides["test"]],
                  test_y=one_hot([labels[i] for i in sides["test"]], class_names),
                  time_budget=time_budget, formats=formats, class_names=class_names)
    return ConversionSummary(
        dataset_dir, class_names,
        counts={side: Counter(labels[i] for i in indices) for side, indices in sides.items()},
        seconds={side: sum(len(waveforms[i]) for i in indices) / SAMPLE_RATE for side, indices in sides.items()},
        skipped=skipped, warnings=split_warnings(labels, is_test, class_names))


def format_summary(summary: ConversionSummary) -> str:
    """A human-readable report: clips per class per split, durations, warnings, skipped files."""
    width = max(len(name) for name in [*summary.class_names, "class"])
    lines = [f"wrote {summary.dataset_dir}", f"{'class':<{width}}  train   test"]
    lines += [f"{name:<{width}}  {summary.counts['train'][name]:>5}  {summary.counts['test'][name]:>5}"
              for name in summary.class_names]
    lines.append(f"{'total':<{width}}  {sum(summary.counts['train'].values()):>5}  "
                 f"{sum(summary.counts['test'].values()):>5}")
    lines.append("duration: " + ", ".join(f"{side} {summary.seconds[side] / 60:.1f} min" for side in SIDES))
    lines += [f"warning: {warning}" for warning in summary.warnings]
    if summary.skipped:
        lines.append(f"skipped {len(summary.skipped)} file(s):")
        lines += [f"  {path}: {reason}" for path, reason in summary.skipped]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="folder with one subfolder of audio files per class, "
                                       "or a CSV with columns path,label[,split][,group]")
    parser.add_argument("--output", required=True, help="folder to create the dataset NAME/ in")
    parser.add_argument("--name", help="dataset name (default: the source folder's or CSV's name)")
    parser.add_argument("--test-fraction", type=fraction, default=0.2,
                        help="share of each class's clips held out for test (default: 0.2)")
    parser.add_argument("--seed", type=seed_argument, default=0, help="seed of the random split (default: 0)")
    parser.add_argument("--skip-bad", action="store_true",
                        help="skip unreadable/empty audio files (listed in the summary) instead of stopping")
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS),
                        help="waveform files to write: npz (safe) and/or pkl (official) (default: both)")
    parser.add_argument("--time-budget", type=whole_budget_argument,
                        help="time_budget to record in meta.json, whole seconds (default: none)")


def main(args: argparse.Namespace) -> int:
    """Convert and print the summary; bad input raises DatasetError (the CLI prints it as one line)."""
    summary = convert(args.source, args.output, args.name, args.test_fraction, args.seed, args.skip_bad,
                      tuple(args.formats), args.time_budget)
    print(format_summary(summary))
    return 0

