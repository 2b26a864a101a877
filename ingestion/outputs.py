"""A run's output folder: locked for the run, emptied of earlier outputs, and holding exactly what the run wrote.

:func:`claim_output` takes an exclusive lock on the folder (``flock`` on the folder itself, released when the
process ends, even by a crash); a second run into the same folder is refused with :class:`OutputBusyError`.
When the run starts its clock (:meth:`OutputFolder.clear`), every earlier output is removed: predictions
``*.predict_K``, start/end records, and the scorer's scores.txt, learning curve and detailed results, so a new
run never sits beside an old score; a run refused before that (a bad option, no ``model.py``, a submission
that fails to import) leaves the earlier run's outputs as they were. An entry bearing
one of these names (or a temporary name of one, ``NAME.tmp`` / ``NAME.XXXXXXXX.tmp``) is removed whatever it
is: a file, a folder, a link (never its target).

:meth:`OutputFolder.seal`, called once the submission's process is gone, puts back every prediction the run
wrote if anything changed it, and removes outputs the run did not write (a submission without the sandbox can
reach the folder). Every output is written through :func:`ingestion.safe_files.write_atomically`, never
through a link.
"""

from __future__ import annotations

import fcntl
import io
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ingestion.records import END_RECORD, START_RECORD
from ingestion.safe_files import TEMPORARY_NAME, is_regular_file, remove_entry, write_atomically

# scoring.score's SCORES_FILE, CURVE_FILE and DETAILS_FILE (the harness's lower layer cannot import scoring).
SCORE_FILES = ("scores.txt", "learning_curve.png", "detailed_results.html")
RECORD_FILES = (START_RECORD, END_RECORD)
PREDICTION_NAME = re.compile(r".+\.predict_\d+")

logger = logging.getLogger(__name__)


class OutputBusyError(ValueError):
    """Another run holds the output folder."""


def prediction_path(output_dir: Path, name: str, index: int) -> Path:
    """Path of the K-th prediction file ``NAME.predict_K``."""
    return Path(output_dir) / f"{name}.predict_{index}"


def is_output_name(name: str) -> bool:
    """Whether a run or its scoring writes a file ``name``, or uses ``name`` as the temporary name of one."""
    temporary = TEMPORARY_NAME.fullmatch(name)
    base = temporary[1] if temporary else name
    return base in SCORE_FILES or base in RECORD_FILES or PREDICTION_NAME.fullmatch(base) is not None


def run_outputs(output_dir: Path) -> list[Path]:
    """The entries of ``output_dir`` (files, folders, links alike) named like an output of a run or its scoring."""
    return sorted(path for path in output_dir.iterdir() if is_output_name(path.name))


class OutputFolder:
    """A claimed output folder (see :func:`claim_output`); remembers the bytes of every prediction it wrote."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.predictions: dict[Path, bytes] = {}

    def remove_outputs(self, keep: tuple[Path, ...] = ()) -> list[Path]:
        """Remove every output entry but the regular files in ``keep``; returns the paths removed."""
        removed = [path for path in run_outputs(self.path) if path not in keep or not is_regular_file(path)]
        for path in removed:
            remove_entry(path)
        return removed

    def clear(self) -> None:
        """Remove every output of an earlier run (when this run starts)."""
        removed = self.remove_outputs()
        if removed:
            logger.info("removed %d file(s) of an earlier run from %s", len(removed), self.path)

    def write_prediction(self, name: str, index: int, prediction: np.ndarray) -> Path:
        """Write ``NAME.predict_K`` as text rows (the kit's format)."""
        buffer = io.BytesIO()
        np.savetxt(buffer, prediction)
        path = prediction_path(self.path, name, index)
        self.predictions[path] = buffer.getvalue()
        remove_entry(path)  # a folder planted there (a submission without the sandbox) would block the rename
        write_atomically(path, self.predictions[path])
        return path

    def seal(self) -> None:
        """Restore changed or missing predictions of this run and remove every other output entry (start.txt
        stays, the caller rewrites it), so that nothing planted can stand in the way of the records."""
        strangers = self.remove_outputs(keep=(*self.predictions, self.path / START_RECORD))
        changed = [path for path, data in self.predictions.items() if not path.is_file() or path.read_bytes() != data]
        for path in changed:
            write_atomically(path, self.predictions[path])
        if strangers or changed:
            logger.warning("restored %d prediction file(s) changed during the run and removed %d file(s) it did not "
                           "write in %s", len(changed), len(strangers), self.path)


@contextmanager
def claim_output(output_dir: str | Path) -> Iterator[OutputFolder]:
    """Create and lock ``output_dir``; the lock lasts for the block. Earlier outputs stay until the run clears
    them (:meth:`OutputFolder.clear`)."""
    path = Path(output_dir)
    path.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputBusyError(f"output folder {path} is in use by another run; wait for it to end or choose "
                                  f"another output folder") from None
        yield OutputFolder(path)
    finally:
        os.close(descriptor)
