"""Command-line plumbing shared by the harness's programs (and the tools built on them).

A program is a module exposing ``add_arguments(parser)`` and ``main(args) -> int``. Bad input (a ValueError
such as DatasetError, or an OSError) is reported as one line ``PROG: error: MESSAGE`` with exit code 2, never
as a traceback. SIGTERM (``kill``, a CI job's timeout) ends a program like Ctrl-C does, through its clean-up:
the harness kills the submission it started and keeps what it has written; exit code 128 + 15.
"""

from __future__ import annotations

import argparse
import importlib
import math
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import ModuleType

from ingestion.dataset import time_budget_problem

BAD_INPUT_EXIT_CODE = 2
MAX_GIB = 1 << 20  # a pebibyte: more memory or disk than any machine the harness runs on has


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwinds like Ctrl-C (``finally`` blocks and ``except KeyboardInterrupt`` clean-ups run)."""


def raise_terminated(signum: int, frame: object) -> None:
    raise Terminated("terminated by SIGTERM")


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def parsed(text: str, kind: type[int] | type[float]) -> float:
    """``text`` as a ``kind``, or NaN when it is none (which the caller's rule then refuses with its message)."""
    try:
        return kind(text)
    except ValueError:
        return math.nan


def gib_argument(text: str) -> float:
    """argparse type: a number of GiB in (0, MAX_GIB] (a memory limit, a disk reserve), refused before the
    program touches anything: 1e300 GiB is a typo, and as bytes it would overflow."""
    value = parsed(text, float)
    if not 0 < value <= MAX_GIB:
        raise argparse.ArgumentTypeError(f"must be a positive number of GiB, at most {MAX_GIB} (a pebibyte), "
                                         f"got {text}")
    return value


def budget_argument(text: str) -> float:
    """argparse type: a time budget (:func:`ingestion.dataset.time_budget_problem`: a millisecond to a week)."""
    value = parsed(text, float)
    problem = time_budget_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(f"{problem}, got {text}")
    return value


def whole_budget_argument(text: str) -> int:
    """argparse type: a time budget in whole seconds (:func:`budget_argument`'s rule), as meta.json records it."""
    budget_argument(text)
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number of seconds, got {text}")
    return int(text)


def seed_argument(text: str) -> int:
    """argparse type: a random seed, an integer in [0, 2**32) (what NumPy's and TensorFlow's generators take)."""
    value = parsed(text, int)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 2**32), got {text}")
    return value


def fraction(text: str) -> float:
    """argparse type: a float in [0, 1)."""
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def call_main(main: Callable[[argparse.Namespace], int], args: argparse.Namespace, prog: str) -> int:
    """Run a program's ``main``; bad input becomes one line on stderr and exit code 2; SIGTERM (in the main
    thread) unwinds ``main`` and gives exit code 143."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, raise_terminated) if in_main_thread else None
    try:
        return main(args)
    except (ValueError, OSError) as error:
        message = " ".join(str(error).splitlines()) or type(error).__name__
        # a file name's undecodable bytes (surrogates in Python) are shown as \xff, never fail the print
        message = message.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        print(f"{prog}: error: {message}", file=sys.stderr)
        return BAD_INPUT_EXIT_CODE
    except Terminated:
        print(f"{prog}: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def describe(module: ModuleType) -> str:
    """A program's description: its module docstring."""
    return (module.__doc__ or "").strip()


def run_command(module_name: str, argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Parse ``argv`` for one program module and run it (the ``python -m MODULE`` entry points)."""
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=prog or f"python -m {module_name}", description=describe(module),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    module.add_arguments(parser)
    return call_main(module.main, parser.parse_args(argv), parser.prog)
