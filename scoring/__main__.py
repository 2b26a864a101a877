"""``python -m scoring``: the same as ``autospeech score`` (see :mod:`scoring.score`)."""

import sys

from ingestion.command import run_command

sys.exit(run_command("scoring.score", prog="python -m scoring"))
