"""A synthetic enlargement of a sample dataset, to check that the model scales (many classes, many clips).

    python -m benchmarks.enlarge --dataset sample_data/data01 --classes 100 --train 10000 --test 1000 \\
        --output build/datasets

Class k is source class ``k mod C`` played at speed ``1 + step × (k div C − middle)`` (resampled with soxr), so
speakers become new "speakers"; each clip is a random ``--seconds`` segment of a random clip of its source class,
at a random gain. Train clips come from the source's train clips and test clips from its test clips, so no
recording crosses sides. Written as raw float32 ``.npz`` (safe, fast to load).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import soxr

from autospeech.convert import check_new_dataset, write_dataset
from ingestion.command import parsed, positive_int, seed_argument
from ingestion.dataset import SAMPLE_RATE, DatasetError, load_dataset

SPEED_STEP = 0.06  # ours: 6 % speed steps between variants of one source class (audibly different voices)
GAIN_DB = 6.0  # ours: random gain within ±6 dB
MAX_CLIP_SECONDS = 60.0  # ours: AutoSpeech clips last seconds; the model reads the first 5


def synthesize(clips: list[np.ndarray], classes: np.ndarray, source_classes: int, count: int, class_num: int,
               seconds: float, rng: np.random.Generator) -> tuple[list[np.ndarray], np.ndarray]:
    """``count`` clips of ``class_num`` classes (about equally many each) from labelled source clips."""
    length = int(seconds * SAMPLE_RATE)
    middle = (class_num // source_classes) / 2
    by_class = [np.flatnonzero(classes == c) for c in range(source_classes)]
    targets = rng.permutation(np.arange(count) % class_num)
    waveforms = []
    for target in targets:
        source = rng.choice(by_class[target % source_classes])
        speed = 1 + SPEED_STEP * (target // source_classes - middle)
        clip = soxr.resample(clips[source], SAMPLE_RATE * speed, SAMPLE_RATE)
        clip = np.resize(clip, max(len(clip), length))
        start = rng.integers(0, len(clip) - length + 1)
        gain = 10 ** (rng.uniform(-GAIN_DB, GAIN_DB) / 20)
        waveforms.append((clip[start:start + length] * gain).astype(np.float32))
    return waveforms, np.eye(class_num, dtype=int)[targets]


def enlarge(dataset_dir: str | Path, output_dir: str | Path, class_num: int, train: int, test: int,
            seconds: float, seed: int) -> Path:
    """Write the enlarged dataset ``NAME_CLASSESxTRAIN`` under ``output_dir``; returns its folder."""
    dataset = load_dataset(dataset_dir, with_test_labels=True)
    source_classes = dataset.train_y.shape[1]
    if class_num < source_classes:
        raise DatasetError(f"--classes {class_num} is fewer than the {source_classes} classes of {dataset_dir}")
    for option, count in (("--train", train), ("--test", test)):
        if count < class_num:
            raise DatasetError(f"{option} {count}: must be at least the {class_num} classes (a clip of each)")
    name = f"{dataset.name}_{class_num}x{train}"
    check_new_dataset(Path(output_dir), name)
    rng = np.random.default_rng(seed)
    train_x, train_y = synthesize(dataset.train_x, dataset.train_y.argmax(axis=1), source_classes, train,
                                  class_num, seconds, rng)
    test_x, test_y = synthesize(dataset.test_x, dataset.test_labels.argmax(axis=1), source_classes, test,
                                class_num, seconds, rng)
    return write_dataset(Path(output_dir), name, train_x=train_x, train_y=train_y, test_x=test_x, test_y=test_y,
                         time_budget=dataset.metadata.get("time_budget"))


def clip_seconds(text: str) -> float:
    """argparse type: a clip length in seconds, in (0, MAX_CLIP_SECONDS]."""
    value = parsed(text, float)
    if not 0 < value <= MAX_CLIP_SECONDS:
        raise argparse.ArgumentTypeError(f"must be a number of seconds in (0, {MAX_CLIP_SECONDS:g}], got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", default="sample_data/data01", help="source dataset (default: %(default)s)")
    parser.add_argument("--classes", type=positive_int, default=100, help="classes (default: %(default)s)")
    parser.add_argument("--train", type=positive_int, default=10000, help="training clips (default: %(default)s)")
    parser.add_argument("--test", type=positive_int, default=1000, help="test clips (default: %(default)s)")
    parser.add_argument("--seconds", type=clip_seconds, default=3.0, help="clip length (default: %(default)s)")
    parser.add_argument("--seed", type=seed_argument, default=0, help="seed (default: %(default)s)")
    parser.add_argument("--output", default="build/datasets", help="folder to write into (default: %(default)s)")


def main(args: argparse.Namespace) -> int:
    print(f"wrote {enlarge(args.dataset, args.output, args.classes, args.train, args.test, args.seconds, args.seed)}")
    return 0


if __name__ == "__main__":
    import sys

    from ingestion.command import run_command

    sys.exit(run_command("benchmarks.enlarge", prog="python -m benchmarks.enlarge"))
