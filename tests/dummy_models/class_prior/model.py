"""Test submission: predicts the training class frequencies for every clip, once."""

import numpy as np


class Model:
    def __init__(self, metadata):
        self.metadata = metadata
        self.done_training = False
        self.priors = None

    def train(self, dataset, remaining_time_budget=None):
        self.priors = np.asarray(dataset[1], dtype=float).mean(axis=0)

    def test(self, x_list, remaining_time_budget=None):
        self.done_training = True
        return np.tile(self.priors, (len(x_list), 1))
