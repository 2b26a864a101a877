"""The submission's side of the harness, and the message format both sides speak.

The harness starts ``python -I -S -c SOURCE`` with SOURCE = a line that appends the harness's site-packages
folders to ``sys.path``, then this file's text (see :mod:`ingestion.submission`), so the child runs it as
``__main__`` with nothing from the harness on its path or in its argv. ``-S`` skips the start-up hooks of
site-packages' ``.pth`` files, which would otherwise give the child an editable install's import finder, and with
it the harness's own packages. (No ``from __future__`` import here: SOURCE does not start with this file.) It
depends on the standard library and numpy only. The child:

0. asks the kernel (Linux ``prctl(PR_SET_PDEATHSIG)``) to SIGKILL it when the harness's process ends, however
   it ends: a harness killed with SIGKILL runs no clean-up, and outside the sandbox (whose bubblewrap dies
   with its parent) the model would train on, unseen, on the machine's CPUs; and volunteers as the first
   process the kernel's OOM killer takes;
1. keeps its stdin and stdout as the command and reply channel, and points fd 0 at /dev/null and fd 1 at
   stderr, so whatever the model (or a program it starts) prints cannot corrupt the channel;
2. receives the setup message: the code folder and the metadata;
3. appends the code folder (its only project path) to ``sys.path``, imports ``model.py`` from it and builds
   ``Model(metadata)``, then answers ``ready`` with ``done_training``; only then does it receive the clips and
   training labels (the data message, unanswered), so no uncharged code of the model can reach them (a thread
   it started could only during their transfer, which is as long as the data, not the setup limit);
4. serves ``train`` and ``test`` commands until the harness kills it, answering ``trained`` and ``predicted``
   (the prediction as float64 and ``done_training``). Any exception of the model, ``sys.exit`` included, is
   answered with one ``error`` line naming its type, message and the model's file:line, and ends the child.

A message is an 8-byte little-endian length, a JSON object of that length (``kind``, the count ``arrays`` and
other fields), then that many arrays in numpy's .npy format (never pickled: ``allow_pickle=False``). The
harness imports this module for :func:`send`, :func:`receive`, :class:`Channel` and :func:`describe_error`.
"""

import ctypes
import importlib.util
import json
import os
import signal
import struct
import sys
import traceback

import numpy as np

LENGTH = struct.Struct("<Q")
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
MAX_HEADER_BYTES = 64 * 1024  # a message's JSON part; error texts are cut to ERROR_CHARS
ERROR_CHARS = 1000


class ProtocolError(ValueError):
    """A message does not follow the format, or is larger than the reader allows."""


class Channel:
    """Whole messages over a pair of pipe file descriptors. Blocking here; the harness's subclass adds a deadline
    and a size limit by overriding :meth:`wait` and :meth:`count`."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd, self.write_fd = read_fd, write_fd

    def wait(self, fd: int, writing: bool) -> None:
        """Return once ``fd`` can be read (or written); blocking descriptors need no wait."""

    def count(self, size: int) -> None:
        """Account for ``size`` bytes about to be read."""

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes; EOFError when the other side has closed its end."""
        self.count(size)
        chunks = []
        while size:
            self.wait(self.read_fd, writing=False)
            chunk = os.read(self.read_fd, min(size, 1 << 20))
            if not chunk:
                raise EOFError("the other side closed the channel")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            self.wait(self.write_fd, writing=True)
            view = view[os.write(self.write_fd, view):]


def send(channel: Channel, kind: str, fields: dict | None = None, arrays: tuple[np.ndarray, ...] = ()) -> None:
    """Write one message: ``kind``, JSON-serialisable ``fields`` and ``arrays`` (.npy, no pickles)."""
    header = json.dumps({**(fields or {}), "kind": kind, "arrays": len(arrays)}).encode()
    channel.write(LENGTH.pack(len(header)) + header)
    for array in arrays:
        np.lib.format.write_array(channel, np.asarray(array), allow_pickle=False)


