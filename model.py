"""Platform entry point: the AutoSpeech 2019 ``Model`` (see autospeech/model.py)."""

from autospeech.model import Model

__all__ = ["Model"]
