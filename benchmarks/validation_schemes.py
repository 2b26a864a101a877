"""How honest each validation split is: does the validation score of a model predict its test score?

``python -m benchmarks.validation_schemes [--data-root DIR] [--datasets data01,...] [--seeds N] [--clusters 4,8]``
The model validates on a hold-out of its training clips and follows that score (which prediction to return,
which descriptors to use). When clips come in groups it cannot see (one speaker, one recording), a hold-out that
splits groups measures how well a model recognises the group, not the class. The sample datasets' manifests
(``OUT/manifests/NAME.csv``, written by ``python -m sample_data.build``) name each clip's true group, so here
every scheme is set against the test set, whose groups are all unseen:

  clip                  stratified clip-level hold-out (DESIGN: Kon's split)
  statistics-K          whole k-means clusters of the clips' log-mel statistics, K clusters per class (the model's
                        split when its first call has no embeddings)
  embeddings-K          the same on the pretrained CNN's grouping embeddings (the model's split with embeddings)
  groups                whole true groups from the manifest (what the model cannot know)

Each scheme holds out the model's ``validation_fraction``; per seed (the split's and k-means' seed) the quick
model (logistic regression on the statistics, as in the model's first call) is fitted on the training part and
scored (2·AUC − 1) on the validation part and on the test set. The table gives per dataset × scheme the means
over the seeds of validation, test, validation − test and its absolute value, and the share of validation clips
whose true group also has clips in the training part.
"""

from __future__ import annotations

import argparse
import statistics as stats
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from autospeech_model.config import ModelConfig
from autospeech_model.descriptors import Embedder, statistics
from autospeech_model.features import build_frontend, extract_features
from autospeech_model.grouping import PseudoGroups
from autospeech_model.quick import QuickClassifier
from autospeech_model.seeds import CLUSTER_STREAM, derive_seed
from autospeech_model.split import validation_split
from autospeech_model.training import validation_score
from benchmarks.manifests import manifest_path, training_groups
from benchmarks.run import DATASETS, REPOSITORY, comma_list, positive_count
from benchmarks.tables import number, render
from ingestion.dataset import Dataset, load_dataset

COLUMNS = ("dataset", "scheme", "seeds", "validation clips", "validation", "test", "validation - test",
           "abs(validation - test)", "validation clips sharing a group with training")


@dataclass
class Described:
    """A dataset's clips as the model's first call sees them."""

    statistics: np.ndarray
    embeddings: np.ndarray  # the grouping embeddings (config.grouping_layer)
    labels: np.ndarray
    test_statistics: np.ndarray
    test_labels: np.ndarray
    groups: np.ndarray


def describe(dataset: Dataset, groups: list[str], config: ModelConfig) -> Described:
    """Statistics and grouping embeddings of the training clips, and the test clips' statistics."""
    frontend, embedder = build_frontend(config), Embedder(config)
    images = extract_features(frontend, dataset.train_x, config)
    test_images = extract_features(frontend, dataset.test_x, config)
    return Described(statistics(images, config.predict_batch_size), embedder.embed(images)[1], dataset.train_y,
                     statistics(test_images, config.predict_batch_size), dataset.test_labels, np.asarray(groups))


def schemes(clusters: list[int]) -> dict[str, Callable[[Described, int, int], list | None]]:
    """Each scheme's name → its groups of the training clips for (described clips, class count, seed); None for
    a clip-level split."""
    def pseudo(source: str, per_class: int) -> Callable[[Described, int, int], list | None]:
        def groups(described: Described, class_num: int, seed: int) -> list | None:
            fitted = PseudoGroups(class_num, per_class, derive_seed(seed, CLUSTER_STREAM)).fit(
                getattr(described, source))
            return None if fitted is None else fitted.groups_.tolist()
        return groups
    table = {"clip": lambda described, class_num, seed: None}
    for source in ("statistics", "embeddings"):
        table.update({f"{source}-{k}": pseudo(source, k) for k in clusters})
    table["groups"] = lambda described, class_num, seed: described.groups.tolist()
    return table


