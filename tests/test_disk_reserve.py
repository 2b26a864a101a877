"""The disk space the harness keeps for its records, read from the real filesystem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingestion.disk_reserve import DISK_RESERVE_BYTES, DiskFull, DiskWatch, default_reserve, free_space
from ingestion.watch import GIB, WATCH_SECONDS


def test_the_default_reserve_is_a_gib_or_half_the_least_free_space(tmp_path):
    free = free_space(tmp_path)
    assert 0 < free and default_reserve([tmp_path]) == min(DISK_RESERVE_BYTES, free // 2)
    assert default_reserve([]) == DISK_RESERVE_BYTES


def test_a_filesystem_below_the_reserve_is_named_once_a_reading_is_due(tmp_path):
    now = [0.0]
    watch = DiskWatch([tmp_path], reserve=0, clock=lambda: now[0])
    watch.check()  # no filesystem has less than 0 bytes free
    watch.reserve = free_space(tmp_path) + GIB
    watch.check()  # not due yet: the last reading was at 0 s
    now[0] += WATCH_SECONDS
    with pytest.raises(DiskFull, match=re.escape("filled the disk: ") + r"\d+\.\d\d GiB left free on the filesystem "
                       + re.escape(f"of {tmp_path}, less than the {watch.reserve / GIB:.2f} GiB the harness keeps for "
                                   f"its records, and was killed")):
        watch.check()


def test_free_space_just_below_the_reserve_reads_below_it():
    assert str(DiskFull(Path("/scratch"), GIB - 4096, GIB)) == (
        "filled the disk: 0.999996 GiB left free on the filesystem of /scratch, less than the 1.000000 GiB the "
        "harness keeps for its records, and was killed")
