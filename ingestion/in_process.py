"""A trusted model object run in the harness's own process (``autospeech fit`` keeps the trained model to save it).

It offers what :class:`ingestion.submission.ChildSubmission` offers the timed loop, without any isolation: each
call runs under :func:`ingestion.timing.time_limit`, so a model that catches the alarm or blocks it can overrun.
Submissions from elsewhere run in a child process instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingestion.child_bootstrap import describe_error
from ingestion.dataset import Dataset
from ingestion.submission import IngestionError
from ingestion.timing import TimeoutException, time_limit


class InProcessSubmission:
    """``model`` (already built) on ``dataset``; ``code_dir`` names it in errors."""

    def __init__(self, model: Any, dataset: Dataset, code_dir: Path) -> None:
        self.model = model
        self.dataset = dataset
        self.code_dir = code_dir

    @property
    def done_training(self) -> bool:
        return bool(self.model.done_training)

    def train(self, remaining: float) -> None:
        dataset = (self.dataset.train_x, self.dataset.train_y)
        self.call(lambda: self.model.train(dataset, remaining_time_budget=remaining), remaining)

    def test(self, remaining: float) -> tuple[Any, bool]:
        prediction = self.call(lambda: self.model.test(self.dataset.test_x, remaining_time_budget=remaining),
                               remaining)
        return prediction, self.done_training

    def stop(self) -> None:
        """Nothing to stop: the model only runs inside :meth:`train` and :meth:`test`."""

    def call(self, function: Callable[[], Any], remaining: float) -> Any:
        """``function()`` under a limit of ``remaining`` seconds. Any exception that ends it once the time is up
        counts as a timeout: the alarm can fire inside library code (e.g. Keras' fit loop) that catches it and
        fails with an unrelated error; other exceptions become IngestionError naming the model's line."""
        start = time.monotonic()
        try:
            with time_limit(remaining):
                return function()
        except TimeoutException:
            raise
        except Exception as error:
            if time.monotonic() - start >= remaining:
                raise TimeoutException(f"the call then failed with {type(error).__name__}: {error}") from error
            raise IngestionError(f"model in {self.code_dir} {describe_error(error, str(self.code_dir))}") from error
