"""The sample-data builder's manifests (``OUT/manifests/NAME.csv``, one row per clip: split, class, group, ...),
read and checked against the dataset they describe."""

from __future__ import annotations

import csv
from pathlib import Path

from ingestion.dataset import Dataset, DatasetError

REQUIRED_COLUMNS = {"split", "class", "group"}


def manifest_path(data_root: Path, name: str) -> Path:
    """Where the builder writes dataset ``name``'s manifest under ``data_root``."""
    return data_root / "manifests" / f"{name}.csv"


def read_manifest(manifest: Path, dataset: Dataset) -> tuple[list[str], list[dict[str, str]]]:
    """The manifest's columns and rows; DatasetError naming the file when it is missing or does not describe this
    dataset's training clips, in order (their count, and their classes when the dataset has class names)."""
    if not manifest.is_file():
        raise DatasetError(f"{manifest}: no manifest for {dataset.name} (python -m sample_data.build writes "
                           "OUT/manifests/NAME.csv beside the datasets it builds)")
    with manifest.open(newline="") as handle:
        reader = csv.DictReader(handle)
        columns, rows = list(reader.fieldnames or ()), list(reader)
    missing = REQUIRED_COLUMNS - set(columns)
    if missing:
        raise DatasetError(f"{manifest}: missing column(s) {', '.join(sorted(missing))}")
    train = [row for row in rows if row["split"] == "train"]
    if len(train) != len(dataset.train_x):
        raise DatasetError(f"{manifest}: {len(train)} training rows, but {dataset.name} has {len(dataset.train_x)} "
                           "training clips")
    if dataset.class_names is not None:
        classes = [dataset.class_names[label] for label in dataset.train_y.argmax(axis=1)]
        wrong = next((i for i, (row, name) in enumerate(zip(train, classes)) if row["class"] != name), None)
        if wrong is not None:
            raise DatasetError(f"{manifest}: training row {wrong + 1} is class {train[wrong]['class']!r}, but clip "
                               f"{wrong} of {dataset.name} is {classes[wrong]!r}")
    return columns, rows


def training_groups(manifest: Path, dataset: Dataset) -> list[str]:
    """The true group of each training clip, in order (:func:`read_manifest` checks the file)."""
    return [row["group"] for row in read_manifest(manifest, dataset)[1] if row["split"] == "train"]
