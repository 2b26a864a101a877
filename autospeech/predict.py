"""Classify audio files with a model saved by ``autospeech fit``, writing a CSV.

Inputs are audio files and/or folders (searched recursively for .wav, .flac, .ogg, .opus, .mp3, .aiff); each
file is read like the converter does (16 kHz mono). The CSV has one row per file: ``file``, ``label`` (the
most probable class: its name from the model folder's class_names.txt, else its index) and one probability
column per class. An unreadable file stops the run with its name, unless --skip-bad is given: it is then
skipped and listed on stderr.

--output is written as ``OUTPUT.partial`` beside it, batch by batch, and renamed over OUTPUT only when every
file is classified: a failed or interrupted run leaves an earlier OUTPUT as it was, and the rows it computed
in ``OUTPUT.partial`` (replaced by the next run). An --output that is one of the input files, a folder, or
inside --model-dir is refused before anything is read or written.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import numpy as np

from ingestion.command import positive_int
from autospeech.audio_files import AudioFileError, find_audio_files, read_audio
from ingestion.dataset import load_class_names

DEFAULT_BATCH_FILES = 64
PARTIAL_SUFFIX = ".partial"


def class_labels(model_dir: Path, class_num: int) -> list[str]:
    """Class names from ``model_dir/class_names.txt`` (checked against ``class_num``), else "0".."n-1"."""
    names = load_class_names(model_dir, class_num, counted_by="the model's class_num")
    return [str(index) for index in range(class_num)] if names is None else names


def check_output(output: Path, files: list[Path], model_dir: Path) -> None:
    """ValueError unless ``output`` can be written without destroying an input file or the model."""
    target = output.resolve()
    if target.is_dir():
        raise ValueError(f"--output {output} is a folder; give a CSV file path")
    if any(target == path.resolve() for path in files):
        raise ValueError(f"--output {output} is one of the input files; choose another path")
    if target.is_relative_to(model_dir.resolve()):
        raise ValueError(f"--output {output} lies inside --model-dir {model_dir}; choose a path outside the model")


@contextlib.contextmanager
def csv_destination(output: Path | None) -> Iterator[TextIO]:
    """Standard output; or ``OUTPUT.partial``, renamed over ``output`` once the block completes (on an error it
    stays, holding the rows written so far, and ``output`` is untouched)."""
    if output is None:
        yield sys.stdout
        return
    partial = output.with_name(output.name + PARTIAL_SUFFIX)
    with open(partial, "w", newline="") as handle:
        yield handle
    partial.replace(output)


def batches(files: list[Path], size: int) -> Iterator[list[Path]]:
    for start in range(0, len(files), size):
        yield files[start:start + size]


def predict_files(model: object, files: list[Path], labels: list[str], output: TextIO, skip_bad: bool = False,
                  batch_files: int = DEFAULT_BATCH_FILES) -> list[tuple[Path, str]]:
    """Write one CSV row per readable file to ``output``; returns the skipped files with reasons."""
    writer = csv.writer(output)
    writer.writerow(["file", "label", *labels])
    skipped, written = [], 0
    for batch in batches(files, batch_files):
        readable, waveforms = [], []
        for path in batch:
            try:
                waveforms.append(read_audio(path))
                readable.append(path)
            except AudioFileError as error:
                if not skip_bad:
                    raise AudioFileError(f"{error} ({written} prediction(s) before it are in {output.name}; "
                                         f"use --skip-bad to skip bad files)") from error
                skipped.append((path, str(error)))
        if not readable:
            continue
        probabilities = np.asarray(model.test(waveforms))
        for path, row in zip(readable, probabilities):
            writer.writerow([str(path), labels[int(np.argmax(row))], *(f"{p:.6f}" for p in row)])
        output.flush()
        written += len(readable)
    return skipped


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", help="audio files and/or folders (searched recursively)")
    parser.add_argument("--model-dir", required=True, help="folder of a model saved by `autospeech fit`")
    parser.add_argument("--output", help="CSV file to write (default: standard output)")
    parser.add_argument("--skip-bad", action="store_true", help="skip unreadable audio files instead of stopping")
    parser.add_argument("--batch-files", type=positive_int, default=DEFAULT_BATCH_FILES,
                        help="files classified (and written) per batch (default: %(default)s)")


def main(args: argparse.Namespace) -> int:
    """Classify the inputs; bad input raises DatasetError/ValueError/OSError (one line from the CLI)."""
    from autospeech_model.model import Model  # imports TensorFlow: only once the arguments are parsed

    files = find_audio_files(args.inputs)
    if not files:
        raise AudioFileError(f"no audio files found in {', '.join(args.inputs)}")
    model_dir = Path(args.model_dir)
    output = Path(args.output) if args.output else None
    if output is not None:
        check_output(output, files, model_dir)
    model = Model.load(model_dir, warm_up=False)  # it only predicts: no training to trace, no budget to plan
    labels = class_labels(model_dir, model.class_num)
    with csv_destination(output) as handle:
        skipped = predict_files(model, files, labels, handle, args.skip_bad, args.batch_files)
    for path, reason in skipped:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    return 0
