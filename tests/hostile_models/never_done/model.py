"""Careless submission: never sets done_training and predicts instantly, round after round."""

from prior_rounds import PriorModel


class Model(PriorModel):
    ROUNDS = float("inf")
