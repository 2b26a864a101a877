"""The start and end records that ingestion leaves beside its predictions (the official kit's start.txt/end.txt).

``start.txt`` holds ``key: value`` lines (task_name, time_budget, start_time as a Unix time), then one line
``K: seconds`` per prediction ``NAME.predict_K`` with the cumulative time charged to the model when it was made.
Its header is written at the start, then the record is rewritten with one more line per prediction and once at
the end, each time whole and atomically (:func:`ingestion.safe_files.write_atomically`, never through a link),
so a crash never loses the times of predictions already written.
``end.txt`` holds ingestion_duration, ingestion_success (1 or 0) and, on failure, error.
Scoring reads both with :func:`read_start_record` and :func:`read_end_record` (at most 1 MB each), which
trust nothing: a duplicate key, a task_name that is not a plain name, a time_budget that breaks the harness's
rule (:func:`ingestion.dataset.time_budget_problem`), prediction times that are not finite, non-negative and
strictly increasing with K = 0, 1, 2, ... without a gap, are errors naming the file and line. A last line
without its newline is a write cut short (a killed appender): it is ignored with a warning, so the predictions
recorded before it still count.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.dataset import name_problem, read_small_text, time_budget_problem
from ingestion.safe_files import write_atomically

START_RECORD = "start.txt"
END_RECORD = "end.txt"
PREDICTION_KEY = re.compile(r"[+-]?\d+")  # what looks like a K; it must then be written 0, 1, 2, ...
MAX_INDEX_DIGITS = 18  # a K of more digits is no prediction's (and past 4,300 digits, int() refuses it)

logger = logging.getLogger(__name__)


class RecordError(ValueError):
    """A start or end record is missing or malformed; the message names the file."""


@dataclass
class StartRecord:
    """What ingestion started with, and the charged time (seconds) of each prediction by index K."""

    task_name: str
    time_budget: float
    start_time: float
    prediction_times: dict[int, float] = field(default_factory=dict)

    def write(self, output_dir: Path) -> None:
        """Write the whole record at once (a temporary file renamed over start.txt)."""
        lines = [f"task_name: {self.task_name}", f"time_budget: {self.time_budget:g}",
                 f"start_time: {self.start_time:.3f}"]
        lines += [_time_line(index, seconds) for index, seconds in sorted(self.prediction_times.items())]
        _write_lines(Path(output_dir) / START_RECORD, lines)

    def append(self, output_dir: Path, index: int, seconds: float) -> None:
        """Record prediction ``index`` at ``seconds`` and rewrite start.txt with its line."""
        self.prediction_times[index] = seconds
        self.write(output_dir)


def _time_line(index: int, seconds: float) -> str:
    """``K: seconds`` to the microsecond, so predictions made within one millisecond still increase."""
    return f"{index}: {seconds:.6f}"


@dataclass
class EndRecord:
    """How ingestion ended."""

    ingestion_duration: float
    ingestion_success: bool
    error: str | None = None

    def write(self, output_dir: Path) -> None:
        lines = [f"ingestion_duration: {self.ingestion_duration:.3f}",
                 f"ingestion_success: {int(self.ingestion_success)}"]
        if self.error:
            lines.append(f"error: {' '.join(self.error.split())}")
        _write_lines(Path(output_dir) / END_RECORD, lines)


def _write_lines(path: Path, lines: list[str]) -> None:
    write_atomically(path, "".join(f"{line}\n" for line in lines))


def _read_pairs(path: Path) -> dict[str, tuple[int, str]]:
    """The ``key: value`` lines of ``path`` as key -> (line number, value); blank lines are skipped, an
    unterminated last line is ignored with a warning, and a repeated key is an error."""
    lines = read_small_text(path, "ingestion record", RecordError).split("\n")
    if lines[-1]:
        logger.warning("ignoring %s line %d: it has no newline at its end (a write cut short?)", path, len(lines))
    pairs: dict[str, tuple[int, str]] = {}
    for number, line in enumerate(lines[:-1], start=1):
        if not line.strip():
            continue
        key, separator, value = line.partition(":")
        key = key.strip()
        if not separator:
            raise RecordError(f"{path} line {number}: expected 'key: value', got {line!r}")
        if key in pairs:
            raise RecordError(f"{path} line {number}: duplicate key {key!r} (first on line {pairs[key][0]})")
        pairs[key] = (number, value.strip())
    return pairs


def _field(pairs: dict[str, tuple[int, str]], key: str, path: Path) -> tuple[int, str]:
    """(line number, value) of ``key``; RecordError when the record lacks it."""
    if key not in pairs:
        raise RecordError(f"{path} lacks the key {key!r}")
    return pairs[key]


def _finite(path: Path, what: str, entry: tuple[int, str], minimum: float = -math.inf) -> float:
    """The value of ``entry`` as a finite number of at least ``minimum``, else RecordError naming the line."""
    line, text = entry
    try:
        value = float(text)
    except ValueError:
        raise RecordError(f"{path} line {line}: {what} must be a number, got {text!r}") from None
    if not minimum <= value < math.inf:
        bound = "" if minimum == -math.inf else f" and at least {minimum:g}"
        raise RecordError(f"{path} line {line}: {what} must be finite{bound}, got {text}")
    return value


def _prediction_times(path: Path, pairs: dict[str, tuple[int, str]]) -> dict[int, float]:
    """The ``K: seconds`` lines: K must run 0, 1, 2, ... and the times be finite, non-negative and increasing."""
    entries: dict[int, tuple[int, float]] = {}
    for key, (line, text) in pairs.items():
        if not PREDICTION_KEY.fullmatch(key):
            continue  # a key of the header, or one this reader does not use (the kit's ingestion_pid)
        if len(key) > MAX_INDEX_DIGITS:
            raise RecordError(f"{path} line {line}: a prediction index of {len(key):,} digits is no prediction's")
        if key != str(abs(int(key))):
            raise RecordError(f"{path} line {line}: prediction index {key!r} must be written 0, 1, 2, ...")
        entries[int(key)] = (line, _finite(path, f"the time of prediction {key}", (line, text), minimum=0.0))
    times: dict[int, float] = {}
    for expected, index in enumerate(sorted(entries)):
        line, seconds = entries[index]
        if index != expected:
            raise RecordError(f"{path} line {line}: prediction {index} is recorded, prediction {expected} is not")
        if index and seconds <= times[index - 1]:
            raise RecordError(f"{path} line {line}: prediction {index} at {seconds:g} s is not later than "
                              f"prediction {index - 1} at {times[index - 1]:g} s")
        times[index] = seconds
    return times


def read_start_record(output_dir: str | Path) -> StartRecord:
    """Parse and check ``output_dir/start.txt``; RecordError names the file and line of any problem."""
    path = Path(output_dir) / START_RECORD
    pairs = _read_pairs(path)
    line, task_name = _field(pairs, "task_name", path)
    problem = name_problem(task_name)
    if problem:
        raise RecordError(f"{path} line {line}: task_name {task_name!r} must be a plain name: {problem}")
    budget_line, budget_text = budget_entry = _field(pairs, "time_budget", path)
    time_budget = _finite(path, "time_budget", budget_entry)
    problem = time_budget_problem(time_budget)
    if problem:
        raise RecordError(f"{path} line {budget_line}: time_budget {problem}, got {budget_text}")
    start_time = _finite(path, "start_time", _field(pairs, "start_time", path))
    return StartRecord(task_name, time_budget, start_time, _prediction_times(path, pairs))


def read_end_record(output_dir: str | Path) -> EndRecord | None:
    """Parse ``output_dir/end.txt``; None when ingestion has not finished (or crashed before writing it)."""
    path = Path(output_dir) / END_RECORD
    if not path.exists():
        return None
    pairs = _read_pairs(path)
    duration = _finite(path, "ingestion_duration", _field(pairs, "ingestion_duration", path), minimum=0.0)
    line, success = _field(pairs, "ingestion_success", path)
    if success not in ("0", "1"):
        raise RecordError(f"{path} line {line}: ingestion_success must be 0 or 1, got {success!r}")
    return EndRecord(duration, success == "1", pairs["error"][1] if "error" in pairs else None)
