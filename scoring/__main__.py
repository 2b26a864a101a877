"""``python -m scoring``: score an ingestion run (see :mod:`scoring.score`)."""

import argparse
import sys

from scoring import score

parser = argparse.ArgumentParser(prog="python -m scoring", description=score.__doc__.splitlines()[0])
score.add_arguments(parser)
sys.exit(score.main(parser.parse_args()))
