"""Helpers for tests that stop a harness mid-run: a submission that sleeps in its second train call, and the
processes a harness started, read from /proc."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ingestion.process_group import DEAD_STATES, kill_group, live_members

DUMMY_MODELS = Path(__file__).resolve().parent / "dummy_models"


def scripted_model(tmp_path: Path, rounds: list[str], replay: list[np.ndarray] | None = None) -> Path:
    """A copy of the scripted dummy submission following ``rounds`` (see its docstring)."""
    code_dir = tmp_path / "code"
    shutil.copytree(DUMMY_MODELS / "scripted", code_dir)
    (code_dir / "script.json").write_text(json.dumps(rounds))
    if replay is not None:
        np.save(code_dir / "replay.npy", np.stack(replay))
    return code_dir


@contextmanager
def leading_a_group(source: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """``python -c SOURCE`` as the leader of a process group of its own, and the first line it prints; then
    its group and descendants are killed and it is reaped."""
    leader = subprocess.Popen([sys.executable, "-c", source], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        yield leader, leader.stdout.readline()
    finally:
        kill_group(leader.pid)
        leader.wait()
        leader.stdout.close()


def child_processes(pid: int) -> list[int]:
    """Process ids whose parent is ``pid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split() if entry.name.isdigit() else []
        except OSError:
            continue
        if fields and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def wait_for_first_prediction(process: subprocess.Popen, output_dir: Path, timeout: float = 120) -> None:
    """Return once ``output_dir`` holds a ``*.predict_0`` written by the run ``process`` drives."""
    deadline = time.monotonic() + timeout
    while not list(output_dir.glob("*.predict_0")):
        assert process.poll() is None and time.monotonic() < deadline, "no first prediction"
        time.sleep(0.1)


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()[0] not in DEAD_STATES
    except OSError:
        return False


def wait_until_gone(pid: int, what: str, timeout: float = 10) -> None:
    """Return once process ``pid``, and the group it leads if any, are no longer alive; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while alive(pid) or live_members(pid):
        assert time.monotonic() < deadline, f"{what} is still alive"
        time.sleep(0.05)
