"""Variant submission: Team Kon's recipe alone (no quick model, no ensemble, clip-level validation)."""

from autospeech_model.config import ModelConfig
from autospeech_model.model import Model as FullModel


class Model(FullModel):
    def __init__(self, metadata):
        super().__init__(metadata, ModelConfig.kon())
