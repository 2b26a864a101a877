"""``python -m ingestion``: run a submission on a dataset (see :mod:`ingestion.ingestion`)."""

import argparse
import sys

from ingestion import ingestion

parser = argparse.ArgumentParser(prog="python -m ingestion", description=ingestion.__doc__.splitlines()[0])
ingestion.add_arguments(parser)
sys.exit(ingestion.main(parser.parse_args()))
