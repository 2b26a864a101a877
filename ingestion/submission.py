"""The submission as the harness sees it: ``model.py`` in a code folder, run in a child process.

The child (:mod:`ingestion.child_bootstrap`, started as ``python -I -S -c SOURCE``) has its own process group, the
minimal environment of :func:`ingestion.sandbox.child_environment`, an empty scratch folder as working directory
and HOME (removed afterwards), and runs in the sandbox of :mod:`ingestion.sandbox` where namespaces work. It gets
the clips over a pipe once ``Model(metadata)`` is built, before the clock starts; then every reply is awaited
with a deadline (the remaining budget plus GRACE_SECONDS, or the setup limit) after which the whole process group
is killed with SIGKILL (:mod:`ingestion.process_group`, which waits until its processes have ended); meanwhile
its process tree's memory is measured against a limit (:mod:`ingestion.memory_limit`) and the disk's free space
against a reserve (:mod:`ingestion.disk_reserve`). The group is killed at the end of every run too, so nothing
the model started outlives it.

Failures of the model become :class:`IngestionError` with one line naming the code folder and the reason: its
exception (type, message, file:line), ``sys.exit``, its process ending (exit status or signal), a malformed
reply, its memory past the limit, the disk filled; running past the budget raises
:class:`ingestion.timing.TimeoutException`.
"""

from __future__ import annotations

import logging
import os
import selectors
import signal
import site
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ingestion import child_bootstrap
from ingestion.child_bootstrap import Channel, ProtocolError, receive, send
from ingestion.dataset import Dataset
from ingestion.disk_reserve import DiskWatch, default_reserve
from ingestion.memory_limit import MemoryWatch, default_limit
from ingestion.process_group import kill_group
from ingestion.sandbox import child_command, child_environment
from ingestion.scratch import scratch_folder
from ingestion.timing import GRACE_SECONDS, TimeoutException
from ingestion.watch import GIB, WATCH_SECONDS, LimitExceeded

BOOTSTRAP_SOURCE = Path(child_bootstrap.__file__).read_text()
EXIT_WAIT_SECONDS = 2.0  # ours: how long a child that closed the channel may take to exit before it is killed
REPLY_OVERHEAD_BYTES = 1 << 20  # ours: a reply may hold the prediction (float64) plus this much

logger = logging.getLogger(__name__)


def child_source() -> str:
    """The child's program: append this interpreter's site-packages folders (those of a virtual environment,
    and the base installation's when it has ``--system-site-packages``, as ``site`` found them here) to
    ``sys.path``, then run :mod:`ingestion.child_bootstrap`. The child runs with ``-S``: no ``.pth`` hook runs."""
    return f"import sys\nsys.path.extend({site.getsitepackages()!r})\n{BOOTSTRAP_SOURCE}"


class IngestionError(ValueError):
    """The submission could not be run, or broke the ingestion contract; the message names the code folder."""


class ReplyTimeout(Exception):
    """No reply before the deadline."""


class DeadlineChannel(Channel):
    """The harness's end of the channel: non-blocking, every read and write before ``deadline`` (time.monotonic),
    at most ``limit`` bytes read per message; each of ``watches`` is called at least every WATCH_SECONDS while it
    waits (e.g. :meth:`ingestion.memory_limit.MemoryWatch.check`, whose exception ends the wait)."""

    def __init__(self, read_fd: int, write_fd: int, watches: tuple[Callable[[], None], ...] = ()) -> None:
        super().__init__(read_fd, write_fd)
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)
        self.deadline = float("inf")
        self.limit = float("inf")
        self.watches = watches

    def wait(self, fd: int, writing: bool) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_WRITE if writing else selectors.EVENT_READ)
            while True:
                for watch in self.watches:
                    watch()
                left = self.deadline - time.monotonic()
                if left <= 0:
                    raise ReplyTimeout()
                if selector.select(min(left, WATCH_SECONDS)):
                    return

    def count(self, size: int) -> None:
        self.limit -= size
        if self.limit < 0:
            raise ProtocolError("a reply larger than the harness allows")


