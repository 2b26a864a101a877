"""Unpickle a dataset's ``train.pkl``/``test.pkl`` without running code from it.

Unpickling calls whatever global a pickle names (``os.system`` as easily as ``numpy.ndarray``). The
:class:`ClipUnpickler` resolves only the globals that a pickled list or tuple of numpy arrays (or numbers)
needs, under every protocol (0-5) and under both numpy 1.x (``numpy.core``) and 2.x (``numpy._core``) names;
any other global is refused with :class:`UnsafePickleError`, naming the file and the global
(:mod:`ingestion.dataset` reports it as a DatasetError). Python 2's strings are read as latin1 (numpy's advice
for its Python 2 pickles, whose array data is such a string): :data:`ENCODING`.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import BinaryIO

import numpy as np


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle names a global outside the allow-list; the message names the file and the global."""


def _latin1_bytes(text: str, encoding: str) -> bytes:
    """Protocols 0-2 spell ``bytes`` as ``_codecs.encode(text, 'latin1')``; no other codec is allowed."""
    if encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"_codecs.encode with codec {encoding!r} is not allowed")
    return text.encode("latin1")


def _empty_bytes() -> bytes:
    """Protocols 0-2 spell ``b''`` as ``bytes()`` (``__builtin__.bytes`` with no argument)."""
    return b""


def _allowed_globals() -> dict[tuple[str, str], object]:
    """(module, name) -> object for what numpy's own reducers reference, whatever numpy's version."""
    array = np.zeros(1)
    callables = {"_reconstruct": ("multiarray", array.__reduce__()[0]),
                 "scalar": ("multiarray", np.float64(0).__reduce__()[0]),
                 "_frombuffer": ("numeric", array.__reduce_ex__(5)[0])}
    allowed: dict[tuple[str, str], object] = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype,
                                              ("_codecs", "encode"): _latin1_bytes,
                                              ("__builtin__", "bytes"): _empty_bytes,
                                              ("builtins", "bytes"): _empty_bytes}
    for core in ("numpy.core", "numpy._core"):
        for name, (module, function) in callables.items():
            allowed[(f"{core}.{module}", name)] = function
    return allowed


ALLOWED_GLOBALS = _allowed_globals()
ENCODING = "latin1"


class ClipUnpickler(pickle.Unpickler):
    """An unpickler that resolves only :data:`ALLOWED_GLOBALS` and refuses every other global."""

    def __init__(self, handle: BinaryIO, path: Path) -> None:
        super().__init__(handle, encoding=ENCODING)
        self.path = path

    def find_class(self, module: str, name: str) -> object:
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafePickleError(f"refusing to unpickle {module}.{name} from {self.path}: only lists of numpy "
                                    f"arrays are allowed; pass --trust-pickle if you trust this file") from None
