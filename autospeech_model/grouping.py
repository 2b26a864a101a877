"""Pseudo-groups for an honest validation split when the data's real groups (speaker, recording) are unknown.

All training clips are clustered by k-means on their (standardised) embeddings into ``clusters_per_class ×
class_num`` clusters, and whole clusters are held out, so near-identical clips (one voice, one recording) do not sit
on both sides. Measured with ``python -m benchmarks.validation_schemes --seeds 10 --clusters 2,4,8`` (the quick
model's logistic regression on the statistics, 20 % held out; the README's "Validation schemes" has the tables) on
the five sample datasets and the four full-size ones: the mean |validation − test| of 2·AUC − 1 was 0.130 with 4
clusters per class of the statistics and 0.136 of the embeddings, against 0.155 for a clip-level split and 0.088 for
holding out the true groups (which the model cannot see); 2 and 8 clusters per class gave 0.147 and 0.123
(statistics), 0.167 and 0.120 (embeddings): 8 on the statistics was closer on five sets and further on three (0.119
against 0.226 on the sample data04 makes most of its lead), no consistent gain, and the ensemble's rules were
measured with 4, so 4 is kept. A clip-level split let the CNN score 1.0 on validation by recognising voices while
the test set, of other voices, stayed at chance (the issue's accent-like set); clusters within each class were too
pessimistic (an earlier measurement: 0.50; the model learns "this voice is not this class"). No split closes the gap
on the full data04 (music, groups are tracks): the true groups validate at 0.90 and test at 0.71.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler


class PseudoGroups:
    """k-means clusters of clip embeddings; ``groups_`` are the fitted clips' clusters, ``assign`` places new
    clips in the nearest one."""

    def __init__(self, class_num: int, clusters_per_class: int, seed: int):
        self.class_num = class_num
        self.clusters_per_class = clusters_per_class
        self.seed = seed

    def fit(self, embeddings: np.ndarray) -> PseudoGroups | None:
        """Cluster ``embeddings``; None when there are too few clips for two clusters of two."""
        clusters = min(self.clusters_per_class * self.class_num, len(embeddings) // 2)
        if clusters < 2:
            return None
        self.scaler_ = StandardScaler().fit(embeddings)
        self.kmeans_ = KMeans(n_clusters=clusters, n_init=3, random_state=self.seed)
        self.groups_ = self.kmeans_.fit_predict(self.scaler_.transform(embeddings))
        return self

    def assign(self, embeddings: np.ndarray) -> np.ndarray:
        """The nearest cluster of each clip."""
        return self.kmeans_.predict(self.scaler_.transform(embeddings))
