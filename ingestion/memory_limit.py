"""The submission's memory limit: the resident memory of the child's process tree, measured from /proc while the
harness waits for a reply, against a limit in bytes (by default a share of what the machine, or the container's
cgroup, can still give when the child starts).

A model that goes past the limit is killed and the run ends as failed, its earlier predictions kept: without a
limit, a leaking or hostile model would take the machine's memory until the kernel's OOM killer chose a process,
perhaps the harness. The child also volunteers as the OOM killer's first choice (``oom_score_adj`` 1000, see
:mod:`ingestion.child_bootstrap`) for an allocation too fast for the measurements to catch.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from ingestion.process_group import process_tree
from ingestion.watch import LimitExceeded, Watch, distinct_gib

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
DEFAULT_SHARE = 0.9  # ours: the default limit's share of the memory available when the child starts
CGROUP_FILES = (("memory.max", "memory.current"),  # cgroup v2: limit ("max": none), usage
                ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes"))  # cgroup v1


class MemoryLimitExceeded(LimitExceeded):
    """The child's process tree holds more resident memory than its limit."""

    def __init__(self, used: int, limit: int) -> None:
        used_gib, limit_gib = distinct_gib(used, limit)
        super().__init__(f"used {used_gib} GiB of memory, more than the limit of {limit_gib} GiB, and was killed")


def tree_memory(root: int) -> int:
    """Resident bytes of process ``root`` and all its live descendants (shared pages counted in each)."""
    return sum(int(fields[21]) for fields in process_tree(root).values()) * PAGE_BYTES


def available_memory(meminfo: Path = Path("/proc/meminfo"), cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """Bytes the machine can still give (``MemAvailable``), or fewer when this process's cgroup (v2, else v1,
    mounted at ``cgroup``) has a limit: that limit less the cgroup's usage."""
    fields = dict(line.split(":", 1) for line in meminfo.read_text().splitlines() if ":" in line)
    available = int(fields["MemAvailable"].split()[0]) * 1024
    for limit_file, usage_file in CGROUP_FILES:
        try:
            limit, usage = (cgroup / limit_file).read_text().strip(), int((cgroup / usage_file).read_text())
        except (OSError, ValueError):
            continue
        if limit.isdigit():
            available = min(available, int(limit) - usage)
        break
    return max(available, 0)


def default_limit() -> int:
    """DEFAULT_SHARE of :func:`available_memory`, in bytes."""
    return int(DEFAULT_SHARE * available_memory())


class MemoryWatch(Watch):
    """Measures the process tree of ``root`` (``measure``, :func:`tree_memory`; a scan of /proc, slower with many
    processes on the machine) when due (:class:`ingestion.watch.Watch`)."""

    def __init__(self, root: int, limit: int, clock: Callable[[], float] = time.monotonic,
                 measure: Callable[[int], int] = tree_memory) -> None:
        super().__init__(clock)
        self.root, self.limit, self.measure = root, limit, measure

    def read(self) -> None:
        """MemoryLimitExceeded when the tree holds more than ``limit`` bytes."""
        used = self.measure(self.root)
        if used > self.limit:
            raise MemoryLimitExceeded(used, self.limit)
