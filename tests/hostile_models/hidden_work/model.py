"""Submission that hides work where an in-process harness would not charge it: its done_training property and
its prediction's __array__ each sleep SECONDS; train and test themselves return at once."""

import time

import numpy as np

SECONDS = 0.5


class LazyPrediction:
    def __init__(self, values):
        self.values = values

    def __array__(self, dtype=None, copy=None):
        time.sleep(SECONDS)
        return np.asarray(self.values, dtype=dtype)


class Model:
    def __init__(self, metadata):
        self.tested = False
        self.priors = None

    @property
    def done_training(self):
        if self.tested:
            time.sleep(SECONDS)
        return self.tested

    def train(self, dataset, remaining_time_budget=None):
        self.priors = np.asarray(dataset[1], dtype=float).mean(axis=0)

    def test(self, x_list, remaining_time_budget=None):
        self.tested = True
        return LazyPrediction(np.tile(self.priors, (len(x_list), 1)))
