"""Decode audio files to 16 kHz mono float32, cut segments and hash content."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import soundfile
import soxr

from ingestion.dataset import SAMPLE_RATE


class AudioError(ValueError):
    """An audio file could not be decoded; the message names it."""


def resample_mono(waveform: np.ndarray, sample_rate: int) -> np.ndarray:
    """Average channels of a (frames, channels) array and resample it to 16 kHz float32."""
    mono = waveform.mean(axis=1) if waveform.ndim == 2 else waveform
    if sample_rate != SAMPLE_RATE:
        mono = soxr.resample(mono, sample_rate, SAMPLE_RATE, quality="HQ")
    return np.ascontiguousarray(mono, dtype=np.float32)


def read_audio(path: Path, start_seconds: float = 0.0, seconds: float | None = None) -> np.ndarray:
    """Read any file libsndfile decodes (WAV, Ogg Vorbis/Opus, FLAC) as 16 kHz mono float32.

    ``start_seconds`` and ``seconds`` select a part of the file (the whole file by default).
    """
    try:
        with soundfile.SoundFile(path) as handle:
            sample_rate = handle.samplerate
            handle.seek(int(round(start_seconds * sample_rate)))
            frames = -1 if seconds is None else int(round(seconds * sample_rate))
            waveform = handle.read(frames, dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError) as error:
        raise AudioError(f"cannot decode {path}: {error}") from error
    return resample_mono(waveform, sample_rate)


def duration_seconds(path: Path) -> float:
    """Duration of an audio file from its header."""
    try:
        return soundfile.info(path).duration
    except (soundfile.LibsndfileError, RuntimeError) as error:
        raise AudioError(f"cannot read the header of {path}: {error}") from error


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
