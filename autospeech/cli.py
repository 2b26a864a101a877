"""AutoSpeech from the command line: convert your audio, ingest, score, fit, predict and package.

Each subcommand is a module exposing ``add_arguments`` and ``main``. Only the chosen subcommand's module is
imported, so ``autospeech --help`` is quick and one broken module does not take the others down. Bad input
is reported as one line ``PROG: error: MESSAGE`` with exit code 2 (:mod:`ingestion.command`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from ingestion.command import call_main, describe

# name -> (module, one-line help); the order is the order of `autospeech --help`.
SUBCOMMANDS = {
    "convert": ("autospeech.convert", "turn a folder of class subfolders (or a CSV) of audio files into a dataset"),
    "run": ("autospeech.run", "ingest and score a model on one or more datasets"),
    "ingest": ("ingestion.ingestion", "run a model on a dataset under a time budget, writing predictions"),
    "score": ("scoring.score", "score predictions against a solution (ALC and learning curve)"),
    "fit": ("autospeech.fit", "train the model on a dataset within a time budget and save it"),
    "predict": ("autospeech.predict", "classify audio files with a saved model, writing a CSV"),
    "package": ("autospeech.package", "build the platform upload zip (model.py, autospeech_model/, pretrained/)"),
    "export-pkl": ("autospeech.export_pkl", "write a dataset in the official kit's pkl form"),
}

def build_parser(selected: str | None) -> tuple[argparse.ArgumentParser, ModuleType | None]:
    """The ``autospeech`` parser; only the ``selected`` subcommand's module is imported and gets its options."""
    parser = argparse.ArgumentParser(prog="autospeech", description=__doc__.split("\n\n")[0])
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    selected_module = None
    for name, (module_name, summary) in SUBCOMMANDS.items():
        if name != selected:
            subparsers.add_parser(name, help=summary, description=summary)
            continue
        selected_module = importlib.import_module(module_name)
        subparser = subparsers.add_parser(name, help=summary, description=describe(selected_module),
                                          formatter_class=argparse.RawDescriptionHelpFormatter)
        selected_module.add_arguments(subparser)
    return parser, selected_module


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``autospeech`` console script and ``python -m autospeech``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    selected = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    parser, module = build_parser(selected)
    args = parser.parse_args(argv)
    return call_main(module.main, args, parser.prog)
