"""The log-mel front end (kapre layers in a Keras graph) and batched feature extraction.

Pipeline per clip (DESIGN): 80,000 samples → STFT (n_dft 1024, hop 512, periodic Hann, ``pad_end`` so that
ceil(80000 / 512) = 157 frames) → |·|² → 64-band Slaney mel filterbank (20 Hz .. 8 kHz) → dB relative to the
clip's maximum, floored at −80 dB → standardised over all the clip's values → (157, 64, 1).

The front end is a Keras model, so it runs on a GPU when one is present; features are computed once per
dataset, in batches, and the caller caches them.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf
from kapre import STFT, ApplyFilterbank, Magnitude, MagnitudeToDecibel

from autospeech_model.audio import fit_length
from autospeech_model.config import ModelConfig


class Power(keras.layers.Layer):
    """Raise a magnitude spectrogram to ``exponent`` (2 gives the power spectrogram)."""

    def __init__(self, exponent: float, **kwargs):
        super().__init__(**kwargs)
        self.exponent = exponent

    def call(self, x):
        return tf.pow(x, self.exponent)


class MaxReference(keras.layers.Layer):
    """Subtract each example's maximum, so that its loudest bin is 0 dB (librosa's ``ref=np.max``)."""

    def call(self, x):
        return x - tf.reduce_max(x, axis=[1, 2, 3], keepdims=True)


class Standardize(keras.layers.Layer):
    """Standardise each example over all its values: (x − mean) / (std + epsilon).

    The epsilon keeps a constant image (a silent clip) finite: it becomes all zeros.
    """

    def __init__(self, epsilon: float, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def call(self, x):
        mean, variance = tf.nn.moments(x, axes=[1, 2, 3], keepdims=True)
        return (x - mean) / (tf.sqrt(variance) + self.epsilon)


def build_log_mel(config: ModelConfig) -> keras.Sequential:
    """Waveforms (batch, clip_samples) → max-referenced log-mel dB (batch, n_frames, n_mels, 1)."""
    return keras.Sequential([
        keras.Input(shape=(config.clip_samples,)),
        keras.layers.Reshape((config.clip_samples, 1)),
        STFT(n_fft=config.n_dft, hop_length=config.hop_length, pad_end=True,
             input_data_format="channels_last", output_data_format="channels_last"),
        Magnitude(),
        Power(config.power),
        ApplyFilterbank(type="mel", data_format="channels_last", filterbank_kwargs={
            "sample_rate": config.sample_rate, "n_freq": config.n_dft // 2 + 1, "n_mels": config.n_mels,
            "f_min": config.fmin, "f_max": config.fmax, "htk": False, "norm": "slaney"}),
        MagnitudeToDecibel(ref_value=1.0, amin=config.amin, dynamic_range=config.top_db),
        MaxReference(),
    ], name="log_mel")


def build_frontend(config: ModelConfig) -> keras.Sequential:
    """Waveforms (batch, clip_samples) → standardised log-mel images (batch, n_frames, n_mels, 1)."""
    log_mel = build_log_mel(config)
    return keras.Sequential([log_mel, Standardize(config.standardize_epsilon)], name="frontend")


def extract_features(frontend: keras.Model, waveforms: Sequence[np.ndarray], config: ModelConfig) -> np.ndarray:
    """Features (len(waveforms), n_frames, n_mels, 1) float32 of clips of any length, in batches.

    Each batch of clips is tiled/cut to ``config.clip_samples`` and sanitised on the CPU into one reused buffer
    (memory stays bounded, no allocation per clip), and the front end runs on the default device (the GPU when
    present).
    """
    shape = (config.n_frames, config.n_mels, 1)
    features = np.empty((len(waveforms), *shape), dtype=np.float32)  # filled in place: no second copy
    batch = np.empty((min(config.feature_batch_size, len(waveforms)), config.clip_samples), dtype=np.float32)
    for start in range(0, len(waveforms), config.feature_batch_size):
        chunk = waveforms[start:start + config.feature_batch_size]
        for row, waveform in zip(batch, chunk):
            fit_length(waveform, config.clip_samples, out=row)
        features[start:start + len(chunk)] = frontend.predict_on_batch(batch[:len(chunk)])
    return features
