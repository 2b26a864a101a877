"""Submission that takes memory in round 2's train, 32 MiB at a time up to 4 GiB, then waits: itself when
``mode.txt`` beside it says "self", a program it starts in a session of its own when it says "child" (the
harness must count the model's whole process tree). Round 1 predicts the class frequencies."""

import subprocess
import sys
import time
from pathlib import Path

from prior_rounds import PriorModel

MODE = (Path(__file__).resolve().parent / "mode.txt").read_text().strip()
HOG = """
import time
import numpy as np
held = []
for _ in range(128):  # 128 x 32 MiB = 4 GiB, written so that it is resident
    held.append(np.ones(32 << 20, np.uint8))
    time.sleep(0.02)
time.sleep(600)
"""


class Model(PriorModel):
    def misbehave(self):
        if MODE == "child":
            subprocess.Popen([sys.executable, "-c", HOG, "memory-hog-child"], start_new_session=True)
            time.sleep(600)
        exec(HOG)
