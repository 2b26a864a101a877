"""Clip descriptor statistics: computed in batches, the same as all at once and as each clip alone; what the
change and modulation statistics measure; how many windows a clip the window model takes."""

from __future__ import annotations

import numpy as np
import pytest

from autospeech_model.descriptors import (CEPSTRAL_COEFFICIENTS, MODULATION_BINS, MODULATION_GROUPS,
                                          modulation_statistics, statistics, window_count, window_statistics)

MELS = 128
WIDTH = 4 * MELS + 4 * CEPSTRAL_COEFFICIENTS + MODULATION_BINS * MODULATION_GROUPS


def images(clips: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(clips, 157, MELS, 1)).astype(np.float32)


def test_batches_give_each_clip_the_statistics_it_has_alone():
    clips = images(7)
    batched = statistics(clips, batch_size=3)  # batches of 3, 3 and 1
    assert batched.shape == (7, WIDTH) and batched.dtype == np.float32
    np.testing.assert_allclose(batched, statistics(clips, batch_size=7), rtol=1e-6, atol=1e-6)
    for index in (0, 3, 6):
        np.testing.assert_allclose(batched[index], statistics(clips[index:index + 1], batch_size=1)[0],
                                   rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(batched[:, :MELS], clips[..., 0].mean(axis=1), rtol=1e-5, atol=1e-6)


def test_no_clips_give_no_rows():
    assert statistics(images(0), batch_size=4).shape == (0, WIDTH)


def test_a_steady_clip_has_no_change_and_no_modulation():
    steady = np.repeat(images(2)[:, :1], 157, axis=1)  # every frame the same
    described = statistics(steady, batch_size=2)
    np.testing.assert_allclose(described[:, :MELS], steady[:, 0, :, 0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(described[:, MELS:4 * MELS], 0.0, atol=1e-5)  # spread and change of the bands
    np.testing.assert_allclose(described[:, -MODULATION_BINS * MODULATION_GROUPS:], 0.0, atol=1e-5)
    assert np.abs(described[:, 4 * MELS:4 * MELS + CEPSTRAL_COEFFICIENTS]).max() > 0.1  # its cepstral means


def test_a_beat_shows_in_its_group_and_bin_of_the_modulation_spectrum():
    # The lowest eighth of the bands rises and falls at 1 Hz (frames of 32 ms): rfft bin 5 of 157 frames, which
    # lies in the octave of bins 4-8, the third bin; the other groups are steady.
    frames = np.arange(157) * 512 / 16000
    bands = np.zeros((1, 157, MELS))
    bands[:, :, :MELS // MODULATION_GROUPS] = np.sin(2 * np.pi * 1.0 * frames)[None, :, None]
    modulation = modulation_statistics(bands).reshape(MODULATION_BINS, MODULATION_GROUPS)
    assert modulation[:, 0].argmax() == 2
    np.testing.assert_allclose(modulation[:, 1:], 0.0, atol=1e-9)


def test_window_statistics_are_the_statistics_of_evenly_spaced_windows():
    clips = images(3)  # 157 frames: windows of 65 start at 0, 46 and 92
    windows = window_statistics(clips, windows=3, width=65, batch_size=2)
    assert windows.shape == (3, 3, WIDTH) and np.isfinite(windows).all()
    for index, offset in enumerate([0, 46, 92]):
        np.testing.assert_allclose(windows[:, index], statistics(clips[:, offset:offset + 65], 7), rtol=1e-6,
                                   atol=1e-6)
    assert window_statistics(images(0), windows=3, width=64, batch_size=2).shape == (0, 3, WIDTH)


@pytest.mark.parametrize("rows, min_clips, windows", [(72, 24, 3), (71, 0, 2), (48, 0, 2), (47, 0, 0), (72, 25, 0),
                                                      (6000, 0, 3)])
def test_the_window_model_takes_fewer_windows_a_clip_within_its_rows_and_none_below_two_or_on_few_clips(
        rows, min_clips, windows):
    """24 clips: 3 windows each within 72 rows, 2 within 48, and below, or with fewer clips than ``min_clips``,
    none."""
    assert window_count(24, 3, rows, min_clips) == windows
