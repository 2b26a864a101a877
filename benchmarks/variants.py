"""The benchmark's variants of the repository's Model, each a ModelConfig, and their code folders: the upload's
files (autospeech.package) with a model.py that builds the Model with the variant's config."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from autospeech.package import ENTRY_POINT, submission_files
from autospeech_model.config import ModelConfig

VARIANTS = {  # name -> the repository's Model's config under that name
    "kon": ModelConfig(),  # model.py as uploaded
    "kon_plain": ModelConfig.kon(),  # Team Kon's recipe alone
    "scratch": ModelConfig(pretrained_weights=None),  # from random weights (its quick model has no embeddings)
}

ENTRY_POINT_TEMPLATE = '''"""Benchmark variant {name!r}, written by benchmarks.variants: the repository's Model with the ModelConfig
fields below changed from their defaults."""

from autospeech_model.config import ModelConfig
from autospeech_model.model import Model as RepositoryModel

CHANGES = {changes!r}


class Model(RepositoryModel):
    def __init__(self, metadata):
        super().__init__(metadata, ModelConfig(**CHANGES))
'''


def config_changes(config: ModelConfig) -> dict:
    """The fields of ``config`` that differ from ModelConfig's defaults; ValueError when one of them is not a
    Python literal (a model.py could not spell it)."""
    default = ModelConfig().to_dict()
    changes = {name: value for name, value in config.to_dict().items() if value != default[name]}
    try:
        literal = ast.literal_eval(repr(changes)) == changes
    except (ValueError, SyntaxError):
        literal = False
    if not literal:
        raise ValueError(f"a variant's ModelConfig changes must be Python literals, got {changes!r}")
    return changes


def entry_point_text(name: str, config: ModelConfig) -> str | None:
    """The model.py of variant ``name`` with ``config``; None when ``config`` is the default (the repository's
    own model.py is that variant)."""
    changes = config_changes(config)
    return ENTRY_POINT_TEMPLATE.format(name=name, changes=changes) if changes else None


def variant_code_folder(name: str, folder: Path, seed: int | None = None) -> Path:
    """Assemble variant ``name`` (with ModelConfig.seed = ``seed`` when given) in ``folder``, emptied first."""
    config = VARIANTS[name] if seed is None else VARIANTS[name].replace(seed=seed)
    shutil.rmtree(folder, ignore_errors=True)
    for path, member in submission_files():
        (folder / member).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / member)
    text = entry_point_text(name, config)
    if text is not None:
        (folder / ENTRY_POINT).write_text(text)
    return folder
