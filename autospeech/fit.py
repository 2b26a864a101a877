"""Train the model on a dataset within a time budget and save it for ``autospeech predict``.

Runs the official ingestion loop in this process (train, then predict the dataset's test clips, until the
model is done or the budget is spent), writing the predictions and start/end records to
MODEL_DIR/.predictions.partial/. The model is then saved to MODEL_DIR (Model.save) with the dataset's
class_names.txt when it has one, and the run's folder replaces MODEL_DIR/predictions/; a run that ends before
the model is built leaves MODEL_DIR as it was. When the
dataset holds its test solution (NAME/NAME.solution), the run is scored: ALC and the final 2·AUC − 1 are printed.
The budget is --time-budget, else meta.json's time_budget, else 1800 s (as in ingestion).
"""

from __future__ import annotations

import argparse
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ingestion.command import budget_argument, seed_argument
from autospeech_model.config import ModelConfig
from ingestion.dataset import find_data_dir, load_dataset, solution_path
from ingestion.ingestion import IngestionResult, add_trust_pickle, configure_logging, model_metadata, run_model
from ingestion.safe_files import remove_entry
from scoring.score import ScoreResult, score_predictions

PREDICTIONS_FOLDER = "predictions"
PARTIAL_PREDICTIONS = ".predictions.partial"  # the run's folder until the model is saved
REPLACED_PREDICTIONS = ".predictions.replaced"  # the earlier run's, while the new one takes its place
CLASS_NAMES_FILE = "class_names.txt"
MODEL_CODE_DIR = Path(__file__).resolve().parent


@dataclass
class FitResult:
    """Where the model was saved, the ingestion-style run, and its score (None without a test solution)."""

    model_dir: Path
    run: IngestionResult
    score: ScoreResult | None


def fit(dataset_dir: str | Path, model_dir: str | Path, time_budget: float | None = None,
        config: ModelConfig | None = None, trust_pickle: bool = False) -> FitResult:
    """Train a Model on ``dataset_dir`` under the budget, save it to ``model_dir`` and score its predictions.
    ``trust_pickle``: read .pkl clips with plain pickle.load (see ingestion.dataset).

    Raises ValueError when the run ended before the model built a classifier (nothing to save).
    """
    dataset = load_dataset(dataset_dir, trust_pickle=trust_pickle)
    from autospeech_model.model import Model  # imports TensorFlow: only once the dataset has loaded

    budget_seconds, metadata = model_metadata(dataset, time_budget)
    model = Model(metadata, config)
    model_dir = Path(model_dir)
    run = run_model(model, dataset, model_dir / PARTIAL_PREDICTIONS, budget_seconds, MODEL_CODE_DIR)
    if not model.fitted:
        remove_entry(run.output_dir)
        raise ValueError(f"training on {dataset_dir} ended before the model was built, nothing saved "
                         f"({run.error or 'no error'}); give a larger --time-budget")
    model.save(model_dir)
    _, data_dir = find_data_dir(dataset_dir)
    if dataset.class_names is not None:
        shutil.copyfile(data_dir / CLASS_NAMES_FILE, model_dir / CLASS_NAMES_FILE)
    run.output_dir = replace_folder(run.output_dir, model_dir / PREDICTIONS_FOLDER)
    solution = solution_path(dataset_dir)
    score = score_predictions(run.output_dir, solution) if solution.exists() and run.prediction_times else None
    return FitResult(model_dir, run, score)


def replace_folder(source: Path, target: Path) -> Path:
    """Move ``source`` to ``target``, replacing whatever ``target`` is (a folder with its files, a link)."""
    replaced = target.with_name(REPLACED_PREDICTIONS)
    remove_entry(replaced)  # left by a fit killed during an earlier replacement
    if os.path.lexists(target):
        os.rename(target, replaced)
    os.rename(source, target)
    remove_entry(replaced)
    return target


def format_fit(result: FitResult) -> str:
    """What fit did, in a few lines."""
    run = result.run
    lines = [f"saved the model to {result.model_dir} after {len(run.prediction_times)} prediction round(s) "
             f"in {run.duration:.1f} s of a {run.time_budget:g} s budget"]
    if run.error:
        lines.append(f"training stopped early: {run.error}")
    if result.score is not None and result.score.predictions:
        lines.append(f"test ALC {result.score.alc:.4f}, final 2*AUC-1 {result.score.predictions[-1].score:.4f}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True, help="dataset folder NAME/ (e.g. made by autospeech convert)")
    parser.add_argument("--model-dir", required=True, help="folder to save the trained model (and its predictions)")
    parser.add_argument("--time-budget", type=budget_argument, default=None,
                        help="seconds (default: meta.json's time_budget, else 1800)")
    parser.add_argument("--seed", type=seed_argument, default=ModelConfig.seed,
                        help="model seed (default: %(default)s)")
    add_trust_pickle(parser)
    parser.add_argument("--from-scratch", action="store_true",
                        help="start from random weights instead of the pretrained data01 model")


def main(args: argparse.Namespace) -> int:
    """Fit, save and print a summary; 1 when training stopped with an error (the model is still saved)."""
    configure_logging()
    config = ModelConfig(seed=args.seed)
    if args.from_scratch:
        config = config.replace(pretrained_weights=None)
    result = fit(args.dataset, args.model_dir, args.time_budget, config, args.trust_pickle)
    print(format_fit(result))
    return 0 if result.run.success or result.run.timed_out else 1
