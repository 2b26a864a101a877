"""Run a submission on one dataset under a time budget, like the official AutoSpeech 2019 ingestion program.

The submission, ``CODE_DIR/model.py``, runs in a child process (sandboxed where Linux namespaces work, see
:mod:`ingestion.submission` and :mod:`ingestion.sandbox`) that gets the clips from here, imports ``model.py``
and builds ``Model(metadata)`` (not charged, under a setup limit of 20 minutes by default). Then::

    while not model.done_training:
        model.train((train_x, train_y), remaining_time_budget)
        predictions = model.test(test_x, remaining_time_budget)   # written here to NAME.predict_K

The charged time is the wall time since the first train command (:mod:`ingestion.timing`); the child is killed
a grace period after the budget runs out. Once the budget is spent, the model fails (an exception, ``sys.exit``,
a crash) or a prediction is malformed, the run stops and is marked unsuccessful; the predictions written before
stay and are scored. The output folder is locked for the run and emptied of earlier outputs first
(:mod:`ingestion.outputs`); see :mod:`ingestion.records` for start.txt / end.txt.

Time budget: ``time_budget`` from meta.json, unless one is passed (``--time-budget``), which then overrides it
(logged); without either, 1800 s. The model's metadata carries the budget in force as ``time_budget``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ingestion.command import budget_argument, gib_argument
from ingestion.dataset import Dataset, find_data_dir, load_dataset
from ingestion.disk_reserve import DISK_RESERVE_BYTES
from ingestion.in_process import InProcessSubmission
from ingestion.memory_limit import DEFAULT_SHARE
from ingestion.outputs import OutputFolder, claim_output, prediction_path
from ingestion.records import EndRecord, StartRecord
from ingestion.submission import ChildSubmission, IngestionError
from ingestion.timing import SETUP_LIMIT_SECONDS, Budget, TimeoutException
from ingestion.watch import GIB

DEFAULT_TIME_BUDGET = 1800.0  # seconds; the official kit's default --time_budget

logger = logging.getLogger(__name__)


class Submission(Protocol):
    """What the timed loop drives: :class:`ingestion.submission.ChildSubmission` or
    :class:`ingestion.in_process.InProcessSubmission`."""

    done_training: bool

    def train(self, remaining: float) -> None: ...

    def test(self, remaining: float) -> tuple[Any, bool]: ...

    def stop(self) -> None: ...


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
    sandboxed: bool = False

    @property
    def prediction_paths(self) -> list[Path]:
        return [prediction_path(self.output_dir, self.name, index) for index in range(len(self.prediction_times))]


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


def run_ingestion(dataset_dir: str | Path, code_dir: str | Path, output: str | Path | OutputFolder,
                  time_budget: float | None = None, *, trust_pickle: bool = False, sandbox: bool = True,
                  setup_limit: float = SETUP_LIMIT_SECONDS, memory_limit: float | None = None,
                  disk_reserve: float | None = None) -> IngestionResult:
    """Run the submission in ``code_dir`` on ``dataset_dir``, writing predictions and records to ``output``: a
    folder to claim (:func:`ingestion.outputs.claim_output`), or one the caller has claimed (to score it under
    the same lock).

    ``memory_limit``: GiB the submission's processes may hold (None: :func:`ingestion.memory_limit.default_limit`);
    ``disk_reserve``: GiB kept free for the records (None: :func:`ingestion.disk_reserve.default_reserve`).
    Raises DatasetError / IngestionError / OutputBusyError when the run cannot start (bad dataset, no model.py,
    import or ``Model(metadata)`` failing, the folder in use); failures during the run are returned in the
    result (``success`` False, ``error``) instead.
    """
    dataset = load_dataset(dataset_dir, trust_pickle=trust_pickle)
    code_dir = Path(code_dir).resolve()
    budget_seconds, metadata = model_metadata(dataset, time_budget)
    claim = nullcontext(output) if isinstance(output, OutputFolder) else claim_output(output)
    with claim as folder:
        hidden = (find_data_dir(dataset_dir)[1].parent, folder.path)
        memory, disk = (None if gib is None else int(gib * GIB) for gib in (memory_limit, disk_reserve))
        with ChildSubmission.started(code_dir, dataset, metadata, hidden, sandbox, setup_limit, memory,
                                     disk) as submission:
            result = IngestionResult(dataset.name, folder.path, budget_seconds, sandboxed=submission.sandboxed)
            return run_timed(submission, dataset, folder, code_dir, result)


def run_model(model: object, dataset: Dataset, output_dir: str | Path, budget_seconds: float,
              code_dir: Path) -> IngestionResult:
    """The timed loop on a trusted model object built in this process (``autospeech fit``), without isolation;
    ``code_dir`` names it in errors."""
    with claim_output(output_dir) as folder:
        result = IngestionResult(dataset.name, folder.path, budget_seconds)
        return run_timed(InProcessSubmission(model, dataset, code_dir), dataset, folder, code_dir, result)


def run_timed(submission: Submission, dataset: Dataset, folder: OutputFolder, code_dir: Path,
              result: IngestionResult) -> IngestionResult:
    """Drive ``submission`` under the budget, fill ``result`` and write the records; failures end up in it."""
    budget = Budget(result.time_budget)
    record = StartRecord(dataset.name, result.time_budget, time.time())
    folder.clear()
    record.write(folder.path)
    budget.start()
    try:
        train_and_predict(submission, dataset, code_dir, budget, folder, record, result)
        result.success = True
    except TimeoutException as error:
        result.timed_out = True
        result.error = (f"model in {code_dir} exceeded the time budget of {result.time_budget:g} s ({error}); "
                        f"{len(result.prediction_times)} prediction(s) written before count")
    except IngestionError as error:
        result.error = str(error)
    except KeyboardInterrupt as error:  # Ctrl-C, or SIGTERM (ingestion.command.Terminated)
        result.error = f"ingestion was {error or 'interrupted'}"
        raise
    finally:
        result.duration = budget.elapsed
        finish(submission, folder, record, result)
    return result


def finish(submission: Submission, folder: OutputFolder, record: StartRecord, result: IngestionResult) -> None:
    """Once the submission can no longer act: restore the outputs, rewrite start.txt whole, write end.txt."""
    submission.stop()
    folder.seal()
    record.write(folder.path)
    EndRecord(result.duration, result.success, result.error).write(folder.path)
    if result.error:
        logger.error("ingestion failed: %s", result.error)
    logger.info("ingestion %s in %.1f s with %d prediction(s) in %s", "succeeded" if result.success else "failed",
                result.duration, len(result.prediction_times), folder.path)


def train_and_predict(submission: Submission, dataset: Dataset, code_dir: Path, budget: Budget,
                      folder: OutputFolder, record: StartRecord, result: IngestionResult) -> None:
    """The official loop: train and test until ``done_training``, saving each prediction at once."""
    shape = (len(dataset.test_x), dataset.train_y.shape[1])
    done = submission.done_training
    while not done:
        submission.train(budget.check())
        raw_prediction, done = submission.test(budget.check())
        prediction = check_prediction(raw_prediction, shape, code_dir)
        budget.check()
        index = len(result.prediction_times)
        folder.write_prediction(dataset.name, index, prediction)
        result.prediction_times.append(budget.elapsed)
        record.append(folder.path, index, result.prediction_times[-1])
        logger.info("round %d: wrote %s.predict_%d, charged %.1f s, remaining %.1f s of %g s",
                    index + 1, dataset.name, index, result.prediction_times[-1], budget.remaining,
                    budget.time_budget)


def configure_logging() -> None:
    """Show the harness's progress lines on stderr (no-op when the application configured logging)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)


