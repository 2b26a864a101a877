"""Write a dataset in the official kit's own form: ``OUT/NAME/NAME.data/{meta.json, train.pkl, test.pkl,
train.solution}`` and ``OUT/NAME/NAME.solution`` (plus class_names.txt when the dataset has names).

Use it to feed any dataset (e.g. the committed sample data, stored as safe .npz) to the official ingestion
program, which reads only pickles. The clips are written as a pickled list of 1-D float32 arrays.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autospeech.convert import write_dataset
from ingestion.dataset import load_dataset


def export_pkl(dataset_dir: str | Path, output_dir: str | Path) -> Path:
    """Write ``dataset_dir`` in pkl form under ``output_dir``; returns the new dataset folder."""
    dataset = load_dataset(dataset_dir, with_test_labels=True)
    return write_dataset(Path(output_dir), dataset.name, train_x=dataset.train_x, train_y=dataset.train_y,
                         test_x=dataset.test_x, test_y=dataset.test_labels,
                         time_budget=dataset.metadata.get("time_budget"), formats=("pkl",),
                         class_names=dataset.class_names)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", help="dataset folder NAME/ (npz or pkl)")
    parser.add_argument("output", help="folder to write NAME/ into")


def main(args: argparse.Namespace) -> int:
    print(f"wrote {export_pkl(args.dataset, args.output)}")
    return 0
