"""Ending the submission's process group for good: SIGKILL it, then wait until none of its processes is alive.

A SIGKILL only marks a process for death; it ends when the kernel next runs it. In the sandbox the processes the
model put in sessions of their own end only when the sandbox's PID namespace ends, which happens while its first
process (a member of the group) exits: that process is alive (not yet a zombie) until every process of the
namespace is gone. So "no live member of the group" means nothing the model started is still running.
Outside the sandbox a program the model started in a session of its own has left the group; it is killed too
while it is still a descendant of the group's leader (one whose parent has ended belongs to init and escapes).
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

GONE_WAIT_SECONDS = 5.0  # ours: how long killed processes may take to end before the harness says so and goes on
DEAD_STATES = ("Z", "X")  # zombie, dead: from proc(5), /proc/PID/stat field 3

logger = logging.getLogger(__name__)


def live_processes() -> Iterator[tuple[int, list[str]]]:
    """(pid, fields) of every live (not zombie) process visible in /proc; ``fields`` are /proc/PID/stat's from
    the state on (proc(5) field N is ``fields[N - 3]``: 1 the parent's pid, 2 the process group, 21 the
    resident set in pages)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:  # it ended while we looked
            continue
        if fields[0] not in DEAD_STATES:
            yield int(entry.name), fields


def process_tree(root: int) -> dict[int, list[str]]:
    """The live processes among ``root`` and its descendants, with their fields (:func:`live_processes`)."""
    processes = dict(live_processes())
    children: dict[int, list[int]] = defaultdict(list)
    for pid, fields in processes.items():
        children[int(fields[1])].append(pid)
    tree, stack = {}, [root]
    while stack:
        pid = stack.pop()
        if pid in processes:
            tree[pid] = processes[pid]
        stack.extend(children.get(pid, ()))
    return tree


def live_members(group: int) -> list[int]:
    """Process ids of the live (not zombie) processes in process group ``group``, from /proc."""
    return [pid for pid, fields in live_processes() if int(fields[2]) == group]


def kill_group(group: int, timeout: float = GONE_WAIT_SECONDS) -> None:
    """SIGKILL every process in ``group`` and every descendant of its leader (pid ``group``; outside the sandbox
    a program the model started in a session of its own is in another group), and wait up to ``timeout`` s
    until none of them is alive (a warning if some are). The caller must not have reaped the group's
    leader yet, so the group id cannot be reused meanwhile."""
    stray = {pid for pid, fields in process_tree(group).items() if int(fields[2]) != group}
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        return
    for pid in stray:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while members := [pid for pid, fields in live_processes() if int(fields[2]) == group or pid in stray]:
        if time.monotonic() > deadline:
            logger.warning("processes %s of the submission's process group %d were still alive %g s after "
                           "SIGKILL", members, group, timeout)
            return
        time.sleep(0.005)