def receive(channel: Channel) -> tuple[dict, list[np.ndarray]]:
    """Read one message: its JSON fields (``kind`` among them) and its arrays."""
    (size,) = LENGTH.unpack(channel.read(LENGTH.size))
    if size > MAX_HEADER_BYTES:
        raise ProtocolError(f"a message header of {size} bytes (at most {MAX_HEADER_BYTES})")
    try:
        header = json.loads(channel.read(size))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ProtocolError(f"a message header that is not JSON: {error}") from error
    if not (isinstance(header, dict) and isinstance(header.get("kind"), str)
            and type(header.get("arrays")) is int and 0 <= header["arrays"] <= 8):
        raise ProtocolError("a message header without a kind and an array count")
    try:
        arrays = [np.lib.format.read_array(channel, allow_pickle=False) for _ in range(header["arrays"])]
    except (ValueError, MemoryError) as error:
        raise ProtocolError(f"an array that is not valid .npy data: {error}") from error
    return header, arrays


def describe_error(error: BaseException, code_dir: str) -> str:
    """One line: what the model did (raised TYPE: MESSAGE, or called sys.exit(CODE)) and where: the innermost
    frame inside ``code_dir``, else the innermost one outside this bootstrap (run as ``<string>``)."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename != "<string>"]
    own = [frame for frame in frames if os.path.abspath(frame.filename).startswith(os.path.join(code_dir, ""))]
    frame = (own or frames or [None])[-1]
    where = f" (at {frame.filename}:{frame.lineno} in {frame.name})" if frame else ""
    what = (f"called sys.exit({error.code!r})" if isinstance(error, SystemExit)
            else f"raised {type(error).__name__}: {error}")
    return " ".join(f"{what}{where}".split())[:ERROR_CHARS]


def clips(flat: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    """The clips concatenated in ``flat``, clip K being ``flat[offsets[K]:offsets[K + 1]]``."""
    return [flat[start:end] for start, end in zip(offsets[:-1], offsets[1:])]


def serve(channel: Channel) -> None:
    """Set the model up from the first message, then answer train and test commands until killed."""
    setup, _ = receive(channel)
    code_dir = setup["code_dir"]

    def answer(failure: str, call):
        try:
            return call()
        except BaseException as error:  # the model's sys.exit and KeyboardInterrupt too: report, then stop
            send(channel, "error", {"error": failure + describe_error(error, code_dir)})
            os._exit(1)

    model_class = answer("failed to import model.py: ", lambda: import_model(code_dir))
    model = answer("failed in Model(metadata): ", lambda: model_class(setup["metadata"]))
    send(channel, "ready", {"done_training": answer("", lambda: bool(model.done_training))})
    _, arrays = receive(channel)
    train = (clips(arrays[0], arrays[1]), arrays[2])
    test_x = clips(arrays[3], arrays[4])
    while True:
        command, _ = receive(channel)
        remaining = command["remaining"]
        if command["kind"] == "train":
            answer("", lambda: model.train(train, remaining_time_budget=remaining))
            send(channel, "trained")
            continue
        prediction = answer("", lambda: model.test(test_x, remaining_time_budget=remaining))
        array = answer(f"test() returned {type(prediction).__name__}, not a numeric array: ",
                       lambda: np.asarray(prediction, dtype=np.float64))
        send(channel, "predicted", {"done_training": answer("", lambda: bool(model.done_training))}, (array,))


def import_model(code_dir: str) -> type:
    """``Model`` from ``code_dir/model.py`` (imported as ``model``); ``code_dir`` is appended to ``sys.path``."""
    sys.path.append(code_dir)
    spec = importlib.util.spec_from_file_location("model", os.path.join(code_dir, "model.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["model"] = module
    spec.loader.exec_module(module)
    if not isinstance(getattr(module, "Model", None), type):
        raise ImportError(f"{spec.origin} defines no Model class")
    return module.Model


def die_with_parent() -> None:
    """SIGKILL this process when its parent ends (Linux; elsewhere nothing). Should the parent have ended
    before this call, the channel's first read meets the end of the pipe, and the child ends too."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def first_for_the_oom_killer() -> None:
    """Make this process, and every one it starts, the kernel's first choice when memory runs out
    (``oom_score_adj`` 1000, which only a privileged process could lower again), never the harness."""
    try:
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")
    except OSError:  # not Linux, or no /proc
        pass


def main() -> None:
    die_with_parent()
    first_for_the_oom_killer()
    channel = Channel(os.dup(0), os.dup(1))  # dup'ed descriptors are not inherited by the model's programs
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    try:
        serve(channel)
    except (EOFError, BrokenPipeError):  # the harness closed the channel: nothing left to do
        pass


if __name__ == "__main__":
    main()
