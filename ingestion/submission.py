"""Import the ``Model`` class from a submission's ``model.py``, as the official ingestion program does."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path


class IngestionError(ValueError):
    """The submission could not be run, or broke the ingestion contract; the message names the code folder."""


_import_counter = itertools.count()


def load_model_class(code_dir: str | Path) -> type:
    """Import ``code_dir/model.py`` afresh and return its ``Model`` class.

    ``code_dir`` goes first on ``sys.path`` (and stays there, so the model's own packages and lazy imports
    resolve). Each call imports ``model.py`` under a new module name, so one process can load several
    submissions; packages they import by the same name are shared through ``sys.modules``.
    """
    code_dir = Path(code_dir).resolve()
    path = code_dir / "model.py"
    if not path.is_file():
        raise IngestionError(f"no model.py in the code folder {code_dir}")
    if str(code_dir) not in sys.path:
        sys.path.insert(0, str(code_dir))
    module_name = f"_submission_model_{next(_import_counter)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[module_name]
        raise IngestionError(f"importing {path} failed: {type(error).__name__}: {error}") from error
    model_class = getattr(module, "Model", None)
    if not isinstance(model_class, type):
        raise IngestionError(f"{path} defines no Model class")
    return model_class
