"""Hostile submission: in round 2 it looks for its own first prediction, ``rewritten.predict_0`` written since it
started (the tests name their dataset ``rewritten``), within a few levels of its working folder's ancestors, and
overwrites it with another prediction: 1 for class 0 on every clip, 0 elsewhere."""

import os
import time
from pathlib import Path

import numpy as np
from prior_rounds import PriorModel

TARGET = "rewritten.predict_0"
DEPTH = 6
STARTED = time.time()


def own_first_predictions():
    for ancestor in Path.cwd().parents:
        if ancestor == Path("/"):
            continue
        for folder, folders, files in os.walk(ancestor):
            if len(Path(folder).relative_to(ancestor).parts) >= DEPTH:
                folders.clear()
            if TARGET in files and os.stat(Path(folder) / TARGET).st_mtime >= STARTED:
                yield Path(folder) / TARGET


class Model(PriorModel):
    def misbehave(self):
        forged = np.zeros((self.metadata["test_num"], self.metadata["class_num"]))
        forged[:, 0] = 1
        for path in own_first_predictions():
            try:
                np.savetxt(path, forged)
            except OSError:
                pass
