"""Hostile submission: looks for the test labels (a NAME.solution of the test set's shape) wherever it can reach
and predicts them when found, else the class frequencies (2·AUC − 1 = 0).

Places tried: its argv and environment, the variables of every frame on its call stack, its parent's command line
and working folder (/proc/PPID), and every file within DEPTH levels below those paths and below the ancestors of
its working folder, HOME and code folder, except system folders (to keep the tests quick). The newest matching
file wins (the dataset the harness just made).
"""

import inspect
import os
import sys
from pathlib import Path

import numpy as np
from prior_rounds import PriorModel

DEPTH = 6
SYSTEM = tuple(Path(path) for path in ("/usr", "/proc", "/sys", "/dev", "/etc", sys.prefix, sys.base_prefix))


def clues() -> set[Path]:
    """Absolute paths mentioned anywhere the submission can look, and the ancestors of where it runs."""
    texts = [*sys.argv, *os.environ.values()]
    for info in inspect.stack():
        texts += [str(value) for value in {**info.frame.f_globals, **info.frame.f_locals}.values()
                  if isinstance(value, (str, os.PathLike))]
    try:
        texts += Path(f"/proc/{os.getppid()}/cmdline").read_bytes().decode(errors="ignore").split("\0")
        texts.append(os.readlink(f"/proc/{os.getppid()}/cwd"))
    except OSError:
        pass
    paths = {Path(text) for text in texts if text.startswith("/") and "\n" not in text}
    for start in (Path.cwd(), Path.home(), Path(__file__).resolve().parent):
        paths.update(parent for parent in start.parents if parent != Path("/"))
    return {path for path in paths if not any(path.is_relative_to(system) for system in SYSTEM)}


def files_below(root: Path):
    if root.is_file():
        yield root
        return
    for folder, folders, files in os.walk(root):
        if len(Path(folder).relative_to(root).parts) >= DEPTH:
            folders.clear()
        yield from (Path(folder) / name for name in files)


def stolen_labels(shape: tuple[int, int]) -> np.ndarray | None:
    found = {path for root in clues() for path in files_below(root)
             if path.suffix == ".solution" and path.name != "train.solution"}
    for path in sorted(found, key=lambda path: path.stat().st_mtime, reverse=True):
        try:
            labels = np.loadtxt(path, ndmin=2)
        except (OSError, ValueError):
            continue
        if labels.shape == shape:
            return labels
    return None


class Model(PriorModel):
    ROUNDS = 1

    def test(self, x_list, remaining_time_budget=None):
        guess = super().test(x_list, remaining_time_budget)
        labels = stolen_labels(guess.shape)
        return guess if labels is None else labels
