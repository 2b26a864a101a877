"""Mix stems, cut segments and hash content of decoded clips (decoding itself: :mod:`ingestion.audio_files`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import soundfile

from autospeech.audio_files import AudioFileError
from ingestion.dataset import SAMPLE_RATE


def duration_seconds(path: Path) -> float:
    """Duration of an audio file from its header."""
    try:
        return soundfile.info(path).duration
    except (soundfile.LibsndfileError, RuntimeError) as error:
        raise AudioFileError(f"cannot read the header of {path}: {error}") from error


def mix(waveforms: list[np.ndarray]) -> np.ndarray:
    """Sum stems (cut to the shortest) and scale the sum to peak at most 1."""
    length = min(len(w) for w in waveforms)
    total = np.sum([w[:length] for w in waveforms], axis=0)
    peak = float(np.max(np.abs(total))) if length else 0.0
    return (total / peak if peak > 1.0 else total).astype(np.float32)


def crop(waveform: np.ndarray, seconds: float) -> np.ndarray:
    """The first ``seconds`` of ``waveform``."""
    return waveform[: int(round(seconds * SAMPLE_RATE))]


def content_hash(waveform: np.ndarray) -> str:
    """SHA-1 of the float32 samples: equal hashes mean identical audio."""
    return hashlib.sha1(np.ascontiguousarray(waveform, dtype=np.float32).tobytes()).hexdigest()
