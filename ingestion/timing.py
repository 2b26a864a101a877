"""The time budget of a run, and the limits around it.

The charged time is the wall time since the clock started, at the first ``train`` command: everything after it
counts, the model's calls, ``done_training``, converting and sending its predictions, and the harness writing
them. Importing ``model.py`` and building ``Model(metadata)`` come before and are not charged (as in the official
kit); they run under their own limit, SETUP_LIMIT_SECONDS by default.

A child process (:mod:`ingestion.submission`) is killed GRACE_SECONDS after the budget runs out, whatever it does
with signals. A trusted model run in this process (:mod:`ingestion.in_process`) is interrupted by
:func:`time_limit`: ``signal.setitimer`` raises :class:`TimeoutException` in the main thread as soon as control
returns to Python (at the latest after the running C call, e.g. one TensorFlow op, returns), and repeats every
REPEAT_SECONDS until the call ends, so an exception lost in a weakref callback or ``__del__``, or one the model
catches, does not let the call run on.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

GRACE_SECONDS = 2.0  # ours: how long past the budget a child process may take before it is killed
SETUP_LIMIT_SECONDS = 1200.0  # kit: 20 minutes to import model.py and build Model(metadata), not charged
REPEAT_SECONDS = 0.5  # ours: interval of the repeated alarm once the limit has passed


class TimeoutException(Exception):
    """A model ran past the remaining time budget."""


class Budget:
    """Wall time since :meth:`start` (the clock ``clock``, in seconds) against a total ``time_budget``."""

    def __init__(self, time_budget: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.time_budget = float(time_budget)
        self.clock = clock
        self.started: float | None = None

    def start(self) -> None:
        self.started = self.clock()

    @property
    def elapsed(self) -> float:
        """Seconds charged so far (0 before the start)."""
        return 0.0 if self.started is None else self.clock() - self.started

    @property
    def remaining(self) -> float:
        return self.time_budget - self.elapsed

    def check(self) -> float:
        """The remaining seconds; :class:`TimeoutException` when none are left."""
        remaining = self.remaining
        if remaining <= 0:
            raise TimeoutException(f"charged {self.time_budget - remaining:.1f} s")
        return remaining


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeoutException` inside the block once ``seconds`` of wall time have passed.

    Outside the main thread no signal can be delivered; the block then runs unlimited and the caller's
    :class:`Budget` still detects the overrun once it returns.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if seconds <= 0:
        raise TimeoutException("no time budget left")

    def on_alarm(signum: int, frame: object) -> None:
        raise TimeoutException(f"time limit of {seconds:.1f} s exceeded")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
