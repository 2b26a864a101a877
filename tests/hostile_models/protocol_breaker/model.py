"""Hostile submission: predicts once, then in round 2 writes junk into every file descriptor it holds above
stderr (the harness's reply channel among them) and returns."""

import os

from prior_rounds import PriorModel


class Model(PriorModel):
    def misbehave(self):
        for name in os.listdir("/proc/self/fd"):
            try:
                if int(name) > 2:
                    os.write(int(name), b"\xff" * 16)
            except OSError:
                pass
