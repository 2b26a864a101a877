"""The command line and environment of the submission's child process: a bubblewrap sandbox where Linux
namespaces work, else a plain process (with one warning line that the submission can read the filesystem).

In the sandbox (``bwrap``) the child has its own user, PID, mount, network, IPC and UTS namespaces, no
capabilities (so it cannot remount what it sees read-only, even when the harness runs as root), and sees:
the system folders (/usr and its links, a few /etc files the loader and locale need, /sys, GPU devices), the
Python installation, and the code folder, all read-only; its scratch folder (its working directory and HOME),
writable; /proc and /dev of its own; nothing else. So the dataset (its test solution included), the output
folder and the harness do not exist for it, and it has no network. A folder of the dataset or the output that
lies inside the code folder is covered by an empty read-only folder. When the harness's process dies the sandbox
dies with it (``--die-with-parent``), and ending the sandbox's PID namespace ends every process the model started.
"""

from __future__ import annotations

import functools
import glob
import logging
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path

SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_EXTRAS = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime",
                "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/fonts", "/sys")
# What Python, numpy, TensorFlow and their libraries read from the environment; nothing else is passed on.
ENVIRONMENT_NAMES = ("PATH", "LANG", "LANGUAGE", "TZ", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "CUDA_HOME",
                     "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "KERAS_BACKEND", "XLA_FLAGS")
ENVIRONMENT_PREFIXES = ("LC_", "TF_", "NVIDIA_")

logger = logging.getLogger(__name__)


def child_environment(scratch: Path) -> dict[str, str]:
    """The child's environment: the variables above that are set here, HOME and TMPDIR in the scratch folder."""
    passed = {name: value for name, value in os.environ.items()
              if name in ENVIRONMENT_NAMES or name.startswith(ENVIRONMENT_PREFIXES)}
    return {**passed, "HOME": str(scratch), "TMPDIR": str(scratch)}


@functools.cache
def sandbox_works() -> bool:
    """Whether ``bwrap`` is installed and may create namespaces here (checked once per process)."""
    if shutil.which("bwrap") is None:
        return False
    probe = ["bwrap", "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def python_paths() -> list[str]:
    """The folders of this Python installation: prefixes, standard library, site-packages, the interpreter."""
    paths = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))), *sysconfig.get_paths().values()}
    return sorted(path for path in paths if os.path.isdir(path) and path != "/")


def read_only(paths: Iterable[str]) -> list[str]:
    return [argument for path in paths for argument in ("--ro-bind-try", path, path)]


def sandbox_arguments(code_dir: Path, scratch: Path, hidden: Iterable[Path]) -> list[str]:
    """The ``bwrap`` options that show the child only what the module docstring lists."""
    arguments = ["bwrap", "--die-with-parent", "--unshare-all", "--cap-drop", "ALL", "--proc", "/proc", "--dev", "/dev"]
    for path in SYSTEM_PATHS:
        if os.path.islink(path):
            arguments += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            arguments += ["--ro-bind", path, path]
    arguments += read_only(SYSTEM_EXTRAS)
    arguments += read_only(python_paths())
    arguments += read_only(path for path in os.environ.get("LD_LIBRARY_PATH", "").split(":") if path)
    for device in sorted(glob.glob("/dev/nvidia*")):
        arguments += ["--dev-bind", device, device]
    arguments += ["--ro-bind", str(code_dir), str(code_dir)]
    for path in hidden:
        if path.resolve().is_relative_to(code_dir) and path.resolve() != code_dir:
            arguments += ["--tmpfs", str(path.resolve()), "--remount-ro", str(path.resolve())]
    return arguments + ["--bind", str(scratch), str(scratch), "--chdir", str(scratch)]


def child_command(program: list[str], code_dir: Path, scratch: Path, hidden: Iterable[Path],
                  sandbox: bool = True) -> tuple[list[str], bool]:
    """The command that runs ``program`` for the submission in ``code_dir``, and whether it is sandboxed.

    ``hidden``: folders the child must not see (the dataset's, the output). ``sandbox`` False, or no working
    bubblewrap, gives the plain ``program`` and logs one warning line.
    """
    if sandbox and sandbox_works():
        logger.info("the submission runs in a bubblewrap sandbox: it sees its code folder and the Python "
                    "installation (read-only) and a scratch folder, not the dataset or the output")
        return sandbox_arguments(code_dir, scratch, hidden) + program, True
    reason = "--no-sandbox was given" if not sandbox else "bubblewrap (bwrap) is missing or cannot create namespaces"
    logger.warning("no sandbox (%s): the submission runs as a plain child process and can read the filesystem, "
                   "the test solution included", reason)
    return program, False
