"""Checks of a saved model's arrays (members.npz), shared by the model and its quick classifier."""

from __future__ import annotations

import numpy as np


def shaped(arrays: dict[str, np.ndarray], key: str, shape: tuple[int, ...]) -> np.ndarray:
    """``arrays[key]`` if it has ``shape``; else ValueError naming ``key`` (a saved model's damaged array)."""
    if arrays[key].shape != shape:
        raise ValueError(f"{key} has shape {arrays[key].shape}, expected {shape}")
    return arrays[key]
