"""The submission's scratch folder (its working directory and HOME), removed when the run ends, and by the next
run when the harness that made it was killed before it could remove it.

Each folder ``submission-XXXX`` in the temporary directory has a lock file ``submission-XXXX.lock`` beside it
(outside the folder, where a sandboxed model cannot reach it), locked with ``flock`` by the harness that made it.
The kernel releases the lock when that process ends, however it ends (SIGKILL, the OOM killer), so a lock that
can be taken marks a folder nobody uses; a lock file appears under its name only once it is locked. Without
this, a harness killed with SIGKILL left its folder and everything the model wrote there.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = "submission-"
LOCK_SUFFIX = ".lock"

logger = logging.getLogger(__name__)


@contextmanager
def scratch_folder(root: Path | None = None) -> Iterator[Path]:
    """A new empty folder under ``root`` (default: the temporary directory), locked for this process while the
    context lasts, then removed with its lock; stale folders of ended harnesses are removed first."""
    root = Path(root or tempfile.gettempdir())
    remove_stale(root)
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))
    lock = folder.with_name(folder.name + LOCK_SUFFIX)
    lock_fd, unnamed = tempfile.mkstemp(prefix=f".{PREFIX}", suffix=LOCK_SUFFIX, dir=root)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        os.rename(unnamed, lock)  # only now can a sweep see it, already locked
        yield folder
    finally:  # removed while still locked
        shutil.rmtree(folder, ignore_errors=True)
        for path in (lock, Path(unnamed)):
            path.unlink(missing_ok=True)
        os.close(lock_fd)


def remove_stale(root: Path) -> int:
    """Remove each scratch folder under ``root`` (this user's) whose lock no process holds, with its lock file;
    return how many."""
    removed = 0
    for lock in sorted(root.glob(f"{PREFIX}*{LOCK_SUFFIX}")):
        try:
            fd = os.open(lock, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:  # gone meanwhile (another sweep), or not ours to open
            continue
        try:
            if os.fstat(fd).st_uid != os.getuid() or not taken(fd):
                continue
            shutil.rmtree(lock.with_name(lock.name.removesuffix(LOCK_SUFFIX)), ignore_errors=True)
            lock.unlink(missing_ok=True)
            removed += 1
        finally:
            os.close(fd)
    if removed:
        logger.info("removed %d scratch folder(s) of ended harness runs from %s", removed, root)
    return removed


def taken(fd: int) -> bool:
    """Whether the lock on ``fd`` could be taken (no process holds it)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
