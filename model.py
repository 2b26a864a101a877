"""Platform entry point: the AutoSpeech 2019 ``Model`` (see autospeech_model/model.py)."""

from autospeech_model.model import Model

__all__ = ["Model"]
