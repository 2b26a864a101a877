"""Ending the submission's process group for good: SIGKILL it, then wait until none of its processes is alive.

A SIGKILL only marks a process for death; it ends when the kernel next runs it. In the sandbox the processes the
model put in sessions of their own end only when the sandbox's PID namespace ends, which happens while its first
process (a member of the group) exits: that process is alive (not yet a zombie) until every process of the
namespace is gone. So "no live member of the group" means nothing the model started is still running.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

GONE_WAIT_SECONDS = 5.0  # ours: how long killed processes may take to end before the harness says so and goes on
DEAD_STATES = ("Z", "X")  # zombie, dead: from proc(5), /proc/PID/stat field 3

logger = logging.getLogger(__name__)


def live_members(group: int) -> list[int]:
    """Process ids of the live (not zombie) processes in process group ``group``, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:  # it ended while we looked
            continue
        if fields[0] not in DEAD_STATES and int(fields[2]) == group:
            members.append(int(entry.name))
    return members


def kill_group(group: int, timeout: float = GONE_WAIT_SECONDS) -> None:
    """SIGKILL every process in ``group`` and wait up to ``timeout`` s until none is alive (a warning if some
    are). The caller must not have reaped the group's leader yet, so the group id cannot be reused meanwhile."""
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while members := live_members(group):
        if time.monotonic() > deadline:
            logger.warning("processes %s of the submission's process group %d were still alive %g s after "
                           "SIGKILL", members, group, timeout)
            return
        time.sleep(0.005)
