"""Build the sample datasets from Debian packages.

    python -m sample_data.build [--out build/datasets] [--only data01,data02]     # full versions (raw npz)
    python -m sample_data.build --small --out sample_data                         # committed small versions

Each dataset also gets OUT/manifests/NAME.csv (one row per clip: dataset, split, class, package, path, group)
and OUT/manifests/NAME.json (package versions, counts, durations). The output depends only on the packages'
versions and the seed.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autospeech.audio_files import AudioFileError
from ingestion.command import seed_argument
from ingestion.dataset import SAMPLE_RATE, one_hot, save_dataset
from sample_data.audio import content_hash, crop
from sample_data.clips import Clip
from sample_data.debs import PackageError
from sample_data.recipes import RECIPES, Recipe
from sample_data.selection import SplitError, cap_per_class, split_by_group

TIME_BUDGET = 1800  # seconds, as in the official datasets' meta.json
SEED = 0
FULL_MAX_SECONDS = 10.0  # the model reads only the first 5 s; keep some more for other uses
SMALL_MAX_SECONDS = 5.0
MIN_SECONDS = 0.1
SILENCE_PEAK = 1e-4
MANIFEST_FIELDS = ("dataset", "split", "class", "package", "path", "group")


@dataclass
class Selected:
    """A decoded clip chosen for the dataset."""

    clip: Clip
    waveform: np.ndarray
    test: bool = False


def choose_classes(labels: list[str], count: int, seed: int) -> set[str]:
    """A seeded choice of ``count`` class names (all when there are no more)."""
    names = sorted(set(labels))
    order = np.random.default_rng(seed).permutation(len(names))
    return {names[i] for i in order[:count]}


def select_clips(recipe: Recipe, clips: list[Clip], small: bool, seed: int) -> list[Clip]:
    """Sort the recipe's clips, keep the small version's classes, then cap each class."""
    clips = sorted(clips, key=lambda c: (c.label, c.package, c.source))
    if small:
        classes = choose_classes([c.label for c in clips], recipe.small_classes, seed)
        clips = [c for c in clips if c.label in classes]
    cap = recipe.small_per_class if small else recipe.max_per_class
    per_group = recipe.small_per_group if small else None
    keep = cap_per_class([c.label for c in clips], [c.group for c in clips], cap, seed, per_group)
    return [clips[i] for i in keep]


def decode_unique(clips: list[Clip], max_seconds: float) -> list[Selected]:
    """Decode and crop each clip; drop empty or silent ones and exact duplicates (first one kept)."""
    seen: set[str] = set()
    selected = []
    for clip in clips:
        waveform = crop(clip.load(), max_seconds)
        if len(waveform) < MIN_SECONDS * SAMPLE_RATE or np.max(np.abs(waveform)) < SILENCE_PEAK:
            continue
        digest = content_hash(waveform)
        if digest not in seen:
            seen.add(digest)
            selected.append(Selected(clip, waveform))
    return selected


def write_manifest(path: Path, name: str, selected: list[Selected]) -> None:
    """One CSV row per clip, in dataset order (train clips, then test clips)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(MANIFEST_FIELDS)
        for item in selected:
            clip = item.clip
            writer.writerow((name, "test" if item.test else "train", clip.label, clip.package, clip.source,
                             clip.group))


def summary(recipe: Recipe, packages: list, classes: list[str], selected: list[Selected]) -> dict:
    """Counts and durations for README.md."""
    seconds = [len(item.waveform) / SAMPLE_RATE for item in selected]
    counts = {label: {split: sum(1 for s in selected if s.clip.label == label and s.test == (split == "test"))
                      for split in ("train", "test")} for label in classes}
    return {"name": recipe.name, "domain": recipe.domain,
            "packages": {package.name: package.version for package in packages}, "classes": counts,
            "train_num": sum(not s.test for s in selected), "test_num": sum(s.test for s in selected),
            "total_seconds": round(sum(seconds), 1), "mean_seconds": round(float(np.mean(seconds)), 2)}


def build_dataset(recipe: Recipe, out: Path, cache: Path, small: bool, seed: int = SEED) -> dict:
    """Build one dataset under ``out``; returns its summary."""
    clips, packages = recipe.collect(cache)
    selected = decode_unique(select_clips(recipe, clips, small, seed), SMALL_MAX_SECONDS if small else FULL_MAX_SECONDS)
    mask = split_by_group([s.clip.label for s in selected], [s.clip.group for s in selected],
                          recipe.test_fraction, seed)
    for item, test in zip(selected, mask):
        item.test = bool(test)
    train = [s for s in selected if not s.test]
    test = [s for s in selected if s.test]
    selected = train + test
    classes = sorted({s.clip.label for s in selected})
    save_dataset(out, recipe.name, [s.waveform for s in train], one_hot([s.clip.label for s in train], classes),
                 [s.waveform for s in test], one_hot([s.clip.label for s in test], classes),
                 time_budget=TIME_BUDGET, formats=("npz",), compress=small, class_names=classes)
    write_manifest(out / "manifests" / f"{recipe.name}.csv", recipe.name, selected)
    info = summary(recipe, packages, classes, selected)
    (out / "manifests" / f"{recipe.name}.json").write_text(json.dumps(info, indent=1) + "\n")
    return info


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("build/datasets"), help="output folder")
    parser.add_argument("--cache", type=Path, default=Path("build/debs"),
                        help="where .deb files are downloaded and unpacked")
    parser.add_argument("--small", action="store_true", help="build the small committed versions (Opus npz)")
    parser.add_argument("--only", default=",".join(RECIPES), help="comma-separated dataset names")
    parser.add_argument("--seed", type=seed_argument, default=SEED)


def main(args: argparse.Namespace) -> int:
    """Build the chosen datasets. Unknown names, a package that cannot be fetched, undecodable audio or an
    impossible split raise ValueError naming it; the command line reports that as one line with exit code 2."""
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in names if name not in RECIPES]
    if unknown:
        raise ValueError(f"unknown dataset(s) in --only: {', '.join(unknown)} (known: {', '.join(RECIPES)})")
    for name in names:
        start = time.monotonic()
        try:
            info = build_dataset(RECIPES[name], args.out, args.cache, args.small, args.seed)
        except (PackageError, AudioFileError, SplitError) as error:
            raise ValueError(f"{name}: {error}") from error
        print(f"{name}: {len(info['classes'])} classes, {info['train_num']} train / {info['test_num']} test, "
              f"{info['total_seconds']:.0f} s audio, built in {time.monotonic() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    from ingestion.command import run_command

    sys.exit(run_command("sample_data.build", prog="python -m sample_data.build"))
