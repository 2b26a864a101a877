"""Clip descriptor statistics: computed in batches, the same as all at once and as each clip alone."""

from __future__ import annotations

import numpy as np

from autospeech_model.descriptors import CEPSTRAL_COEFFICIENTS, statistics


def images(clips: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(clips, 157, 128, 1)).astype(np.float32)


def test_batches_give_each_clip_the_statistics_it_has_alone():
    clips = images(7)
    batched = statistics(clips, batch_size=3)  # batches of 3, 3 and 1
    assert batched.shape == (7, 2 * 128 + 2 * CEPSTRAL_COEFFICIENTS) and batched.dtype == np.float32
    np.testing.assert_allclose(batched, statistics(clips, batch_size=7), rtol=1e-6, atol=1e-6)
    for index in (0, 3, 6):
        np.testing.assert_allclose(batched[index], statistics(clips[index:index + 1], batch_size=1)[0],
                                   rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(batched[:, :128], clips[..., 0].mean(axis=1), rtol=1e-5, atol=1e-6)


def test_no_clips_give_no_rows():
    assert statistics(images(0), batch_size=4).shape == (0, 2 * 128 + 2 * CEPSTRAL_COEFFICIENTS)
