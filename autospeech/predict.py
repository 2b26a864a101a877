"""Classify audio files with a model saved by ``autospeech fit``, writing a CSV.

Inputs are audio files and/or folders (searched recursively for .wav, .flac, .ogg, .opus, .mp3, .aiff); each
file is read like the converter does (16 kHz mono). The CSV has one row per file: ``file``, ``label`` (the
most probable class: its name from the model folder's class_names.txt, else its index) and one probability
column per class. An unreadable file stops the run with its name, unless --skip-bad is given: it is then
skipped and listed on stderr.

--output is written as ``OUTPUT.partial`` beside it (created anew: a leftover file or link of that name is
removed first), batch by batch, and renamed over OUTPUT only when every file is classified: a failed or
interrupted run leaves an earlier OUTPUT as it was, and the rows it computed in ``OUTPUT.partial`` (replaced by the
next run). An --output that is one of the input files (or whose ``.partial`` is), a folder, or inside --model-dir
is refused before anything is read or written. The CSV is UTF-8; a file name whose bytes are not UTF-8 is written
byte for byte (Python's surrogateescape), as on standard output in a UTF-8 locale, so the column opens the file.
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
from autospeech.audio_files import AudioFileError, find_audio_files, read_clip
from ingestion.dataset import load_class_names

DEFAULT_BATCH_FILES = 64
PARTIAL_SUFFIX = ".partial"

Failure = tuple[Path, str]  # a file that is skipped or stops the run, and why


def class_labels(model_dir: Path, class_num: int) -> list[str]:
    """Class names from ``model_dir/class_names.txt`` (checked against ``class_num``), else "0".."n-1"."""
    names = load_class_names(model_dir, class_num, counted_by="the model's class_num")
    return [str(index) for index in range(class_num)] if names is None else names


def partial_path(output: Path) -> Path:
    """Where ``output`` is written until every file is classified: ``OUTPUT.partial`` beside it."""
    return output.with_name(output.name + PARTIAL_SUFFIX)


def check_output(output: Path, files: list[Path], model_dir: Path) -> None:
    """ValueError unless ``output`` (and its partial file) can be written without destroying an input file or
    the model."""
    target, partial = output.resolve(), partial_path(output)
    if target.is_dir():
        raise ValueError(f"--output {output} is a folder; give a CSV file path")
    if any(target == path.resolve() for path in files):
        raise ValueError(f"--output {output} is one of the input files; choose another path")
    if any(partial.resolve() == path.resolve() for path in files):
        raise ValueError(f"--output {output} would be written through {partial}, one of the input files; "
                         f"choose another path")
    if partial.is_dir() and not partial.is_symlink():
        raise ValueError(f"--output {output} would be written through {partial}, a folder; choose another path")
    if target.is_relative_to(model_dir.resolve()):
        raise ValueError(f"--output {output} lies inside --model-dir {model_dir}; choose a path outside the model")


def create_csv(path: Path) -> TextIO:
    """``path`` opened as a new CSV file (UTF-8; a file name's bytes that are not UTF-8 written as they are): a
    leftover file or link there is removed first, and a link planted meanwhile is not followed (mode "x":
    O_EXCL)."""
    path.unlink(missing_ok=True)
    return open(path, "x", newline="", encoding="utf-8", errors="surrogateescape")


@contextlib.contextmanager
def csv_destination(output: Path | None) -> Iterator[TextIO]:
    """Standard output; or ``OUTPUT.partial``, created anew and renamed over ``output`` once the block
    completes (on an error it stays, holding the rows written so far, and ``output`` is untouched)."""
    if output is None:
        yield sys.stdout
        return
    partial = partial_path(output)
    with create_csv(partial) as handle:
        yield handle
    partial.replace(output)  # replaces a link at ``output`` itself, never the file it leads to


def batches(files: list[Path], size: int) -> Iterator[list[Path]]:
    for start in range(0, len(files), size):
        yield files[start:start + size]


def read_files(paths: list[Path]) -> tuple[list[Path], list[np.ndarray], list[Failure]]:
    """The readable files with their waveforms, and the others with the reason."""
    readable, waveforms, failures = [], [], []
    for path in paths:
        try:
            waveforms.append(read_clip(path))
            readable.append(path)
        except AudioFileError as error:
            failures.append((path, str(error)))
    return readable, waveforms, failures


def skip_or_stop(failures: list[Failure], skip_bad: bool, written: int, output: TextIO) -> list[Failure]:
    """``failures`` to skip with ``skip_bad``; else AudioFileError naming the first and where the rows so far
    are."""
    if failures and not skip_bad:
        where = "on standard output" if output is sys.stdout else f"in {output.name}"
        raise AudioFileError(f"{failures[0][1]} ({written} prediction(s) before it are {where}; "
                             f"use --skip-bad to skip bad files)")
    return failures


def predict_files(model: object, files: list[Path], labels: list[str], output: TextIO, skip_bad: bool = False,
                  batch_files: int = DEFAULT_BATCH_FILES) -> list[Failure]:
    """Write one CSV row per readable file to ``output``; returns the skipped files with reasons."""
    writer = csv.writer(output)
    writer.writerow(["file", "label", *labels])
    skipped, written = [], 0
    for batch in batches(files, batch_files):
        readable, waveforms, failures = read_files(batch)
        skipped += skip_or_stop(failures, skip_bad, written, output)
        if not readable:
            continue
        rows = list(zip(readable, np.asarray(model.test(waveforms))))
        for path, row in rows:
            writer.writerow([str(path), labels[int(np.argmax(row))], *(f"{p:.6f}" for p in row)])
        output.flush()
        written += len(rows)
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
