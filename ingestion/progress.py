"""A dependency-free progress counter on stderr for long loops over files."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import TextIO, TypeVar

Item = TypeVar("Item")


def progress(items: Sequence[Item], label: str, stream: TextIO | None = None) -> Iterator[Item]:
    """Yield ``items`` while showing ``label: done/total`` on ``stream`` (stderr by default).

    On a terminal the line is rewritten in place; otherwise about ten lines are written in all.
    """
    stream = stream or sys.stderr
    total = len(items)
    interactive = stream.isatty()
    step = max(1, -(-total // 10))
    for done, item in enumerate(items, start=1):
        yield item
        if interactive or done % step == 0 or done == total:
            start = "\r" if interactive else ""
            end = "" if interactive and done < total else "\n"
            stream.write(f"{start}{label}: {done}/{total}{end}")
            stream.flush()
