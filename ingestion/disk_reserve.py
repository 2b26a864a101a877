"""The free disk space the harness keeps for its records: a model that fills the filesystem of its scratch folder
(or, without the sandbox, that of the output or the dataset) is killed before the harness could no longer write a
prediction or end.txt.

The reserve is the smaller of DISK_RESERVE_BYTES and half the free space when the child starts (a nearly full
disk at the start is not the model's doing); the free space is read with ``statvfs`` (the space an unprivileged
process may still use) while the harness waits for a reply.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ingestion.watch import LimitExceeded, Watch, distinct_gib

DISK_RESERVE_BYTES = 1 << 30  # ours: free space kept for the records (a prediction of 10,000 × 100 takes 25 MB)


class DiskFull(LimitExceeded):
    """A watched filesystem has less free space than the reserve."""

    def __init__(self, folder: Path, free: int, reserve: int) -> None:
        free_gib, reserve_gib = distinct_gib(free, reserve)
        super().__init__(f"filled the disk: {free_gib} GiB left free on the filesystem of {folder}, less than the "
                         f"{reserve_gib} GiB the harness keeps for its records, and was killed")


def free_space(folder: Path) -> int:
    """Bytes an unprivileged process may still write on ``folder``'s filesystem."""
    status = os.statvfs(folder)
    return status.f_bavail * status.f_frsize


def default_reserve(folders: Iterable[Path]) -> int:
    """DISK_RESERVE_BYTES, or half the least free space of ``folders``' filesystems when that is less."""
    return min([DISK_RESERVE_BYTES, *(free_space(folder) // 2 for folder in folders)])


class DiskWatch(Watch):
    """Reads the free space of ``folders``' filesystems when due (:class:`ingestion.watch.Watch`)."""

    def __init__(self, folders: Iterable[Path], reserve: int, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(clock)
        self.folders, self.reserve = tuple(folders), reserve

    def read(self) -> None:
        """DiskFull when a filesystem has less than ``reserve`` bytes free."""
        for folder in self.folders:
            free = free_space(folder)
            if free < self.reserve:
                raise DiskFull(folder, free, self.reserve)
