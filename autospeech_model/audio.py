"""Waveform preparation: sanitise samples and bring every clip to a fixed length (DESIGN: tile, then cut)."""

from __future__ import annotations

import numpy as np


def sanitize(waveform: np.ndarray) -> np.ndarray:
    """The clip as a flat float32 array with NaN and ±inf samples replaced by 0."""
    array = np.asarray(waveform, dtype=np.float32).reshape(-1)
    return np.nan_to_num(array, nan=0.0, posinf=0.0, neginf=0.0)


def fit_length(waveform: np.ndarray, length: int) -> np.ndarray:
    """Tile a clip shorter than ``length`` samples, then keep its first ``length`` samples.

    An empty clip becomes ``length`` zeros (silence).
    """
    clip = sanitize(waveform)
    if clip.size == 0:
        return np.zeros(length, dtype=np.float32)
    if clip.size < length:
        clip = np.tile(clip, -(-length // clip.size))
    return clip[:length]
