"""``python -m autospeech``: the same as the ``autospeech`` console command."""

import sys

from autospeech.cli import main

sys.exit(main())
