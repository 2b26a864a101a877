"""Benchmark model variants on the sample datasets through the bundled harness and print a table.

``python -m benchmarks.run [--budget S] [--datasets data01,...] [--models kon,scratch,mfcc_logreg] [--repeats N]
[--seeds 0,1,2]``
Each ingestion runs in its own process (``python -m ingestion --no-sandbox``, the submission in its own child), so
its peak memory (ru_maxrss of the process and its children) is measured alone; predictions go to
``--output/DATASET/MODEL`` (``.../MODEL/seedS`` with ``--seeds``, ``.../runK`` with ``--repeats``) and are scored
there. With ``--repeats N`` every dataset × model runs N times, interleaved (run 1 of every pair, then run 2, ...:
a slow spell of the shared machine hits every model alike); with ``--seeds`` every run of a variant of the
repository's Model is made once per ``ModelConfig.seed`` (its split, weight initialisation, augmentation and
test-time crops; a baseline has no seed, so its runs are repeats). With more than one run per pair, the table
gives per pair the median of each column (peak memory: the largest) and the range of ALC. A second table sets the
first of ``--models`` against the best other (by median ALC) on each dataset, with how sure the difference is over
draws of the test clips (:mod:`benchmarks.alc_bootstrap`). Models:
  kon          the repository's model.py: quick linear model, Kon's CNN fine-tuned from the data01 weights, top-k
               ensemble (autospeech_model.model)
  kon_plain    the same Model with ModelConfig.kon(): Team Kon's recipe alone
  scratch      the same Model with ModelConfig(pretrained_weights=None)
  mfcc_logreg  benchmarks/baselines/mfcc_logreg: class frequencies, then logistic regression on MFCC statistics
A variant's code folder is assembled like the upload (autospeech.package) with a model.py for its config
(:mod:`benchmarks.variants`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.alc_bootstrap import COLUMNS as COMPARISON_COLUMNS, Comparison, compare
from benchmarks.tables import number, render
from benchmarks.variants import VARIANTS, variant_code_folder
from ingestion.command import budget_argument
from ingestion.dataset import check_solution, find_data_dir, load_metadata, solution_path
from ingestion.records import RecordError
from scoring.score import score_predictions, write_score_outputs

REPOSITORY = Path(__file__).resolve().parent.parent
BASELINES = {"mfcc_logreg": REPOSITORY / "benchmarks" / "baselines" / "mfcc_logreg"}  # name -> its code folder
MODELS = (*VARIANTS, *BASELINES)
DATASETS = ("data01", "data02", "data03", "data04", "data05")
COLUMNS = ("dataset", "classes", "model", "ALC", "final 2AUC-1", "first prediction (s)", "rounds",
           "peak RSS (MB)", "ingestion")


@dataclass
class BenchmarkRow:
    """One dataset × model run."""

    dataset: str
    classes: int
    model: str
    alc: float
    final_score: float | None
    first_prediction: float | None
    rounds: int
    peak_rss_mb: float
    success: bool
    output_dir: Path | None = None  # its predictions, when the run made any

    def cells(self) -> list[str]:
        return [self.dataset, str(self.classes), self.model, number(self.alc, 4), number(self.final_score, 4),
                number(self.first_prediction, 2), str(self.rounds), number(self.peak_rss_mb, 0),
                "ok" if self.success else "failed"]


def median(values: list[float | None]) -> float | None:
    """The median of the known values (None when none is known)."""
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None


@dataclass
class RepeatedRow:
    """The runs of one dataset × model: the median of each column, the largest peak memory, the ALC range."""

    runs: list[BenchmarkRow]

    def cells(self) -> list[str]:
        first, runs = self.runs[0], self.runs
        failed = sum(not run.success for run in runs)
        alcs = [run.alc for run in runs]
        return [first.dataset, str(first.classes), first.model, number(median(alcs), 4),
                number(median([run.final_score for run in runs]), 4),
                number(median([run.first_prediction for run in runs]), 2),
                str(statistics.median_low([run.rounds for run in runs])),
                number(max(run.peak_rss_mb for run in runs), 0),
                f"failed {failed}/{len(runs)}" if failed else "ok", str(len(runs)),
                f"{min(alcs):.4f}..{max(alcs):.4f}"]


REPEATED_COLUMNS = (*COLUMNS, "runs", "ALC range")


def repeated_rows(rows: list[BenchmarkRow]) -> list[RepeatedRow]:
    """``rows`` grouped by dataset × model, in order of first appearance."""
    groups: dict[tuple[str, str], list[BenchmarkRow]] = {}
    for row in rows:
        groups.setdefault((row.dataset, row.model), []).append(row)
    return [RepeatedRow(runs) for runs in groups.values()]


def ingest_in_subprocess(dataset_dir: Path, code_dir: Path, output_dir: Path,
                         time_budget: float | None) -> tuple[int, float]:
    """Run ``python -m ingestion`` in a child process; returns (exit code, the peak RSS in MB of it and of the
    submission's process). The benchmark's own variants run without the sandbox: inside it the submission is
    reaped by bubblewrap's init, and its memory would not reach ``wait4``'s count."""
    command = [sys.executable, "-m", "ingestion", "--dataset", str(dataset_dir), "--code-dir", str(code_dir),
               "--output", str(output_dir), "--no-sandbox"]
    if time_budget is not None:
        command += ["--time-budget", str(time_budget)]
    process = subprocess.Popen(command, cwd=REPOSITORY)
    try:
        _, status, usage = os.wait4(process.pid, 0)
    except BaseException:  # interrupted or terminated: the ingestion stops its submission, then ends
        process.terminate()
        process.wait()
        raise
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024  # Linux reports ru_maxrss in KiB


def check_dataset(dataset_dir: Path) -> None:
    """Raise DatasetError unless ``dataset_dir`` has readable metadata and a test solution to score against."""
    _, data_dir = find_data_dir(dataset_dir)
    load_metadata(data_dir)
    check_solution(dataset_dir)


def code_folder(model: str, build_dir: Path, seed: int | None = None) -> Path:
    """The code folder of ``model``: a baseline's own folder, or a variant of the repository's Model (with
    ModelConfig.seed = ``seed`` when given) assembled under ``build_dir``."""
    if model in BASELINES:
        return BASELINES[model]
    return variant_code_folder(model, build_dir / (model if seed is None else f"{model}-seed{seed}"), seed)


def benchmark(dataset_dir: Path, model: str, output_dir: Path, time_budget: float | None,
              build_dir: Path | None = None, seed: int | None = None) -> BenchmarkRow:
    """Ingest and score one dataset with one model (a variant with ModelConfig.seed = ``seed`` when given);
    ``output_dir`` is emptied first, so an earlier run's files are never scored. A variant's code folder is
    assembled under ``build_dir`` (default: two levels above ``output_dir``, ``code/``)."""
    name, data_dir = find_data_dir(dataset_dir)
    classes = load_metadata(data_dir)["class_num"]
    shutil.rmtree(output_dir, ignore_errors=True)
    code_dir = code_folder(model, build_dir or output_dir.parent.parent / "code", seed)
    exit_code, peak_rss = ingest_in_subprocess(dataset_dir, code_dir, output_dir, time_budget)
    try:
        scores = score_predictions(output_dir, solution_path(dataset_dir))
    except RecordError:  # ingestion could not start (its error is on stderr): nothing to score
        return BenchmarkRow(name, classes, model, 0.0, None, None, 0, peak_rss, False)
    write_score_outputs(scores, output_dir)
    first = scores.predictions[0].time if scores.predictions else None
    return BenchmarkRow(name, classes, model, scores.alc, scores.final_score, first, len(scores.predictions),
                        peak_rss, exit_code == 0, output_dir if scores.predictions else None)


def comparisons(rows: list[BenchmarkRow], dataset_dirs: list[Path]) -> list[Comparison]:
    """Per dataset, the first model of ``rows`` against the other model with the highest median ALC, over the
    runs that made predictions (a dataset where either side made none is left out)."""
    models = list(dict.fromkeys(row.model for row in rows))
    found = []
    for dataset_dir in dataset_dirs:
        name = find_data_dir(dataset_dir)[0]
        runs = {model: [row for row in rows if row.dataset == name and row.model == model and row.output_dir]
                for model in models}
        others = [model for model in models[1:] if runs[model]]
        if not runs[models[0]] or not others:
            continue
        baseline = max(others, key=lambda model: median([row.alc for row in runs[model]]))
        found.append(Comparison(name, models[0], baseline, *compare(
            solution_path(dataset_dir), [row.output_dir for row in runs[models[0]]],
            [row.output_dir for row in runs[baseline]])))
    return found


def format_table(rows: list[BenchmarkRow] | list[RepeatedRow] | list[Comparison], markdown: bool = False) -> str:
    """The rows (single runs, repeated runs' medians, or comparisons) as an aligned text table, or as a Markdown
    table."""
    kinds = {BenchmarkRow: COLUMNS, RepeatedRow: REPEATED_COLUMNS, Comparison: COMPARISON_COLUMNS}
    return render(kinds[type(rows[0])] if rows else COLUMNS, [row.cells() for row in rows], markdown)


def positive_count(text: str) -> int:
    """argparse type: a whole number ≥ 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return int(text)


def seed_list(text: str) -> list[int]:
    """argparse type: a comma-separated list of distinct whole numbers ≥ 0 (ModelConfig.seed values)."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    bad = [item for item in items if not item.isdigit() or int(item) >= 2**32]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"seeds must be whole numbers in [0, 2**32), got {text!r}")
    if len(set(map(int, items))) < len(items):
        raise argparse.ArgumentTypeError(f"seeds must be distinct, got {text!r}")
    return [int(item) for item in items]


def comma_list(choices: tuple[str, ...] | None = None):
    """An argparse type: a comma-separated list, whose items must be among ``choices`` when given."""
    def parse(text: str) -> list[str]:
        items = [item.strip() for item in text.split(",") if item.strip()]
        if not items:
            raise argparse.ArgumentTypeError(f"give at least one name, got {text!r}")
        if len(set(items)) < len(items):
            raise argparse.ArgumentTypeError(f"names must be distinct, got {text!r}")
        unknown = [item for item in items if choices is not None and item not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {', '.join(unknown)}; choose among {', '.join(choices)}")
        return items
    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--budget", type=budget_argument, default=None,
                        help="time budget in seconds for every run (default: each dataset's meta.json)")
    parser.add_argument("--datasets", default=list(DATASETS), type=comma_list(),
                        help=f"comma-separated dataset folder names (default: {','.join(DATASETS)})")
    parser.add_argument("--models", default=list(MODELS), type=comma_list(tuple(MODELS)),
                        help=f"comma-separated model variants among {', '.join(MODELS)}")
    parser.add_argument("--data-root", default=str(REPOSITORY / "sample_data"),
                        help="folder holding the dataset folders (default: sample_data/)")
    parser.add_argument("--output", default=str(REPOSITORY / "build" / "benchmarks"),
                        help="folder for each run's predictions and report (default: build/benchmarks/)")
    parser.add_argument("--repeats", type=positive_count, default=1,
                        help="runs of every dataset x model, interleaved; the table gives their medians")
    parser.add_argument("--seeds", type=seed_list, default=None,
                        help="comma-separated ModelConfig.seed values: every run of a variant is made once per "
                             "seed, interleaved (a baseline's runs are repeats); the table gives their medians")
    parser.add_argument("--output-markdown", action="store_true", help="print the table as Markdown")


def main(args: argparse.Namespace) -> int:
    """Check every dataset, run every dataset × model ``repeats`` times per seed (a line on stderr as each
    finishes), then print the table (of medians, with more than one run per pair) and, with two models or more,
    the comparison table.
    A missing or unreadable dataset raises DatasetError before anything runs; the command line reports it as
    one line with exit code 2."""
    if os.path.lexists(args.output) and not Path(args.output).is_dir():
        raise ValueError(f"--output {args.output} is not a folder")
    datasets = [Path(args.data_root) / dataset for dataset in args.datasets]
    for dataset_dir in datasets:
        check_dataset(dataset_dir)
    seeds = args.seeds or [None]
    rows = []
    for repeat in range(1, args.repeats + 1):
        for seed in seeds:
            for dataset_dir in datasets:
                for model in args.models:
                    output_dir = Path(args.output) / dataset_dir.name / model
                    if seed is not None:
                        output_dir /= f"seed{seed}"
                    if args.repeats > 1:
                        output_dir /= f"run{repeat}"
                    rows.append(benchmark(dataset_dir, model, output_dir, args.budget, Path(args.output) / "code",
                                          seed))
                    print("finished: " + " ".join(rows[-1].cells()), file=sys.stderr, flush=True)
    table = repeated_rows(rows) if args.repeats * len(seeds) > 1 else rows
    print(format_table(table, markdown=args.output_markdown))
    compared = comparisons(rows, datasets)
    if compared:
        print(f"\n{args.models[0]} against the best other model, over draws of the test clips:\n")
        print(format_table(compared, markdown=args.output_markdown))
    return 0


if __name__ == "__main__":
    from ingestion.command import run_command

    sys.exit(run_command("benchmarks.run", prog="python -m benchmarks.run"))
