"""Build the upload for the AutoDL/AutoSpeech platform: ``model.py`` at the zip root, the model package
(``autospeech_model/``) and the weights (``pretrained/``) — nothing else (no tests, harness, tools or data).

The zip is written to a temporary file beside --output and renamed when complete, so a failed build never
leaves a partial upload. Check it with the official kit as the README's "Submit to the platform" says.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import zipfile
from pathlib import Path

import autospeech_model
from autospeech_model.config import PRETRAINED_FILE, find_pretrained_dir

ENTRY_POINT = "model.py"
PRETRAINED_FOLDER = "pretrained"
SKIPPED_SUFFIXES = (".pyc", ".pyo")


def submission_files() -> list[tuple[Path, str]]:
    """(file on disk, name in the zip) of everything the platform needs, sorted by name.

    Raises FileNotFoundError when ``model.py`` is not beside the model package (an installed copy has none:
    package from the source checkout) or the weights are missing.
    """
    package_dir = Path(autospeech_model.__file__).resolve().parent
    entry_point = package_dir.parent / ENTRY_POINT
    if not entry_point.is_file():
        raise FileNotFoundError(f"no {ENTRY_POINT} beside {package_dir}: run `autospeech package` from the "
                                f"source checkout (an installed copy holds no {ENTRY_POINT})")
    weights_dir = find_pretrained_dir()
    if not (weights_dir / PRETRAINED_FILE).is_file():
        raise FileNotFoundError(f"pretrained weights not found: {weights_dir / PRETRAINED_FILE}")
    files = [(entry_point, ENTRY_POINT)]
    for folder, prefix in ((package_dir, package_dir.name), (weights_dir, PRETRAINED_FOLDER)):
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and "__pycache__" not in relative.parts and path.suffix not in SKIPPED_SUFFIXES:
                files.append((path, f"{prefix}/{relative.as_posix()}"))
    return sorted(files, key=lambda item: item[1])


def check_output(output: Path, members: list[tuple[Path, str]]) -> None:
    """ValueError unless ``output`` is a file path outside the folders whose files go into the zip (a zip there
    would be packed into the next one)."""
    target = output.resolve()
    if target.is_dir():
        raise ValueError(f"--output {str(output)!r} is a folder; give the zip file's path")
    packed = [path.resolve().parent for path, name in members if name != ENTRY_POINT]
    if any(target.is_relative_to(folder) for folder in packed):
        raise ValueError(f"--output {output} lies inside a folder the zip packs; write it elsewhere")


def build_package(output: str | Path) -> list[tuple[str, int]]:
    """Write the submission zip to ``output`` (atomically); returns (name, size in bytes) of every member."""
    output = Path(output)
    members = submission_files()
    check_output(output, members)
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path, name in members:
                archive.write(path, name)
        os.replace(temporary, output)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return [(name, path.stat().st_size) for path, name in members]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", default="submission.zip", help="zip file to write (default: %(default)s)")


def main(args: argparse.Namespace) -> int:
    """Build the zip and print its contents and size."""
    members = build_package(args.output)
    for name, size in members:
        print(f"{size:>10}  {name}")
    total = sum(size for _, size in members)
    print(f"wrote {args.output}: {len(members)} files, {total / 1e6:.2f} MB uncompressed, "
          f"{Path(args.output).stat().st_size / 1e6:.2f} MB zipped")
    return 0
