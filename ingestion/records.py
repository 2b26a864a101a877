"""The start and end records that ingestion leaves beside its predictions (the official kit's start.txt/end.txt).

``start.txt`` holds ``key: value`` lines (task_name, time_budget, start_time as a Unix time), then one line
``K: seconds`` per prediction ``NAME.predict_K`` with the cumulative time charged to the model when it was made.
It is rewritten after every prediction, so a crash never loses the times of predictions already written.
``end.txt`` holds ingestion_duration, ingestion_success (1 or 0) and, on failure, error.
Scoring reads both with :func:`read_start_record` and :func:`read_end_record`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

START_RECORD = "start.txt"
END_RECORD = "end.txt"


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
        lines = [f"task_name: {self.task_name}", f"time_budget: {self.time_budget:g}",
                 f"start_time: {self.start_time:.3f}"]
        lines += [f"{index}: {seconds:.3f}" for index, seconds in sorted(self.prediction_times.items())]
        _write_atomically(Path(output_dir) / START_RECORD, lines)


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
        _write_atomically(Path(output_dir) / END_RECORD, lines)


def _write_atomically(path: Path, lines: list[str]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("".join(f"{line}\n" for line in lines))
    temporary.replace(path)


def _read_pairs(path: Path) -> dict[str, str]:
    try:
        text = path.read_text()
    except FileNotFoundError as error:
        raise RecordError(f"missing ingestion record: {path}") from error
    pairs = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, separator, value = line.partition(":")
        if not separator:
            raise RecordError(f"{path} line {number}: expected 'key: value', got {line!r}")
        pairs[key.strip()] = value.strip()
    return pairs


def read_start_record(output_dir: str | Path) -> StartRecord:
    """Parse ``output_dir/start.txt``."""
    path = Path(output_dir) / START_RECORD
    pairs = _read_pairs(path)
    try:
        times = {int(key): float(value) for key, value in pairs.items() if key.isdigit()}
        return StartRecord(pairs["task_name"], float(pairs["time_budget"]), float(pairs["start_time"]), times)
    except KeyError as error:
        raise RecordError(f"{path} lacks the key {error}") from error
    except ValueError as error:
        raise RecordError(f"{path} holds a non-numeric value: {error}") from error


def read_end_record(output_dir: str | Path) -> EndRecord | None:
    """Parse ``output_dir/end.txt``; None when ingestion has not finished (or crashed before writing it)."""
    path = Path(output_dir) / END_RECORD
    if not path.exists():
        return None
    pairs = _read_pairs(path)
    try:
        return EndRecord(float(pairs["ingestion_duration"]), pairs["ingestion_success"] == "1", pairs.get("error"))
    except KeyError as error:
        raise RecordError(f"{path} lacks the key {error}") from error
    except ValueError as error:
        raise RecordError(f"{path} holds a non-numeric value: {error}") from error
