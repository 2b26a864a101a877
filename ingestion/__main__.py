"""``python -m ingestion``: the same as ``autospeech ingest`` (see :mod:`ingestion.ingestion`)."""

import sys

from ingestion.command import run_command

sys.exit(run_command("ingestion.ingestion", prog="python -m ingestion"))
