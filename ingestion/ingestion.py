"""Run a submission on one dataset under a time budget, like the official AutoSpeech 2019 ingestion program.

The model is imported from ``CODE_DIR/model.py`` and built with ``Model(metadata)`` (not charged). Then::

    while not model.done_training:
        model.train((train_x, train_y), remaining_time_budget)
        predictions = model.test(test_x, remaining_time_budget)   # written to NAME.predict_K

Every train/test call is charged its wall time and runs under a limit of the remaining budget. Once the
budget is spent, the model raises, or a prediction is malformed, the run stops and is marked unsuccessful;
the predictions written before stay and are scored. See :mod:`ingestion.records` for start.txt / end.txt.

Time budget: ``time_budget`` from meta.json, unless one is passed (``--time-budget``), which then overrides it
(logged); without either, 1800 s. The model's metadata carries the budget in force as ``time_budget``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingestion.command import positive_float
from ingestion.dataset import Dataset, load_dataset
from ingestion.records import END_RECORD, START_RECORD, EndRecord, StartRecord
from ingestion.submission import IngestionError, load_model_class
from ingestion.timing import Budget, TimeoutException

DEFAULT_TIME_BUDGET = 1800.0  # seconds; the official kit's default --time_budget

logger = logging.getLogger(__name__)


@dataclass
class IngestionResult:
    """Outcome of one ingestion run; ``prediction_times[K]`` is the charged time of ``NAME.predict_K``."""

    name: str
    output_dir: Path
    time_budget: float
    prediction_times: list[float] = field(default_factory=list)
    duration: float = 0.0
    success: bool = False
    timed_out: bool = False
    error: str | None = None

    @property
    def prediction_paths(self) -> list[Path]:
        return [prediction_path(self.output_dir, self.name, index) for index in range(len(self.prediction_times))]


def prediction_path(output_dir: Path, name: str, index: int) -> Path:
    """Path of the K-th prediction file ``NAME.predict_K``."""
    return Path(output_dir) / f"{name}.predict_{index}"


def resolve_time_budget(metadata: dict, time_budget: float | None) -> float:
    """The budget in force: ``time_budget`` if given (overriding meta.json), else meta.json's, else the default."""
    from_meta = metadata.get("time_budget")
    if time_budget is not None:
        if from_meta is not None and float(from_meta) != float(time_budget):
            logger.info("time budget %g s given; it overrides meta.json's %g s", time_budget, from_meta)
        return float(time_budget)
    return float(from_meta) if from_meta is not None else DEFAULT_TIME_BUDGET


def model_metadata(dataset: Dataset, time_budget: float | None) -> tuple[float, dict]:
    """The budget in force (:func:`resolve_time_budget`) and the metadata the model gets: meta.json with
    ``time_budget`` set to that budget."""
    budget_seconds = resolve_time_budget(dataset.metadata, time_budget)
    return budget_seconds, {**dataset.metadata, "time_budget": budget_seconds}


