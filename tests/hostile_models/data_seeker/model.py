"""Hostile submission: while ``Model(metadata)`` is built (not charged to the budget) it looks through every frame
of the stack for the clips, to train on them for free; it refuses to be built if it finds a numeric array or a list
of arrays there. Otherwise it predicts the training class frequencies."""

import sys

import numpy as np
from prior_rounds import PriorModel


def holds_clips(value) -> bool:
    if isinstance(value, (list, tuple)):
        return any(holds_clips(item) for item in value[:3])
    return isinstance(value, np.ndarray) and value.size > 0


class Model(PriorModel):
    ROUNDS = 1

    def __init__(self, metadata):
        super().__init__(metadata)
        frame = sys._getframe(1)
        while frame is not None:
            found = [name for name, value in frame.f_locals.items() if holds_clips(value)]
            if found:
                raise RuntimeError(f"found the data before the clock started: {frame.f_code.co_name}() holds "
                                   f"{', '.join(found)}")
            frame = frame.f_back
