"""Stand-in for the official ingestion program's way of loading a submission (run by tests/test_package.py).

Started as ``python -S tests/kit_standin/driver.py SITE_PACKAGES CODE_DIR DATASET_DIR ROUNDS``: like the
official ``ingestion/ingestion.py`` run as a script, this folder (holding modules named ``ingestion``,
``dataset``, ``data_io`` and ``scoring``, as the kit's folder does) is ``sys.path[0]``; the stack's
site-packages folder (its .pth files not processed, so no editable install of the project leaks in) and then
the code folder are *appended*; the dataset is read as the kit reads it (pickle, np.loadtxt). Prints one JSON
line: where ``model`` and its package were imported from, and the shape of each prediction.
"""

import json
import os
import pickle
import sys
import time

site_packages, code_dir, dataset_dir, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.append(site_packages)
sys.path.append(code_dir)

import numpy as np  # noqa: E402

from model import Model  # noqa: E402  (the kit imports it exactly so)

name = os.path.basename(os.path.normpath(dataset_dir))
data_dir = os.path.join(dataset_dir, f"{name}.data")
with open(os.path.join(data_dir, "meta.json")) as handle:
    metadata = json.load(handle)
with open(os.path.join(data_dir, "train.pkl"), "rb") as handle:
    train_x = pickle.load(handle)
with open(os.path.join(data_dir, "test.pkl"), "rb") as handle:
    test_x = pickle.load(handle)
train_y = np.loadtxt(os.path.join(data_dir, "train.solution"))

model = Model(metadata)
shapes = []
started = time.monotonic()  # like the kit, charge the train and test calls, not the construction
while not model.done_training and len(shapes) < rounds:
    model.train((train_x, train_y), remaining_time_budget=metadata["time_budget"] - (time.monotonic() - started))
    remaining = metadata["time_budget"] - (time.monotonic() - started)
    shapes.append(list(np.asarray(model.test(test_x, remaining_time_budget=remaining)).shape))
package = sys.modules[Model.__module__.split(".")[0]]
print(json.dumps({"model": sys.modules["model"].__file__, "package": package.__file__, "shapes": shapes}))
