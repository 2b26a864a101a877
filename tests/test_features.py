"""Waveform preparation and the kapre log-mel front end, checked against librosa."""

from __future__ import annotations

import librosa
import numpy as np
import pytest

from autospeech_model.audio import fit_length
from autospeech_model.config import ModelConfig
from autospeech_model.features import build_frontend, build_log_mel, extract_features
from tests.model_fixtures import labelled_clips

CONFIG = ModelConfig()

# kapre (float32, TensorFlow FFT) vs librosa (float64, NumPy FFT) with the framing made identical (see
# test below): both use the same periodic Hann window and librosa's own Slaney mel filterbank (kapre calls
# librosa.filters.mel), so only float32 rounding differs; near the −80 dB floor a float32 power carries
# ~1e-7 relative error of the clip maximum, i.e. a few 1e-5 dB. 1e-3 dB leaves margin for other FFT kernels.
DB_TOLERANCE = 1e-3


@pytest.fixture(scope="module")
def frontend():
    return build_frontend(CONFIG)


def test_fit_length_tiles_short_clips_and_cuts_long_ones():
    short = np.array([0.25, 0.5, 0.75], dtype=np.float32)
    np.testing.assert_array_equal(fit_length(short, 7), [0.25, 0.5, 0.75, 0.25, 0.5, 0.75, 0.25])
    np.testing.assert_array_equal(fit_length(np.arange(10) / 16, 4), [0, 1 / 16, 2 / 16, 3 / 16])
    assert fit_length(np.arange(80000), 80000).shape == (80000,)


def test_odd_clips_become_finite_fixed_length_arrays():
    np.testing.assert_array_equal(fit_length(np.zeros(0), 5), np.zeros(5))
    np.testing.assert_array_equal(fit_length(np.array([0.5]), 3), [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(fit_length(np.array([np.nan, np.inf, -np.inf, 0.25]), 6), [0, 0, 0, 0.25, 0, 0])
    np.testing.assert_array_equal(fit_length(np.array([1e300, 0.5]), 2), [0, 0.5])  # float32 overflow → 0
    assert fit_length(np.array([[0.1, 0.2]]), 3).shape == (3,)  # any shape is flattened
    assert fit_length(np.arange(3, dtype=np.int16), 4).dtype == np.float32
    np.testing.assert_allclose(fit_length(np.array([1e30, -2e30, 0.5]), 3), [0.5, -1, 2.5e-31])  # peak 1
    np.testing.assert_array_equal(fit_length(np.array([1.0, -0.5]), 2), [1.0, -0.5])  # within ±1: unscaled


@pytest.mark.parametrize("size", [1, 2, 3, 7, 999, 1000, 1001, 4000])
def test_fit_length_in_place_equals_tiling_then_cutting(size):
    clip = np.random.default_rng(size).uniform(-1, 1, size)
    out = np.full(1000, np.nan, dtype=np.float32)
    assert fit_length(clip, 1000, out=out) is out
    np.testing.assert_array_equal(out, np.tile(clip.astype(np.float32), -(-1000 // size))[:1000])


def test_log_mel_matches_librosa_reference():
    clips, _ = labelled_clips(1, 1)
    waveform = fit_length(clips[0], CONFIG.clip_samples)
    ours = build_log_mel(CONFIG)(waveform[None]).numpy()[0, :, :, 0]
    # tf.signal.stft(pad_end=True) frames the clip from sample 0 and zero-pads the end to
    # (157 − 1) × 512 + 1024 samples; librosa's default centres frames instead (pads n_fft/2 both sides),
    # which shifts every frame by one hop, so the reference uses center=False on the same padded signal.
    padded = np.pad(waveform.astype(np.float64), (0, (CONFIG.n_frames - 1) * CONFIG.hop_length
                                                  + CONFIG.n_dft - CONFIG.clip_samples))
    power = librosa.feature.melspectrogram(y=padded, sr=CONFIG.sample_rate, n_fft=CONFIG.n_dft,
                                           hop_length=CONFIG.hop_length, center=False, power=2.0,
                                           n_mels=CONFIG.n_mels, fmin=CONFIG.fmin, fmax=CONFIG.fmax)
    reference = librosa.power_to_db(power, ref=np.max, amin=CONFIG.amin, top_db=CONFIG.top_db).T
    assert ours.shape == reference.shape == (157, 64)
    assert ours.max() == 0.0 and ours.min() >= -80.0
    np.testing.assert_allclose(ours, reference, atol=DB_TOLERANCE, rtol=0)


def test_features_are_standardised_per_clip_and_finite_for_odd_clips(frontend):
    clips, _ = labelled_clips(2, 1)
    odd = [np.zeros(0), np.zeros(3), np.full(5, np.nan), np.array([0.3]), np.array([np.nan, np.inf, 0.1, -np.inf])]
    features = extract_features(frontend, clips + odd, CONFIG)
    assert features.shape == (7, 157, 64, 1) and features.dtype == np.float32
    assert np.isfinite(features).all()
    flat = features.reshape(len(features), -1)
    np.testing.assert_allclose(flat[:2].mean(axis=1), 0, atol=1e-4)
    np.testing.assert_allclose(flat[:2].std(axis=1), 1, atol=1e-3)
    np.testing.assert_array_equal(features[2:5], 0)  # silence: a constant image → all zeros, not NaN


def test_huge_samples_give_the_features_of_the_clip_at_a_normal_level(frontend):
    clips, _ = labelled_clips(2, 1)
    loud = [clip.astype(np.float64) * scale for clip, scale in zip(clips, (1e30, 40.0))]
    features = extract_features(frontend, clips + loud, CONFIG)
    assert np.isfinite(features).all()
    np.testing.assert_allclose(features[2:], features[:2], atol=1e-3)


def test_batching_does_not_change_features(frontend):
    clips, _ = labelled_clips(3, 1)
    whole = extract_features(frontend, clips, CONFIG)
    batched = extract_features(frontend, clips, CONFIG.replace(feature_batch_size=2))
    np.testing.assert_allclose(batched, whole, atol=1e-5)
    assert extract_features(frontend, [], CONFIG).shape == (0, 157, 64, 1)
