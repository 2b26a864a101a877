"""AutoSpeech from the command line: convert your audio, ingest, score, fit and predict.

Each subcommand is a module exposing ``add_arguments`` and ``main``. Only the chosen subcommand's module is
imported, so ``autospeech --help`` is quick and one broken module does not take the others down. Bad input (a ValueError such as DatasetError, or an OSError) is reported as one line
``PROG: error: MESSAGE`` with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

# name -> (module, one-line help); the order is the order of `autospeech --help`.
SUBCOMMANDS = {
    "convert": ("ingestion.convert", "turn a folder of class subfolders (or a CSV) of audio files into a dataset"),
    "run": ("ingestion.run_local", "ingest and score a model on one or more datasets"),
    "ingest": ("ingestion.ingestion", "run a model on a dataset under a time budget, writing predictions"),
    "score": ("scoring.score", "score predictions against a solution (ALC and learning curve)"),
    "fit": ("autospeech.fit", "train the model on a dataset within a time budget and save it"),
    "predict": ("autospeech.predict", "classify audio files with a saved model, writing a CSV"),
}
BAD_INPUT_EXIT_CODE = 2


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite float > 0 (e.g. a time budget in seconds)."""
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def fraction(text: str) -> float:
    """argparse type: a float in [0, 1)."""
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def call_main(main: Callable[[argparse.Namespace], int], args: argparse.Namespace, prog: str) -> int:
    """Run a subcommand's ``main``; bad input becomes one line on stderr and exit code 2."""
    try:
        return main(args)
    except (ValueError, OSError) as error:
        message = " ".join(str(error).splitlines()) or type(error).__name__
        print(f"{prog}: error: {message}", file=sys.stderr)
        return BAD_INPUT_EXIT_CODE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


def describe(module: ModuleType) -> str:
    """A subcommand's description: its module docstring."""
    return (module.__doc__ or "").strip()


def run_command(module_name: str, argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Parse ``argv`` for one subcommand module and run it (used by ``python -m MODULE`` entry points)."""
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=prog or f"python -m {module_name}", description=describe(module),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    module.add_arguments(parser)
    return call_main(module.main, parser.parse_args(argv), parser.prog)


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
