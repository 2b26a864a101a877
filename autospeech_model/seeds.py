"""Seed streams: one seed per purpose, derived from the config seed, so that each is reproducible alone."""

from __future__ import annotations

import numpy as np

VALIDATION_STREAM, TEST_STREAM, AUGMENT_STREAM, CLUSTER_STREAM, BOOTSTRAP_STREAM = 1, 2, 3, 4, 5


def derive_seed(*keys: int) -> int:
    """A 31-bit seed derived from integer keys (e.g. the config seed, a stream id and a round index)."""
    return int(np.random.SeedSequence(list(keys)).generate_state(1)[0] >> 1)
