"""Hostile submission: predicts once, then in round 2's test() writes a forged reply straight into the harness's
channel (found among the interpreter's objects) and waits to be killed. ``mode.txt`` beside it names the forgery:
``nested``, a JSON header nested 60,000 arrays deep (under the header's size limit; json.loads raises
RecursionError); ``zero_width``, a 'predicted' reply whose array has a zero-width dtype and 10**12 elements (0 bytes
on the wire, terabytes once converted to numbers)."""

import gc
import json
import os
import struct
import time
from pathlib import Path

import numpy as np
from prior_rounds import PriorModel

MODE = (Path(__file__).parent / "mode.txt").read_text().strip()


def message(header: bytes) -> bytes:
    return struct.pack("<Q", len(header)) + header


class Model(PriorModel):
    def test(self, x_list, remaining_time_budget=None):
        if self.round < 2:
            return super().test(x_list, remaining_time_budget)
        channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
        if MODE == "nested":
            os.write(channel.write_fd, message(b"[" * 60000))
        else:
            header = json.dumps({"kind": "predicted", "arrays": 1, "done_training": False}).encode()
            os.write(channel.write_fd, message(header))
            np.lib.format.write_array_header_1_0(channel, {"descr": "|S0", "fortran_order": False,
                                                           "shape": (10**12,)})
        time.sleep(60)
