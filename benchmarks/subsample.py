"""A smaller training set of a dataset, its test set whole: sets the size of those the model meets on the platform.

    python -m benchmarks.subsample --dataset build/datasets/data03 --train 450 --output build/datasets_450

The full-size sample sets hold 900–1,700 training clips, where the model's first call always prepares a subsample
and the rest joins later; sets of a few hundred clips (the size of the recordings issue #9 is checked on) often fit
the first call whole, and then the pretrained embeddings join in the second call. The kept clips are a stratified,
seeded choice (the project's splitter: about ``--train``, rounded per class, at least one a class); test clips,
labels, class names and the time budget are copied unchanged, under the same dataset name, and so are the manifest's
rows for the kept clips (``DIR/manifests/NAME.csv`` beside the source dataset, when there is one), so
:mod:`benchmarks.validation_schemes` works on the result.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from autospeech_model.split import holdout_mask
from benchmarks.manifests import manifest_path, read_manifest
from ingestion.command import positive_int, seed_argument
from autospeech.convert import check_new_dataset, write_dataset
from ingestion.dataset import DatasetError, load_dataset


def kept_clips(labels: np.ndarray, train: int, seed: int) -> np.ndarray:
    """Sorted indices of about ``train`` of the one-hot ``labels``' clips, stratified: round(share × count) of
    each class, at least one."""
    classes = labels.argmax(axis=1)
    if not len(np.unique(classes)) <= train < len(labels):
        raise DatasetError(f"--train {train}: must be at least the {len(np.unique(classes))} classes and fewer "
                           f"than the {len(labels)} training clips")
    return np.flatnonzero(holdout_mask(classes.tolist(), train / len(labels), seed))


def write_manifest(target: Path, columns: list[str], rows: list[dict[str, str]], kept: np.ndarray) -> None:
    """The manifest's training rows at ``kept`` (in order) and all its other rows, into ``target``."""
    train = [index for index, row in enumerate(rows) if row["split"] == "train"]
    dropped = set(train) - {train[i] for i in kept}
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(row for index, row in enumerate(rows) if index not in dropped)


def subsample(dataset_dir: str | Path, output_dir: str | Path, train: int, seed: int) -> Path:
    """Write ``output_dir/NAME`` with about ``train`` of the dataset's training clips and all its test clips, and
    its manifest's rows for them when the source has a manifest (checked first: a mismatch writes nothing)."""
    dataset_dir, output_dir = Path(dataset_dir), Path(output_dir)
    dataset = load_dataset(dataset_dir, with_test_labels=True)
    if output_dir.resolve() == dataset_dir.parent.resolve():
        raise DatasetError(f"--output {output_dir}: would overwrite the source dataset {dataset_dir}")
    check_new_dataset(output_dir, dataset.name)
    kept = kept_clips(dataset.train_y, train, seed)
    source = manifest_path(dataset_dir.parent, dataset.name)
    manifest = read_manifest(source, dataset) if source.is_file() else None
    written = write_dataset(output_dir, dataset.name, train_x=[dataset.train_x[i] for i in kept],
                            train_y=dataset.train_y[kept], test_x=dataset.test_x, test_y=dataset.test_labels,
                            time_budget=dataset.metadata.get("time_budget"), class_names=dataset.class_names)
    if manifest is not None:
        write_manifest(manifest_path(output_dir, dataset.name), *manifest, kept)
    return written


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True, help="source dataset folder")
    parser.add_argument("--train", type=positive_int, required=True, help="training clips to keep")
    parser.add_argument("--output", required=True, help="folder to write into (not the source's)")
    parser.add_argument("--seed", type=seed_argument, default=0, help="seed (default: %(default)s)")


def main(args: argparse.Namespace) -> int:
    print(f"wrote {subsample(args.dataset, args.output, args.train, args.seed)}")
    return 0


if __name__ == "__main__":
    from ingestion.command import run_command

    sys.exit(run_command("benchmarks.subsample", prog="python -m benchmarks.subsample"))
