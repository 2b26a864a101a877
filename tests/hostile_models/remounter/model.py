"""Hostile submission: in round 2 tries to make its read-only code folder writable again (``mount -o
remount,rw,bind``, which a process keeping root's capabilities in its namespace could do) and to write a file
``written_by_the_model`` there."""

import subprocess
from pathlib import Path

from prior_rounds import PriorModel

HERE = Path(__file__).resolve().parent


class Model(PriorModel):
    def misbehave(self):
        subprocess.run(["mount", "-o", "remount,rw,bind", str(HERE)], capture_output=True)
        try:
            (HERE / "written_by_the_model").write_text("escaped the read-only view")
        except OSError:
            pass
