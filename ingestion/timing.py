"""Budget accounting and a wall-clock limit for model calls, as in the official ingestion program.

The limit uses ``signal.setitimer`` and raises :class:`TimeoutException` in the main thread. Python runs the
handler between bytecodes, so a model is stopped as soon as control returns to Python (at the latest after
the running C call, e.g. one TensorFlow op or one Keras batch, returns); ``time.sleep`` is interrupted at once.
The alarm repeats every ``REPEAT_SECONDS`` until the call ends: an exception raised where Python cannot
propagate it (a weakref callback or ``__del__`` during garbage collection), or one the model catches, does
not let the call run on.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

REPEAT_SECONDS = 0.5  # ours: interval of the repeated alarm once the limit has passed


class TimeoutException(Exception):
    """A model call ran past the remaining time budget."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeoutException` inside the block once ``seconds`` of wall time have passed.

    Outside the main thread no signal can be delivered; the block then runs unlimited and the caller's
    :class:`Budget` still charges (and detects) any overrun once it returns.
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


class Budget:
    """Wall time charged to model calls against a total ``time_budget`` in seconds."""

    def __init__(self, time_budget: float) -> None:
        self.time_budget = float(time_budget)
        self.charged = 0.0

    @property
    def remaining(self) -> float:
        return self.time_budget - self.charged

    @contextmanager
    def charge(self) -> Iterator[None]:
        """Run the block under a limit of the remaining budget and charge its wall time, even on error.

        Any exception that ends the block once the budget is spent counts as a timeout: the alarm can fire
        inside library code (e.g. Keras' fit loop) that catches it and fails with an unrelated error.
        """
        start = time.perf_counter()
        try:
            with time_limit(self.remaining):
                yield
        except Exception as error:
            self.charged += time.perf_counter() - start
            if self.remaining <= 0 and not isinstance(error, TimeoutException):
                raise TimeoutException(f"time budget of {self.time_budget:.1f} s exceeded "
                                       f"(the call then failed with {type(error).__name__}: {error})") from error
            raise
        self.charged += time.perf_counter() - start
        if self.remaining < 0:
            raise TimeoutException(f"time budget of {self.time_budget:.1f} s exceeded")
