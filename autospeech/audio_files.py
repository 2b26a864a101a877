"""Read audio files of any rate and channel count as 16 kHz mono waveforms, and find them in folders."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile
import soxr

from ingestion.dataset import SAMPLE_RATE, DatasetError

# Suffixes of the formats libsndfile (soundfile) decodes; the converter and `autospeech predict` look for these.
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".opus", ".mp3", ".aiff", ".aif")


class AudioFileError(DatasetError):
    """An audio file cannot be read or holds unusable samples; the message names the file."""


def resample_mono(waveform: np.ndarray, file_rate: int, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Average the channels of a (frames, channels) or 1-D array and resample it to ``sample_rate`` (soxr HQ)."""
    mono = waveform.mean(axis=1) if waveform.ndim == 2 else waveform
    if file_rate != sample_rate and len(mono) > 0:
        mono = soxr.resample(mono, file_rate, sample_rate, quality="HQ")
    return np.ascontiguousarray(mono, dtype=np.float32)


def read_audio(path: str | Path, start_seconds: float = 0.0, seconds: float | None = None,
               sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Read ``path`` (any format libsndfile decodes) as a 1-D float32 waveform, channels averaged and
    resampled to ``sample_rate``; ``start_seconds`` and ``seconds`` select a part (default: the whole file)."""
    if not Path(path).is_file():
        problem = "is not a regular file" if os.path.lexists(path) else "not found"
        raise AudioFileError(f"audio file {problem}: {path}")
    try:
        with soundfile.SoundFile(os.fsencode(path)) as handle:  # bytes: names need not be valid UTF-8
            file_rate = handle.samplerate
            handle.seek(int(round(start_seconds * file_rate)))
            frames = -1 if seconds is None else int(round(seconds * file_rate))
            waveform = handle.read(frames, dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        raise AudioFileError(f"cannot read audio file {path}: {error}") from error
    if not np.all(np.isfinite(waveform)):
        raise AudioFileError(f"audio file {path} holds NaN or infinite samples")
    return resample_mono(waveform, file_rate, sample_rate)


def read_clip(path: Path) -> np.ndarray:
    """:func:`read_audio` of a clip to classify: a file with no samples (at 16 kHz) is an error."""
    waveform = read_audio(path)
    if len(waveform) == 0:
        raise AudioFileError(f"audio file {path} is empty (no samples at {SAMPLE_RATE} Hz)")
    return waveform


def is_audio_file(path: Path) -> bool:
    """True for a visible file whose suffix names an audio format we read."""
    return path.is_file() and path.suffix.lower() in AUDIO_SUFFIXES and not path.name.startswith(".")


def find_audio_files(paths: list[str | Path]) -> list[Path]:
    """Expand files and folders (searched recursively, sorted) into a list of audio files.

    A file given explicitly is kept whatever its suffix (so a bad one fails loudly when read);
    a path that does not exist is an error.
    """
    files: list[Path] = []
    for entry in map(Path, paths):
        if entry.is_dir():
            files.extend(sorted(path for path in entry.rglob("*") if is_audio_file(path)))
        elif entry.exists():
            files.append(entry)
        else:
            raise AudioFileError(f"no such file or folder: {entry}")
    return files
