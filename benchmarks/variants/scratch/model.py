"""Variant submission: the repository's Model trained from scratch (no data01 pretrained weights)."""

from autospeech_model.config import ModelConfig
from autospeech_model.model import Model as PretrainedModel


class Model(PretrainedModel):
    def __init__(self, metadata):
        super().__init__(metadata, ModelConfig(pretrained_weights=None))
