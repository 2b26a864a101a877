"""Run ingestion then scoring on one or more datasets, like the official kit's run_local_test.py.

``autospeech run --dataset sample_data/data02 --code-dir . --output runs/data02`` writes predictions, start.txt/end.txt, scores.txt, learning_curve.png and
detailed_results.html to --output; with several datasets, each to --output/NAME.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ingestion import ingestion
from ingestion.dataset import find_data_dir, solution_path
from scoring.score import score_predictions, write_score_outputs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    ingestion.add_arguments(parser, several_datasets=True)


def run_local(dataset_dir: str | Path, code_dir: str | Path, output_dir: str | Path,
              time_budget: float | None = None) -> bool:
    """Ingest and score one dataset, print the ALC and the report's path; True if ingestion succeeded."""
    result = ingestion.run_ingestion(dataset_dir, code_dir, output_dir, time_budget)
    scores = score_predictions(output_dir, solution_path(dataset_dir))
    report = write_score_outputs(scores, output_dir)
    status = "" if result.success else f" (ingestion failed: {result.error})"
    print(f"ALC {scores.alc:.4f} on {result.name} with {len(scores.predictions)} prediction(s){status}")
    print(f"report: {report}")
    return result.success


def main(args: argparse.Namespace) -> int:
    """Run every dataset; 0 if all ingestions succeeded, 1 otherwise. Bad input (DatasetError, IngestionError,
    ScoringError) stops at that dataset and is reported by the command line as one line with exit code 2."""
    ingestion.configure_logging()
    datasets = args.dataset if isinstance(args.dataset, list) else [args.dataset]
    succeeded = True
    for dataset in datasets:
        output = Path(args.output) / find_data_dir(dataset)[0] if len(datasets) > 1 else Path(args.output)
        succeeded &= run_local(dataset, args.code_dir, output, args.time_budget)
    return 0 if succeeded else 1

