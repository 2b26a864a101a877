"""Fixed-length clip descriptors for the quick linear model and the validation pseudo-groups.

From the standardised log-mel images the CNN also uses: per-band statistics, cepstral statistics (a DCT over
the mel axis, i.e. MFCCs of the same front end, without a second audio pass), and embeddings of the pretrained
data01 CNN (its ``embedding_layer`` over evenly spaced crops) — the pretraining turned into instant transfer.
"""

from __future__ import annotations

import keras
import numpy as np
from scipy.fft import dct

from autospeech_model.config import ModelConfig
from autospeech_model.training import forward

CEPSTRAL_COEFFICIENTS = 20  # ours: librosa's default n_mfcc


def band_statistics(images: np.ndarray) -> np.ndarray:
    """Mean and standard deviation over time of each mel band: (clips, 2 × n_mels)."""
    bands = images[..., 0]
    return np.concatenate([bands.mean(axis=1), bands.std(axis=1)], axis=1)


def cepstral_statistics(images: np.ndarray, coefficients: int = CEPSTRAL_COEFFICIENTS) -> np.ndarray:
    """Mean and standard deviation over time of the first cepstral coefficients: (clips, 2 × coefficients)."""
    cepstra = dct(images[..., 0], type=2, norm="ortho", axis=2)[..., :coefficients]
    return np.concatenate([cepstra.mean(axis=1), cepstra.std(axis=1)], axis=1)


def crop_offsets(frames: int, crop_frames: int, crops: int) -> np.ndarray:
    """Start frames of ``crops`` evenly spaced windows covering the clip (first and last window included)."""
    return np.linspace(0, frames - crop_frames, crops).round().astype(int)


class Embedder:
    """The pretrained CNN truncated at ``config.embedding_layer`` and ``config.grouping_layer``: images → the
    two embeddings, each averaged over ``embedding_crops`` evenly spaced 64-frame crops."""

    def __init__(self, config: ModelConfig):
        self.config = config
        source = keras.models.load_model(config.pretrained_weights, compile=False)
        layers = [source.get_layer(name).output for name in (config.embedding_layer, config.grouping_layer)]
        self.network = keras.Model(source.inputs, keras.layers.Concatenate()(layers))
        self.units = tuple(layer.shape[-1] for layer in layers)

    def embed(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(descriptor embedding, grouping embedding) of each clip."""
        config = self.config
        offsets = crop_offsets(images.shape[1], config.crop_frames, config.embedding_crops)
        total = sum(forward(self.network, images[:, offset:offset + config.crop_frames],
                            config.predict_batch_size) for offset in offsets)
        mean = total / len(offsets)
        return mean[:, :self.units[0]], mean[:, self.units[0]:]


def statistics(images: np.ndarray, batch_size: int) -> np.ndarray:
    """Band and cepstral statistics of each clip: (clips, 2 × n_mels + 2 × CEPSTRAL_COEFFICIENTS), computed
    ``batch_size`` clips at a time (the DCT's temporary is as large as its input: on 9,500 clips, 0.9 GB)."""
    batches = [images[start:start + batch_size] for start in range(0, max(len(images), 1), batch_size)]
    return np.concatenate([np.concatenate([band_statistics(batch), cepstral_statistics(batch)], axis=1)
                           for batch in batches]).astype(np.float32)
