"""The unit a recipe produces: one labelled clip, where it comes from, its group, and how to decode it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autospeech.audio_files import AUDIO_SUFFIXES, read_audio
from sample_data.audio import duration_seconds, mix
from sample_data.debs import Package


@dataclass(frozen=True)
class Clip:
    """A labelled clip; ``group`` names the clips that must stay on one side of the split."""

    label: str
    package: str
    source: str
    group: str
    load: Callable[[], np.ndarray] = field(compare=False, repr=False)


def audio_files(package: Package, pattern: str) -> list[Path]:
    """Files of ``package`` matching ``pattern`` whose suffix is an audio format libsndfile reads."""
    return [path for path in package.files(pattern) if path.suffix.lower() in AUDIO_SUFFIXES]


def strip_digits(name: str) -> str:
    """``Ow3`` -> ``Ow``: takes of one line share a group."""
    return re.sub(r"\d+$", "", name)


def file_clip(label: str, package: Package, path: Path, group: str) -> Clip:
    """A clip that is one whole audio file of ``package``."""
    return Clip(label, package.name, package.inner_path(path), group, lambda: read_audio(path))


def piece_names(stems: list[str]) -> dict[str, str]:
    """Map track file stems to their piece, so that versions of one piece share a group: a trailing
    enhanced/remix/old/epic/map is dropped, and a trailing number when the name without it is also a piece
    (``forest2`` -> ``forest``, ``airship_2`` -> ``airship``, but ``track3`` stays)."""
    bases = {}
    for stem in stems:
        name, previous = re.sub(r"[^a-z0-9]", "", stem.lower()), None
        while name != previous:
            previous, name = name, re.sub(r"(enhanced|remix|old|epic|map)$", "", name)
        bases[stem] = name
    known = set(bases.values())
    return {stem: re.sub(r"\d+$", "", base) if re.sub(r"\d+$", "", base) in known else base
            for stem, base in bases.items()}


def segment_clips(label: str, package: Package, stems: tuple[Path, ...], group: str, seconds: float,
                  max_segments: int) -> list[Clip]:
    """Consecutive ``seconds``-long segments (at most ``max_segments``) of a track made of one or more stem
    files (mixed); all segments share ``group``."""
    count = min(int(min(duration_seconds(path) for path in stems) // seconds), max_segments)
    source = package.inner_path(stems[0])
    return [Clip(label, package.name, f"{source}#{index * seconds:g}s", group,
                 lambda start=index * seconds: mix([read_audio(path, start, seconds) for path in stems]))
            for index in range(count)]
