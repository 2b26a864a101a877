"""Hostile submission: predicts once, then in round 2 starts the programs listed in ``children.json`` beside it
(argv lists), ignores SIGALRM, blocks every signal it can and sleeps forever."""

import json
import signal
import subprocess
import time
from pathlib import Path

from prior_rounds import PriorModel


class Model(PriorModel):
    def misbehave(self):
        for argv in json.loads((Path(__file__).resolve().parent / "children.json").read_text()):
            subprocess.Popen(argv)
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        while True:
            time.sleep(1)