def add_arguments(parser: argparse.ArgumentParser, several_datasets: bool = False) -> None:
    """Options --dataset, --code-dir, --output, --time-budget (``several_datasets``: --dataset takes 1 or more),
    each also under the official kit's spelling (--dataset_dir=, --code_dir=, --output_dir=, --time_budget=);
    the kit's --ingestion_program_dir and --score_dir are accepted and unused. Ours: --trust-pickle,
    --setup-limit, --memory-limit, --disk-reserve, --no-sandbox."""
    parser.add_argument("--dataset", "--dataset_dir", dest="dataset", required=True,
                        nargs="+" if several_datasets else None, help="dataset folder NAME/ (holding NAME.data/)")
    parser.add_argument("--code-dir", "--code_dir", dest="code_dir", default=".",
                        help="folder holding the submission's model.py (default: .)")
    parser.add_argument("--output", "--output_dir", dest="output", required=True,
                        help="folder for NAME.predict_K, start.txt and end.txt (locked for the run; earlier "
                             "outputs in it are removed)")
    parser.add_argument("--time-budget", "--time_budget", dest="time_budget", type=budget_argument, default=None,
                        help=f"seconds; overrides meta.json's time_budget (default: meta.json's, "
                             f"else {DEFAULT_TIME_BUDGET:g})")
    add_trust_pickle(parser)
    parser.add_argument("--setup-limit", type=budget_argument, default=SETUP_LIMIT_SECONDS,
                        help="seconds allowed to import model.py and build Model(metadata), not charged to the "
                             "budget (default: %(default)g)")
    parser.add_argument("--memory-limit", type=gib_argument, default=None, metavar="GIB",
                        help=f"GiB of resident memory the submission's processes may hold; past it the model is "
                             f"killed and the run fails, earlier predictions kept (default: {DEFAULT_SHARE:g} of "
                             f"the memory available when it starts)")
    parser.add_argument("--disk-reserve", type=gib_argument, default=None, metavar="GIB",
                        help=f"GiB of disk kept free for the records on the filesystems of the submission's scratch "
                             f"folder, the dataset and the output; a model that fills them is killed and the run "
                             f"fails, earlier predictions kept (default: {DISK_RESERVE_BYTES / GIB:g}, or half the "
                             f"free space when the child starts if less)")
    parser.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                        help="run the submission as a plain child process even where a bubblewrap sandbox works "
                             "(it can then read the filesystem, the test solution included)")
    for unused in ("--ingestion_program_dir", "--score_dir"):
        parser.add_argument(unused, help="accepted for the official kit's command line; not used")


def add_trust_pickle(parser: argparse.ArgumentParser) -> None:
    """The --trust-pickle option (also for the tools that load datasets)."""
    parser.add_argument("--trust-pickle", action="store_true",
                        help="read train.pkl/test.pkl with plain pickle.load, which runs any code they carry "
                             "(default: only lists of numpy arrays are accepted)")


def ingest(dataset_dir: str | Path, output: str | Path | OutputFolder, args: argparse.Namespace) -> IngestionResult:
    """:func:`run_ingestion` with the options of :func:`add_arguments` (the commands built on ingestion)."""
    return run_ingestion(dataset_dir, args.code_dir, output, args.time_budget, trust_pickle=args.trust_pickle,
                         sandbox=args.sandbox, setup_limit=args.setup_limit, memory_limit=args.memory_limit,
                         disk_reserve=args.disk_reserve)


def main(args: argparse.Namespace) -> int:
    """Run ingestion; 0 on success, 1 when the run failed. A run that cannot start (bad dataset or submission,
    output folder in use) raises a ValueError, which the command line reports as one line with exit code 2."""
    configure_logging()
    return 0 if ingest(args.dataset, args.output, args).success else 1