@dataclass
class Trial:
    """One split: validation and test scores (None: not measurable), validation size, shared-group share."""

    validation: float | None
    test: float | None
    validation_clips: int
    shared: float


def trial(described: Described, groups: list | None, seed: int, config: ModelConfig) -> Trial:
    """Split by ``groups``, fit the quick model on the training part, score it on validation and on test."""
    labels = described.labels
    train, validation = validation_split(labels, config.validation_fraction, seed, groups)
    if len(validation) == 0 or len(np.unique(labels[train].argmax(axis=1))) < 2:
        return Trial(None, None, len(validation), 0.0)
    quick = QuickClassifier(labels.shape[1], config.quick_regularization, config.quick_max_iter)
    quick.fit(described.statistics[train], labels[train])
    seen = set(described.groups[train])
    return Trial(validation_score(labels[validation], quick.predict_proba(described.statistics[validation])),
                 validation_score(described.test_labels, quick.predict_proba(described.test_statistics)),
                 len(validation), float(np.mean([group in seen for group in described.groups[validation]])))


def mean(values: list[float]) -> float | None:
    """The mean, or None for no values."""
    return float(np.mean(values)) if values else None


def summary(dataset: str, scheme: str, trials: list[Trial]) -> list[str]:
    """A table row: the means over the trials whose validation and test could both be scored."""
    scored = [t for t in trials if t.validation is not None and t.test is not None]
    differences = [t.validation - t.test for t in scored]
    return [dataset, scheme, f"{len(scored)}/{len(trials)}",
            str(round(stats.median(t.validation_clips for t in trials))),
            number(mean([t.validation for t in scored]), 3), number(mean([t.test for t in scored]), 3),
            number(mean(differences), 3), number(mean([abs(d) for d in differences]), 3),
            number(mean([t.shared for t in scored]), 2)]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-root", default=str(REPOSITORY / "sample_data"),
                        help="folder holding the dataset folders and manifests/ (default: sample_data/)")
    parser.add_argument("--datasets", default=list(DATASETS), type=comma_list(),
                        help=f"comma-separated dataset folder names (default: {','.join(DATASETS)})")
    parser.add_argument("--seeds", type=positive_count, default=5, help="splits per scheme (seeds 0..N-1)")
    parser.add_argument("--clusters", type=comma_list(), default=[str(ModelConfig().validation_groups)],
                        help="comma-separated clusters per class of the pseudo-group schemes (default: the "
                             "model's validation_groups)")
    parser.add_argument("--output-markdown", action="store_true", help="print the table as Markdown")


def main(args: argparse.Namespace) -> int:
    """Load every dataset and its manifest first (a bad one is one line, exit code 2), then print the table."""
    clusters = []
    for text in args.clusters:
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"--clusters: must be whole numbers of at least 1, got {text!r}")
        clusters.append(int(text))
    root, config = Path(args.data_root), ModelConfig()
    loaded = []
    for name in args.datasets:
        dataset = load_dataset(root / name, with_test_labels=True)
        loaded.append((dataset, training_groups(manifest_path(root, name), dataset)))
    rows, splits = [], schemes(clusters)
    with threadpool_limits(config.numeric_threads):
        for dataset, groups in loaded:
            described = describe(dataset, groups, config)
            class_num = dataset.train_y.shape[1]
            for scheme, make_groups in splits.items():
                trials = [trial(described, make_groups(described, class_num, seed), seed, config)
                          for seed in range(args.seeds)]
                rows.append(summary(dataset.name, scheme, trials))
    print(render(COLUMNS, rows, args.output_markdown))
    return 0


if __name__ == "__main__":
    from ingestion.command import run_command

    sys.exit(run_command("benchmarks.validation_schemes", prog="python -m benchmarks.validation_schemes"))