def check_prediction(prediction: object, shape: tuple[int, int], code_dir: Path) -> np.ndarray:
    """Return ``prediction`` as a float array, or raise IngestionError unless it is finite with ``shape``."""
    try:
        array = np.asarray(prediction, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise IngestionError(f"model in {code_dir}: test() returned {type(prediction).__name__}, "
                             f"not a numeric array of shape {shape}: {error}") from error
    if array.shape != shape:
        raise IngestionError(f"model in {code_dir}: test() returned shape {array.shape}, "
                             f"expected (test_num, class_num) = {shape}")
    if not np.all(np.isfinite(array)):
        raise IngestionError(f"model in {code_dir}: test() returned non-finite values (NaN or inf)")
    return array


def describe_model_error(error: Exception, code_dir: Path) -> str:
    """One line naming the model, the exception and where it was raised."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    return f"model in {code_dir} raised {type(error).__name__}: {error}{where}"


def clear_previous_run(output_dir: Path, name: str) -> None:
    """Remove predictions and records a previous run left in ``output_dir`` so they cannot be scored."""
    stale = [*output_dir.glob(f"{name}.predict_*"), output_dir / START_RECORD, output_dir / END_RECORD]
    removed = [path for path in stale if path.exists()]
    for path in removed:
        path.unlink()
    if removed:
        logger.info("removed %d file(s) of a previous run from %s", len(removed), output_dir)


def run_ingestion(dataset_dir: str | Path, code_dir: str | Path, output_dir: str | Path,
                  time_budget: float | None = None) -> IngestionResult:
    """Run the submission in ``code_dir`` on ``dataset_dir``, writing predictions and records to ``output_dir``.

    Raises DatasetError / IngestionError when the run cannot start (bad dataset, no importable Model, Model()
    failing); failures during the run are returned in the result (``success`` False, ``error``) instead.
    """
    dataset = load_dataset(dataset_dir)
    code_dir = Path(code_dir).resolve()
    model_class = load_model_class(code_dir)
    budget_seconds, metadata = model_metadata(dataset, time_budget)
    try:
        model = model_class(metadata)
    except Exception as error:
        raise IngestionError(f"Model(metadata) failed: {describe_model_error(error, code_dir)}") from error
    return run_model(model, dataset, output_dir, budget_seconds, code_dir)


def run_model(model: object, dataset: Dataset, output_dir: str | Path, budget_seconds: float,
              code_dir: Path) -> IngestionResult:
    """The timed loop on an already built model (``code_dir`` names it in errors): clears ``output_dir`` of a
    previous run, writes the records and predictions, and returns how it went (failures in the result)."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    clear_previous_run(output_dir, dataset.name)
    result = IngestionResult(dataset.name, output_dir, budget_seconds)
    start = time.time()
    record = StartRecord(dataset.name, budget_seconds, start)
    record.write(output_dir)
    try:
        train_and_predict(model, dataset, code_dir, Budget(budget_seconds), record, result)
        result.success = True
    except TimeoutException:
        result.timed_out = True
        result.error = (f"model in {code_dir} exceeded the time budget of {budget_seconds:g} s; "
                        f"{len(result.prediction_times)} prediction(s) written before count")
    except IngestionError as error:
        result.error = str(error)
    except Exception as error:
        result.error = describe_model_error(error, code_dir)
        logger.debug("model traceback", exc_info=True)
    result.duration = time.time() - start
    EndRecord(result.duration, result.success, result.error).write(output_dir)
    if result.error:
        logger.error("ingestion failed: %s", result.error)
    logger.info("ingestion %s in %.1f s with %d prediction(s) in %s", "succeeded" if result.success else "failed",
                result.duration, len(result.prediction_times), output_dir)
    return result


def train_and_predict(model: object, dataset: Dataset, code_dir: Path, budget: Budget, record: StartRecord,
                      result: IngestionResult) -> None:
    """The official loop: train and test until ``model.done_training``, saving each prediction at once."""
    shape = (len(dataset.test_x), dataset.train_y.shape[1])
    while not model.done_training:
        with budget.charge():
            model.train((dataset.train_x, dataset.train_y), remaining_time_budget=budget.remaining)
        with budget.charge():
            raw_prediction = model.test(dataset.test_x, remaining_time_budget=budget.remaining)
        prediction = check_prediction(raw_prediction, shape, code_dir)
        index = len(result.prediction_times)
        np.savetxt(prediction_path(result.output_dir, dataset.name, index), prediction)
        result.prediction_times.append(budget.charged)
        record.prediction_times[index] = budget.charged
        record.write(result.output_dir)
        logger.info("round %d: wrote %s.predict_%d, charged %.1f s, remaining %.1f s of %g s",
                    index + 1, dataset.name, index, budget.charged, budget.remaining, budget.time_budget)


def configure_logging() -> None:
    """Show the harness's progress lines on stderr (no-op when the application configured logging)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)


def add_arguments(parser: argparse.ArgumentParser, several_datasets: bool = False) -> None:
    """Options --dataset, --code-dir, --output, --time-budget (``several_datasets``: --dataset takes 1 or more),
    each also under the official kit's spelling (--dataset_dir=, --code_dir=, --output_dir=, --time_budget=);
    the kit's --ingestion_program_dir and --score_dir are accepted and unused."""
    parser.add_argument("--dataset", "--dataset_dir", dest="dataset", required=True,
                        nargs="+" if several_datasets else None, help="dataset folder NAME/ (holding NAME.data/)")
    parser.add_argument("--code-dir", "--code_dir", dest="code_dir", default=".",
                        help="folder holding the submission's model.py (default: .)")
    parser.add_argument("--output", "--output_dir", dest="output", required=True,
                        help="folder for NAME.predict_K, start.txt and end.txt")
    parser.add_argument("--time-budget", "--time_budget", dest="time_budget", type=positive_float, default=None,
                        help=f"seconds; overrides meta.json's time_budget (default: meta.json's, "
                             f"else {DEFAULT_TIME_BUDGET:g})")
    for unused in ("--ingestion_program_dir", "--score_dir"):
        parser.add_argument(unused, help="accepted for the official kit's command line; not used")


def main(args: argparse.Namespace) -> int:
    """Run ingestion; 0 on success, 1 when the run failed. A run that cannot start (bad dataset or submission)
    raises DatasetError / IngestionError, which the command line reports as one line with exit code 2."""
    configure_logging()
    result = run_ingestion(args.dataset, args.code_dir, args.output, args.time_budget)
    return 0 if result.success else 1
