"""Test submission whose rounds follow ``script.json`` beside it (written by each test into a copy).

``script.json`` is a list with one entry per train/test round; after the last round ``done_training`` is set:
  "prior"        predict the training class frequencies
  "replay"       predict the next array of ``replay.npy`` (shape rounds x test_num x class_num)
  "wrong_shape"  predict the class frequencies with one column too many
  "raise"        train raises ValueError
  "sleep"        train sleeps an hour (the harness must stop it)
  "tf_fit"       train runs Keras fit epochs for up to 60 s (the harness must stop it sooner); Keras is
                 imported when the model is built, which is not charged, so the budget is spent fitting
"""

import json
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


class Model:
    def __init__(self, metadata):
        self.metadata = metadata
        self.script = json.loads((HERE / "script.json").read_text())
        self.round = 0
        self.replayed = 0
        self.priors = None
        self.done_training = False
        if "tf_fit" in self.script:
            import keras  # noqa: F401

    def train(self, dataset, remaining_time_budget=None):
        self.priors = np.asarray(dataset[1], dtype=float).mean(axis=0)
        action = self.script[self.round]
        if action == "raise":
            raise ValueError("scripted failure in train")
        if action == "sleep":
            time.sleep(3600)
        if action == "tf_fit":
            fit_for_a_minute(len(self.priors))

    def test(self, x_list, remaining_time_budget=None):
        action = self.script[self.round]
        self.round += 1
        self.done_training = self.round == len(self.script)
        if action == "replay":
            self.replayed += 1
            return np.load(HERE / "replay.npy")[self.replayed - 1]
        prediction = np.tile(self.priors, (len(x_list), 1))
        if action == "wrong_shape":
            return np.hstack([prediction, prediction[:, :1]])
        return prediction


def fit_for_a_minute(class_num):
    import keras

    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(class_num, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    x = np.random.default_rng(0).normal(size=(256, 16)).astype("float32")
    y = np.eye(class_num)[np.arange(256) % class_num]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        model.fit(x, y, epochs=1, batch_size=8, verbose=0)
