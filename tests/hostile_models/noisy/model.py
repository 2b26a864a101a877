"""Submission that prints to stdout at import, in Model(metadata), train and test (also straight to file
descriptor 1, and through a program it starts), then predicts the class frequencies once."""

import os
import subprocess
import sys

from prior_rounds import PriorModel


def shout(where: str) -> None:
    print(f"noisy model: {where}\n" * 100)
    sys.stdout.flush()
    os.write(1, b"\x00\xff not a harness message\n" * 100)
    subprocess.run(["echo", f"noisy model's program: {where}"], check=True)


shout("import")


class Model(PriorModel):
    ROUNDS = 1

    def __init__(self, metadata):
        shout("init")
        super().__init__(metadata)

    def train(self, dataset, remaining_time_budget=None):
        shout("train")
        super().train(dataset, remaining_time_budget)

    def test(self, x_list, remaining_time_budget=None):
        shout("test")
        return super().test(x_list, remaining_time_budget)
