"""Submission that leaves in the way ``mode.txt`` beside it names: in round 2's train ("sys_exit": sys.exit(3),
"os_exit": os._exit(3), "segfault": a SIGSEGV, "sigkill": a SIGKILL to itself), or while being built
("hang_in_init": sleeps ten minutes in Model(metadata), before the clock starts). Round 1 predicts the class
frequencies."""

import os
import signal
import sys
import time
from pathlib import Path

from prior_rounds import PriorModel

MODE = (Path(__file__).resolve().parent / "mode.txt").read_text().strip()


class Model(PriorModel):
    def __init__(self, metadata):
        if MODE == "hang_in_init":
            time.sleep(600)
        super().__init__(metadata)

    def misbehave(self):
        if MODE == "sys_exit":
            sys.exit(3)
        if MODE == "os_exit":
            os._exit(3)
        os.kill(os.getpid(), {"segfault": signal.SIGSEGV, "sigkill": signal.SIGKILL}[MODE])
