"""Submission that reports what it sees, as the message of an exception raised in train (the harness records
it in end.txt): argv, the environment's names, which paths of ``forbidden.json`` beside it its argv, environment
or sys.path mention and which exist for it, its project paths on sys.path (those outside the Python
installation), which of the project's harness and tool packages it can import from outside the installation (an
editable install's finder would reach the checkout), its working folder and what is in it, HOME, and what stdin
holds."""

import importlib.util
import json
import os
import sys
from pathlib import Path

HARNESS = ("ingestion", "scoring", "autospeech", "benchmarks")
FORBIDDEN = json.loads((Path(__file__).resolve().parent / "forbidden.json").read_text())


def view() -> dict:
    installation = (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)
    texts = [*sys.argv, *os.environ.values(), *sys.path]
    return {"argv": sys.argv, "environment": sorted(os.environ),
            "mentioned": [path for path in FORBIDDEN if any(path in text for text in texts)],
            "existing": [path for path in FORBIDDEN if os.path.exists(path)],
            "project_paths": [path for path in sys.path if not path.startswith(installation)],
            "project_modules": [name for name in HARNESS if (spec := importlib.util.find_spec(name)) is not None
                                and not str(spec.origin).startswith(installation)],
            "cwd": os.getcwd(), "cwd_entries": os.listdir("."), "home": os.environ.get("HOME"),
            "stdin": sys.stdin.read(10)}


class Model:
    def __init__(self, metadata):
        self.done_training = False

    def train(self, dataset, remaining_time_budget=None):
        raise RuntimeError("VIEW " + json.dumps(view(), separators=(",", ":")))

    def test(self, x_list, remaining_time_budget=None):
        raise AssertionError("unreachable: train always raises")
