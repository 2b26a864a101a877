"""Hostile submission: imports the harness from the folder named in ``harness_path.txt`` beside it and patches
its clock and records (every charge 0 s, no start.txt line), then predicts once and sleeps ten minutes in round 2.
The harness runs it in another process, so the patches change nothing there.
"""

import sys
import time
from pathlib import Path

from prior_rounds import PriorModel


def patch_the_harness() -> None:
    sys.path.insert(0, (Path(__file__).resolve().parent / "harness_path.txt").read_text().strip())
    try:
        from ingestion import records, timing
    except ImportError:
        return
    timing.Budget.elapsed = property(lambda self: 0.0)
    timing.Budget.remaining = property(lambda self: self.time_budget)
    timing.Budget.check = lambda self: self.time_budget
    records.StartRecord.append = lambda self, output_dir, index, seconds: None


class Model(PriorModel):
    def __init__(self, metadata):
        patch_the_harness()
        super().__init__(metadata)

    def misbehave(self):
        time.sleep(600)
