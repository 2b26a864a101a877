"""Writing and removing the entries of an output folder without ever following a symbolic link.

:func:`write_atomically` writes a new file beside the destination under a fresh name ``NAME.XXXXXXXX.tmp``
(created with ``O_CREAT | O_EXCL | O_NOFOLLOW``: nothing planted at that name, file, folder or link, is ever
opened) and renames it over ``NAME``; a link at ``NAME`` is replaced, its target left as it was.
:func:`remove_entry` removes a file, a link (never its target) or a folder tree (links inside it are removed,
not followed). Both the harness and the scorer write their outputs this way.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
from pathlib import Path

# NAME.tmp (the fixed name earlier versions used) or NAME.XXXXXXXX.tmp (write_atomically's); group 1 is NAME.
TEMPORARY_NAME = re.compile(r"(.+?)(?:\.[0-9a-f]{8})?\.tmp")
NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
ATTEMPTS = 16  # fresh names tried before giving up (a clash of random 32-bit names means they are being planted)


def _create_temporary(path: Path) -> tuple[int, Path]:
    """A new, empty file ``NAME.XXXXXXXX.tmp`` beside ``path``, opened for writing (the umask sets its mode)."""
    for _ in range(ATTEMPTS):
        temporary = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temporary, NEW_FILE_FLAGS, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file for {path}: {ATTEMPTS} fresh names were all taken")


def write_atomically(path: Path, data: bytes | str) -> None:
    """Replace whatever ``path`` is (file or link, never written through) by a file holding ``data`` (text in
    UTF-8)."""
    descriptor, temporary = _create_temporary(path)
    try:
        with open(descriptor, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def remove_entry(path: Path) -> None:
    """Remove ``path`` whatever it is: a file, a link (not its target) or a folder with all it holds."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def is_regular_file(path: Path) -> bool:
    """Whether ``path`` itself (not what a link there leads to) is a regular file."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False
