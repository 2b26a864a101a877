"""Hostile (or careless) submission: predicts once, then in round 2 retries forever, swallowing every exception
the harness could raise in it (BaseException: the alarm, KeyboardInterrupt, SystemExit)."""

import time

from prior_rounds import PriorModel


class Model(PriorModel):
    def misbehave(self):
        while True:
            try:
                time.sleep(1)
            except BaseException:
                pass
