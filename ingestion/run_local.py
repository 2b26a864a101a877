"""Run ingestion then scoring on one or more datasets, like the official kit's run_local_test.py.

``python ingestion/run_local.py --dataset sample_data/data02 --code-dir . --output runs/data02`` (or
``python -m autospeech run ...``) writes predictions, start.txt/end.txt, scores.txt, learning_curve.png and
detailed_results.html to --output; with several datasets, each to --output/NAME.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingestion import ingestion  # noqa: E402
from ingestion.dataset import find_data_dir, solution_path  # noqa: E402
from scoring.score import score_predictions, write_score_outputs  # noqa: E402


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


if __name__ == "__main__":
    from autospeech.cli import run_command

    sys.exit(run_command("ingestion.run_local", prog="run_local.py"))
