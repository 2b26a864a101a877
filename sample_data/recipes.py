"""What goes into each sample dataset: source packages, classes and groups (see README.md for the reasoning)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sample_data.clips import Clip, audio_files, file_clip, piece_names, segment_clips, strip_digits
from sample_data.debs import Package, fetch_package
from sample_data.synth import ACCENT_VOICES, espeak_clips

HEDGEWARS_VOICES = "usr/share/games/hedgewars/Data/Sounds/voices"
# "Default" is a compilation: it shares recordings with Classic, Default_uk and HillBilly, so it is left out.
# Default_pl and Russian_pl share recordings, so they are taken as one speaker.
HEDGEWARS_SPEAKERS = {"British": "British", "Classic": "Classic", "Default_es": "Default_es",
                      "Default_pl": "Polish", "Default_ru": "Default_ru", "Default_uk": "Default_uk",
                      "HillBilly": "HillBilly", "Mobster": "Mobster", "Pirate": "Pirate", "Robot": "Robot",
                      "Russian": "Russian", "Russian_pl": "Polish", "Singer": "Singer", "Surfer": "Surfer"}
# Hedgewars voice lines grouped by the emotion they act (data02); every other line is used for data01.
EMOTION_LINES = {
    "anger": ("Coward", "Gonnagetyou", "Illgetyou", "Justyouwait", "Nutter", "Revenge", "Stupid", "Traitor",
              "Youllregretthat"),
    "fear": ("Incoming", "Ohdear", "Oops", "Runaway", "Takecover", "Uh-oh", "Whatthe"),
    "joy": ("Amazing", "Brilliant", "Excellent", "Flawless", "Laugh", "Victory"),
    "pain": ("Nooo", "Ooff", "Ouch", "Ow", "PoisonCough", "PoisonMoan"),
}
LINE_EMOTION = {line: emotion for emotion, lines in EMOTION_LINES.items() for line in lines}
FILLETS_PACKAGES = {"fillets-ng-data-cs": "cs", "fillets-ng-data-nl": "nl"}
FILLETS_FISH = {"m": "small_fish", "v": "big_fish"}
ASTERISK_PACKAGES = ("asterisk-core-sounds-en-wav", "asterisk-core-sounds-es-wav", "asterisk-core-sounds-fr-wav",
                     "asterisk-core-sounds-it-wav", "asterisk-core-sounds-ru-wav", "asterisk-prompt-it-menardi-wav")
LANGUAGES = ("ca", "da", "de", "en", "es", "fr", "it", "lt", "ru", "uk")
MUSIC_SOURCES = (("orchestral", "wesnoth-1.16-music", "usr/share/games/wesnoth/1.16/data/core/music/*"),
                 ("platformer", "supertux-data", "usr/share/games/supertux2/music/*/*"),
                 ("electronic", "warzone2100-music", "usr/share/games/warzone2100/music/**/*"),
                 ("rock", "fretsonfire-songs-muldjord", "usr/share/games/fretsonfire/data/songs/*/*/song.ogg"),
                 ("rock", "fretsonfire-songs-sectoid", "usr/share/games/fretsonfire/data/songs/*/*/song.ogg"))
MUSIC_SEGMENT_SECONDS = 5.0
MUSIC_MAX_SEGMENTS = 12


@dataclass(frozen=True)
class Recipe:
    """How to build one dataset: its clips, and caps for the full and the small (committed) versions."""

    name: str
    domain: str
    collect: Callable[[Path], tuple[list[Clip], list[Package]]]
    max_per_class: int
    small_classes: int
    small_per_class: int
    small_per_group: int | None = None
    test_fraction: float = 0.25


def hedgewars_clips(package: Package, keep: Callable[[str, str], str | None], group_by_speaker: bool) -> list[Clip]:
    """Hedgewars voice lines labelled by ``keep(speaker, line)`` (None drops the line); grouped by speaker, or
    by speaker and line (takes such as Ow1..Ow4 together)."""
    clips = []
    for path in package.files(f"{HEDGEWARS_VOICES}/*/*.ogg"):
        speaker = HEDGEWARS_SPEAKERS.get(path.parent.name)
        line = strip_digits(path.stem)
        label = keep(speaker, line) if speaker else None
        if label is not None:
            group = f"hedgewars/{speaker}" if group_by_speaker else f"hedgewars/{speaker}/{line}"
            clips.append(file_clip(label, package, path, group))
    return clips


def fillets_clips(package: Package, language: str) -> list[Clip]:
    """Fish Fillets dialogue of the small and the big fish (one voice actor each per language)."""
    clips = []
    for path in package.files("usr/share/games/fillets-ng/sound/*/*/*.ogg"):
        parts = path.stem.split("-")
        if len(parts) >= 3 and parts[1] in FILLETS_FISH:
            label = f"fillets_{language}/{FILLETS_FISH[parts[1]]}"
            clips.append(file_clip(label, package, path, f"{label}/{strip_digits(path.stem)}"))
    return clips


def asterisk_clips(package: Package) -> list[Clip]:
    """Asterisk telephone prompts; the voice folder (e.g. en_US_f_Allison) names the speaker."""
    sounds = package.root / "usr/share/asterisk/sounds"
    clips = []
    for path in package.files("usr/share/asterisk/sounds/*/**/*.wav"):
        voice_dir, *rest = path.relative_to(sounds).with_suffix("").parts
        if rest[0] == "silence":
            continue
        speaker = f"asterisk/{voice_dir.split('_')[-1]}"
        clips.append(file_clip(speaker, package, path, f"{speaker}/{strip_digits('/'.join(rest))}"))
    return clips


def collect_speakers(cache: Path) -> tuple[list[Clip], list[Package]]:
    """data01: hedgewars voice packs (non-emotion lines), Fish Fillets fish voices, Asterisk prompt voices."""
    hedgewars = fetch_package("hedgewars-data", cache)
    clips = hedgewars_clips(hedgewars, lambda speaker, line: None if line in LINE_EMOTION else f"hedgewars/{speaker}",
                            group_by_speaker=False)
    packages = [hedgewars]
    for name, language in FILLETS_PACKAGES.items():
        package = fetch_package(name, cache)
        clips += fillets_clips(package, language)
        packages.append(package)
    for name in ASTERISK_PACKAGES:
        package = fetch_package(name, cache)
        clips += asterisk_clips(package)
        packages.append(package)
    return clips, packages


def collect_emotions(cache: Path) -> tuple[list[Clip], list[Package]]:
    """data02: hedgewars voice lines grouped into acted emotions; split by speaker (voice pack)."""
    hedgewars = fetch_package("hedgewars-data", cache)
    return hedgewars_clips(hedgewars, lambda speaker, line: LINE_EMOTION.get(line), group_by_speaker=True), [hedgewars]


def collect_accents(cache: Path) -> tuple[list[Clip], list[Package]]:
    """data03: synthetic English accents from espeak-ng (no real multi-speaker accent recordings are packaged)."""
    espeak = fetch_package("espeak-ng-data", cache)
    fillets = fetch_package("fillets-ng-data", cache)
    return espeak_clips(espeak, fillets, ACCENT_VOICES), [espeak, fillets]


def collect_music(cache: Path) -> tuple[list[Clip], list[Package]]:
    """data04: game soundtracks labelled by style: 5 s segments, split by piece (versions of a piece together)."""
    clips: list[Clip] = []
    packages = []
    for label, name, pattern in MUSIC_SOURCES:
        package = fetch_package(name, cache)
        packages.append(package)
        tracks = [(path.parent.name, (path, *sorted(set(path.parent.glob("*.ogg")) - {path})))  # song + guitar
                  if name.startswith("fretsonfire") else (path.stem, (path,))
                  for path in audio_files(package, pattern)]
        pieces = piece_names([title for title, _ in tracks])
        for title, stems in tracks:
            clips += segment_clips(label, package, stems, f"{name}/{pieces[title]}", MUSIC_SEGMENT_SECONDS,
                                   MUSIC_MAX_SEGMENTS)
    return clips, packages


def collect_languages(cache: Path) -> tuple[list[Clip], list[Package]]:
    """data05: KTuberling words and KLettres letters/syllables per language; split by recorded item."""
    clips = []
    packages = []
    patterns = {"ktuberling-data": "usr/share/ktuberling/sounds/{lang}/*",
                "klettres-data": "usr/share/klettres/{lang}/*/*"}
    for name, pattern in patterns.items():
        package = fetch_package(name, cache)
        packages.append(package)
        for language in LANGUAGES:
            for path in audio_files(package, pattern.format(lang=language)):
                item = package.inner_path(path)
                clips.append(file_clip(language, package, path, item))
    return clips, packages


RECIPES = {
    "data01": Recipe("data01", "speaker identification", collect_speakers, max_per_class=300, small_classes=12,
                     small_per_class=14),
    "data02": Recipe("data02", "emotion (acted game voice lines)", collect_emotions, max_per_class=400,
                     small_classes=4, small_per_class=36),
    "data03": Recipe("data03", "accent (synthetic, espeak-ng)", collect_accents, max_per_class=400,
                     small_classes=4, small_per_class=30, small_per_group=5),
    "data04": Recipe("data04", "music genre (game soundtrack style)", collect_music, max_per_class=400,
                     small_classes=4, small_per_class=30, small_per_group=3),
    "data05": Recipe("data05", "spoken language", collect_languages, max_per_class=200, small_classes=5,
                     small_per_class=30),
}
