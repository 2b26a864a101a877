"""Submission that fills the disk in round 2's train: 64 MiB files in its working folder (the scratch folder), up
to 4 GiB, each synced so the filesystem counts it, then waits. Round 1 predicts the class frequencies."""

import os
import time

from prior_rounds import PriorModel

CHUNK = os.urandom(64 << 20)  # random: a compressing filesystem cannot shrink it


class Model(PriorModel):
    def misbehave(self):
        for index in range(64):
            with open(f"filler{index}", "wb") as handle:
                handle.write(CHUNK)
                os.fsync(handle.fileno())
        time.sleep(600)