def pack_clips(clips: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Clips as one float32 array and the offsets of each (the inverse of ``child_bootstrap.clips``)."""
    offsets = np.concatenate([[0], np.cumsum([len(clip) for clip in clips])]).astype(np.int64)
    flat = np.concatenate(clips).astype(np.float32, copy=False) if clips else np.zeros(0, np.float32)
    return flat, offsets


def describe_exit(returncode: int, sandboxed: bool) -> str:
    """An exit status in words; bubblewrap reports a child killed by signal N as 128 + N."""
    number = -returncode if returncode < 0 else returncode - 128 if sandboxed and returncode > 128 else 0
    if number:
        return f"killed by signal {signal.Signals(number).name}" if number in signal.valid_signals() \
            else f"killed by signal {number}"
    return f"exit status {returncode}"


class ChildSubmission:
    """A running child process serving one submission; use :meth:`started`."""

    def __init__(self, process: subprocess.Popen, code_dir: Path, sandboxed: bool, reply_limit: int,
                 watches: tuple[Callable[[], None], ...]) -> None:
        self.process = process
        self.code_dir = code_dir
        self.sandboxed = sandboxed
        self.reply_limit = reply_limit
        self.channel = DeadlineChannel(process.stdout.fileno(), process.stdin.fileno(), watches)
        self.done_training = False

    @classmethod
    @contextmanager
    def started(cls, code_dir: Path, dataset: Dataset, metadata: dict, hidden: Iterable[Path],
                sandbox: bool, setup_limit: float, memory_limit: int | None = None,
                disk_reserve: int | None = None) -> Iterator[ChildSubmission]:
        """Start the child, send it the data and wait (at most ``setup_limit`` s) until ``Model(metadata)`` is
        built; yield it, then kill its process group and remove its scratch folder. ``memory_limit``: bytes
        (None: :func:`ingestion.memory_limit.default_limit`, measured now); ``disk_reserve``: bytes kept free
        on the filesystems of the scratch folder and the ``hidden`` ones (None:
        :func:`ingestion.disk_reserve.default_reserve`)."""
        if not (code_dir / "model.py").is_file():
            raise IngestionError(f"no model.py in the code folder {code_dir}")
        hidden = tuple(hidden)
        for folder in hidden:
            if folder.resolve() == code_dir.resolve():
                raise IngestionError(f"the code folder {code_dir} is also the dataset's or the output folder, "
                                     f"whose files (the test solution, the predictions) the model must not see: "
                                     f"put model.py in a folder of its own")
        memory_limit = default_limit() if memory_limit is None else memory_limit
        with scratch_folder() as scratch:
            watched = (scratch, *hidden)
            disk_reserve = default_reserve(watched) if disk_reserve is None else disk_reserve
            logger.info("the submission may hold %.2f GiB of memory; %.2f GiB of disk are kept free for the "
                        "records", memory_limit / GIB, disk_reserve / GIB)
            command, sandboxed = child_command([sys.executable, "-I", "-S", "-c", child_source()], code_dir,
                                               scratch, hidden, sandbox)
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=scratch,
                                       env=child_environment(scratch), start_new_session=True)
            reply_limit = REPLY_OVERHEAD_BYTES + 8 * len(dataset.test_x) * dataset.train_y.shape[1]
            child = cls(process, code_dir, sandboxed, reply_limit,
                        (MemoryWatch(process.pid, memory_limit).check, DiskWatch(watched, disk_reserve).check))
            try:
                child.set_up(dataset, metadata, setup_limit)
                yield child
            finally:
                child.stop()

    def set_up(self, dataset: Dataset, metadata: dict, setup_limit: float) -> None:
        """Have the child build ``Model(metadata)``, then send it the clips and training labels (only then:
        the model's uncharged construction cannot reach them)."""
        deadline = time.monotonic() + setup_limit
        try:
            reply = self.exchange("setup", {"code_dir": str(self.code_dir), "metadata": metadata}, (), "ready",
                                  deadline)
            self.done_training = self.done_flag(reply)
            self.post("data", {}, (*pack_clips(dataset.train_x), dataset.train_y, *pack_clips(dataset.test_x)),
                      deadline)
        except ReplyTimeout:
            raise IngestionError(f"model in {self.code_dir} took more than the setup limit of {setup_limit:g} s "
                                 f"to import model.py, build Model(metadata) and take the data") from None

    def train(self, remaining: float) -> None:
        """Run ``train`` in the child; TimeoutException when it does not answer within the budget and grace."""
        self.call("train", remaining, "trained")

    def test(self, remaining: float) -> tuple[np.ndarray, bool]:
        """Run ``test`` in the child; its prediction (as received, unchecked) and ``done_training``."""
        header, arrays = self.call("test", remaining, "predicted")
        if len(arrays) != 1 or arrays[0].dtype != np.float64:
            raise self.broken(f"a prediction reply holds {len(arrays)} arrays, not one of float64 "
                              f"({', '.join(str(array.dtype) for array in arrays)})")
        return arrays[0], self.done_flag((header, arrays))

    def call(self, kind: str, remaining: float, expected: str) -> tuple[dict, list[np.ndarray]]:
        try:
            return self.exchange(kind, {"remaining": remaining}, (), expected,
                                 time.monotonic() + remaining + GRACE_SECONDS)
        except ReplyTimeout:
            self.stop()
            raise TimeoutException(f"killed {GRACE_SECONDS:g} s after the budget ran out") from None

    def exchange(self, kind: str, fields: dict, arrays: tuple, expected: str,
                 deadline: float) -> tuple[dict, list[np.ndarray]]:
        """Send a command and wait for its reply until ``deadline``; IngestionError when the model failed."""
        self.post(kind, fields, arrays, deadline)
        try:
            header, replied = receive(self.channel)
        except (EOFError, BrokenPipeError):
            raise IngestionError(f"model in {self.code_dir} ended without replying ({self.end_status()})") from None
        except ProtocolError as error:
            raise self.broken(str(error)) from None
        except LimitExceeded as error:
            raise self.killed(error) from None
        if header["kind"] == "error":
            raise IngestionError(f"model in {self.code_dir} {' '.join(str(header.get('error')).split())}"[:2000])
        if header["kind"] != expected:
            raise self.broken(f"a '{header['kind']}' reply instead of '{expected}'")
        return header, replied

    def post(self, kind: str, fields: dict, arrays: tuple, deadline: float) -> None:
        """Send one message before ``deadline`` (and allow the reply ``reply_limit`` bytes)."""
        self.channel.deadline, self.channel.limit = deadline, self.reply_limit
        try:
            send(self.channel, kind, fields, arrays)
        except BrokenPipeError:
            raise IngestionError(f"model in {self.code_dir} ended without replying ({self.end_status()})") from None
        except LimitExceeded as error:
            raise self.killed(error) from None

    def done_flag(self, reply: tuple[dict, list]) -> bool:
        done = reply[0].get("done_training")
        if not isinstance(done, bool):
            raise self.broken("a reply without a true/false done_training")
        return done

    def broken(self, problem: str) -> IngestionError:
        self.stop()
        return IngestionError(f"model in {self.code_dir} broke the harness protocol: {problem}")

    def killed(self, error: LimitExceeded) -> IngestionError:
        self.stop()
        return IngestionError(f"model in {self.code_dir} {error}")

    def end_status(self) -> str:
        """Why the child stopped answering: its exit status once it has exited (waiting up to EXIT_WAIT_SECONDS
        without reaping, so the process group cannot be reused before it is killed)."""
        deadline = time.monotonic() + EXIT_WAIT_SECONDS
        while os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            if time.monotonic() > deadline:
                self.stop()
                return "it closed the channel to the harness and was killed"
            time.sleep(0.01)
        self.stop()
        return describe_exit(self.process.returncode, self.sandboxed)

    def stop(self) -> None:
        """SIGKILL the child's whole process group and wait until it has ended (before reaping it), once."""
        if self.process.returncode is None:
            kill_group(self.process.pid)
            self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()
