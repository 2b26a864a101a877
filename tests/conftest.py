"""Shared fixtures: tiny datasets in the official layout, built from real audio clips.

Clips come from the committed sample datasets (``sample_data/data02`` .. ``data05``), the first one holding
enough clips for the requested classes.

Other tests can call :func:`make_tiny_dataset` directly or use the ``tiny_dataset`` / ``make_dataset`` fixtures.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from autospeech import run as run_local
from ingestion.dataset import SAMPLE_RATE, DatasetError, load_dataset, save_dataset

REPOSITORY = Path(__file__).resolve().parent.parent
SAMPLE_DATASETS = ("data02", "data03", "data04", "data05")
MAX_CLIP_SECONDS = 2.0  # clips are cut to this length to keep tests fast


@functools.lru_cache(maxsize=None)
def _sample_dataset_classes(name: str) -> tuple[tuple[np.ndarray, ...], ...]:
    """Train clips of ``sample_data/NAME`` grouped by class (empty when the dataset is absent)."""
    try:
        dataset = load_dataset(REPOSITORY / "sample_data" / name)
    except DatasetError:
        return ()
    labels = dataset.train_y.argmax(axis=1)
    return tuple(tuple(dataset.train_x[i] for i in np.flatnonzero(labels == c)) for c in range(labels.max() + 1))


def real_clips_by_class(n_classes: int, clips_per_class: int) -> list[list[np.ndarray]]:
    """``n_classes`` lists of ``clips_per_class`` real clips each, at most MAX_CLIP_SECONDS long."""
    limit = int(MAX_CLIP_SECONDS * SAMPLE_RATE)
    for name in SAMPLE_DATASETS:
        classes = [c for c in _sample_dataset_classes(name) if len(c) >= clips_per_class]
        if len(classes) >= n_classes:
            return [[clip[:limit] for clip in c[:clips_per_class]] for c in classes[:n_classes]]
    raise LookupError(f"no committed sample dataset (sample_data/{', '.join(SAMPLE_DATASETS)}) holds "
                      f"{n_classes} classes of {clips_per_class} training clips")


def make_tiny_dataset(directory: Path, n_classes: int = 3, clips_per_class: int = 4, test_per_class: int = 2,
                      name: str = "tiny", formats: tuple[str, ...] = ("npz",), time_budget: int | None = None,
                      compress: bool = False) -> Path:
    """Write a dataset NAME of real clips under ``directory``: per class, ``clips_per_class`` train clips and
    ``test_per_class`` test clips (the classes interleaved). Returns the dataset folder ``directory/NAME``."""
    classes = real_clips_by_class(n_classes, clips_per_class + test_per_class)
    splits = {}
    for split, chosen in (("train", slice(0, clips_per_class)), ("test", slice(clips_per_class, None))):
        per_class = [clips[chosen] for clips in classes]
        clips = [per_class[label][i] for i in range(len(per_class[0])) for label in range(n_classes)]
        labels = np.tile(np.eye(n_classes, dtype=int), (len(per_class[0]), 1))
        splits[split] = (clips, labels)
    return save_dataset(directory, name, splits["train"][0], splits["train"][1], splits["test"][0],
                        splits["test"][1], time_budget=time_budget, formats=formats, compress=compress)


@pytest.fixture
def make_dataset(tmp_path: Path) -> Callable[..., Path]:
    """``make_dataset(**kwargs)`` builds :func:`make_tiny_dataset` datasets under this test's tmp_path."""
    return functools.partial(make_tiny_dataset, tmp_path)


@pytest.fixture
def tiny_dataset(tmp_path: Path) -> Path:
    """A 3-class dataset of 4 train and 2 test real clips per class, in the official layout (npz)."""
    return make_tiny_dataset(tmp_path)


def run_arguments(*argv: str | Path) -> argparse.Namespace:
    """``autospeech run``'s options parsed from ``argv`` by its own parser (every option at its default)."""
    parser = argparse.ArgumentParser()
    run_local.add_arguments(parser)
    return parser.parse_args([str(argument) for argument in argv])
