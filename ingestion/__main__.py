"""``python -m ingestion``: the same as ``autospeech ingest`` (see :mod:`ingestion.ingestion`)."""

import sys

from autospeech.cli import run_command

sys.exit(run_command("ingestion.ingestion", prog="python -m ingestion"))
