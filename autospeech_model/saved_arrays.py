"""Checks of a saved model's arrays (members.npz), shared by the model and its quick classifier."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def shaped(arrays: dict[str, np.ndarray], key: str, shape: tuple[int, ...]) -> np.ndarray:
    """``arrays[key]`` if it has ``shape``; else ValueError naming ``key`` (a saved model's damaged array)."""
    if arrays[key].shape != shape:
        raise ValueError(f"{key} has shape {arrays[key].shape}, expected {shape}")
    return arrays[key]


def check_numbers(arrays: Mapping[str, object]) -> None:
    """ValueError naming the first of a members.npz's ``arrays`` that is not an array of finite numbers (a member
    that is not a .npy file reads as bytes)."""
    for key, value in arrays.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "iuf":
            raise ValueError(f"{key} is not a .npy array of numbers")
        if not np.isfinite(value).all():
            raise ValueError(f"{key} holds NaN or infinite values")
