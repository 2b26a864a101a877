"""Readings of the child's resources while the harness waits for a reply (the memory limit, the disk reserve):
each is taken at most every WATCH_SECONDS, and less often when a reading is slow, so that readings take at most
WATCH_SHARE of the time; a reading past its limit raises :class:`LimitExceeded` and the child is killed."""

from __future__ import annotations

import time
from collections.abc import Callable

GIB = 1 << 30
WATCH_SECONDS = 0.25  # ours: how often the harness reads the child's resources while it waits, at most
WATCH_SHARE = 0.02  # ours: the share of the time readings may take (a scan of /proc: 2 ms for 66 processes)


class LimitExceeded(Exception):
    """The child went past one of its limits; the message says which and ends "and was killed"."""


def distinct_gib(reading: int, limit: int) -> tuple[str, str]:
    """``reading`` and ``limit`` bytes in GiB with two decimals, or as many more as tell them apart (up to nine),
    so that a reading just past its limit does not read as "0.50 GiB, more than the limit of 0.50 GiB"."""
    for decimals in range(2, 10):
        shown = f"{reading / GIB:.{decimals}f}", f"{limit / GIB:.{decimals}f}"
        if shown[0] != shown[1]:
            break
    return shown


class Watch:
    """:meth:`read` (a subclass's: raises LimitExceeded past its limit) whenever :meth:`check` finds it due."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.next_reading = -float("inf")

    def check(self) -> None:
        """:meth:`read` if a reading is due (WATCH_SECONDS after the last one began, or longer after a slow one)."""
        started = self.clock()
        if started < self.next_reading:
            return
        try:
            self.read()
        finally:
            self.next_reading = started + max(WATCH_SECONDS, (self.clock() - started) / WATCH_SHARE)

    def read(self) -> None:
        raise NotImplementedError
