"""Synthetic English accents with espeak-ng (an honest proxy: no packaged real accent corpus has many speakers)."""

from __future__ import annotations

import io
import re
import subprocess

import numpy as np
import soundfile

from autospeech.audio_files import AudioFileError, resample_mono
from sample_data.clips import Clip
from sample_data.debs import Package

ACCENT_VOICES = {"american": "en-us", "british": "en-gb", "scottish": "en-gb-scotland", "caribbean": "en-029",
                 "received_pronunciation": "en-gb-x-rp", "lancaster": "en-gb-x-gbclan",
                 "west_midlands": "en-gb-x-gbcwmd"}
# espeak-ng voice variants act as "speakers": the split keeps each variant on one side.
VARIANTS = ("m1", "m2", "m3", "m4", "f1", "f2", "f3", "f4")
SENTENCES_PER_VARIANT = 40
DIALOG = re.compile(r'dialogId\("[^"]*",\s*"[^"]*",\s*"([^"]+)"\)')


def english_sentences(fillets: Package) -> list[str]:
    """Distinct English dialogue lines (4-20 words) from Fish Fillets' subtitles, sorted."""
    lines = set()
    for path in fillets.files("usr/share/games/fillets-ng/script/*/dialogs_en.lua"):
        for text in DIALOG.findall(path.read_text(errors="replace")):
            if 4 <= len(text.split()) <= 20 and text.isascii():
                lines.add(text.strip())
    return sorted(lines)


def synthesize(text: str, voice: str) -> np.ndarray:
    """Speak ``text`` with espeak-ng ``voice`` and return 16 kHz mono float32."""
    try:
        result = subprocess.run(["espeak-ng", "-v", voice, "--stdout", text], check=True, capture_output=True)
    except FileNotFoundError as error:
        raise AudioFileError("espeak-ng not found: install it with `apt-get install espeak-ng`") from error
    except subprocess.CalledProcessError as error:
        raise AudioFileError(f"espeak-ng -v {voice} failed: {error.stderr.decode(errors='replace')}") from error
    waveform, sample_rate = soundfile.read(io.BytesIO(result.stdout), dtype="float32", always_2d=True)
    return resample_mono(waveform, sample_rate)


def espeak_clips(espeak: Package, fillets: Package, accents: dict[str, str]) -> list[Clip]:
    """Every accent speaks the same sentences; variant k reads its own sentences, so a split by variant also
    keeps sentences apart. The clip's source is ``VOICE+VARIANT: dialogs file line``."""
    sentences = english_sentences(fillets)
    clips = []
    for v, variant in enumerate(VARIANTS):
        texts = sentences[v::len(VARIANTS)][:SENTENCES_PER_VARIANT]
        for label, voice in accents.items():
            for text in texts:
                clips.append(Clip(label, espeak.name, f"{voice}+{variant}: {text}", f"espeak/{variant}",
                                  lambda text=text, name=f"{voice}+{variant}": synthesize(text, name)))
    return clips
