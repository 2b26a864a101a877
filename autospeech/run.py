"""Run ingestion then scoring on one or more datasets, like the official kit's run_local_test.py.

``autospeech run --dataset sample_data/data02 --code-dir . --output runs/data02`` writes predictions,
start.txt/end.txt, scores.txt, learning_curve.png and detailed_results.html to --output; with several datasets,
each to --output/NAME (two datasets of one NAME are refused). Every dataset and its test solution are checked
before anything runs; each output folder is locked from ingestion to the end of scoring and emptied of an
earlier run's outputs first.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from ingestion import ingestion
from ingestion.dataset import check_solution, find_data_dir, solution_path
from ingestion.outputs import claim_output
from scoring.score import score_predictions, write_score_outputs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    ingestion.add_arguments(parser, several_datasets=True)


def run_local(dataset_dir: str | Path, output_dir: str | Path, args: argparse.Namespace) -> bool:
    """Ingest and score one dataset (options of :func:`ingestion.add_arguments` in ``args``), print the ALC and
    the report's path; True if ingestion succeeded."""
    with claim_output(output_dir) as folder:
        result = ingestion.ingest(dataset_dir, folder, args)
        scores = score_predictions(folder.path, solution_path(dataset_dir))
        report = write_score_outputs(scores, folder.path)
    status = "" if result.success else f" (ingestion failed: {result.error})"
    print(f"ALC {scores.alc:.4f} on {result.name} with {len(scores.predictions)} prediction(s){status}")
    print(f"report: {report}")
    return result.success


def output_folders(datasets: list[str], output: str) -> list[Path]:
    """``output`` for one dataset, ``output/NAME`` for several; ValueError when two share a NAME or a dataset or
    its test solution is bad (DatasetError), before anything runs."""
    names = [find_data_dir(dataset)[0] for dataset in datasets]
    for dataset in datasets:
        check_solution(dataset)
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        raise ValueError(f"several datasets are named {', '.join(repeated)}; their outputs would collide in "
                         f"{output} (give each dataset a distinct NAME)")
    return [Path(output)] if len(datasets) == 1 else [Path(output) / name for name in names]


def main(args: argparse.Namespace) -> int:
    """Run every dataset; 0 if all ingestions succeeded, 1 otherwise. Bad input (DatasetError, IngestionError,
    ScoringError, an output folder in use) stops at that dataset and is reported by the command line as one
    line with exit code 2."""
    ingestion.configure_logging()
    datasets = args.dataset if isinstance(args.dataset, list) else [args.dataset]
    succeeded = True
    for dataset, output in zip(datasets, output_folders(datasets, args.output)):
        succeeded &= run_local(dataset, output, args)
    return 0 if succeeded else 1
