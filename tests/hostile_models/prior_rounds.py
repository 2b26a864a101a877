"""The base of most hostile submissions (copied beside each one's model.py by the tests): it predicts the
training class frequencies every round (2·AUC − 1 = 0), calls :meth:`misbehave` in the second round's train, and
sets done_training after ROUNDS rounds."""

import numpy as np


class PriorModel:
    ROUNDS = 2

    def __init__(self, metadata):
        self.metadata = metadata
        self.round = 0
        self.done_training = False
        self.priors = None

    def train(self, dataset, remaining_time_budget=None):
        self.round += 1
        self.priors = np.asarray(dataset[1], dtype=float).mean(axis=0)
        if self.round == 2:
            self.misbehave()

    def test(self, x_list, remaining_time_budget=None):
        self.done_training = self.round >= self.ROUNDS
        return np.tile(self.priors, (len(x_list), 1))

    def misbehave(self):
        """What the submission does wrong in round 2."""
