"""Baseline submission: class frequencies first, then logistic regression on MFCC mean/std statistics.

The fast first prediction and the MFCC-statistics logistic regression follow the 1st-place AutoSpeech 2019
solution's opening move (PASA_NJU, see DESIGN.md). Two rounds, then ``done_training``.
"""

from dataclasses import dataclass

import librosa
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


@dataclass(frozen=True)
class BaselineConfig:
    sample_rate: int = 16000  # kit: all clips are 16 kHz
    max_seconds: float = 5.0  # ours: like the main model, only each clip's first 5 s are used
    n_mfcc: int = 20  # librosa's default
    regularization: float = 1.0  # ours: sklearn's default inverse regularisation strength C
    max_iter: int = 1000  # ours: enough iterations for lbfgs to converge on a few hundred clips


def mfcc_statistics(x_list, config):
    """Per clip: mean and standard deviation over time of each MFCC coefficient (2 × n_mfcc values)."""
    limit = int(config.max_seconds * config.sample_rate)
    rows = []
    for clip in x_list:
        clip = np.asarray(clip, dtype=np.float32)[:limit]
        clip = np.pad(clip, (0, max(0, 2048 - len(clip))))  # at least one full analysis window
        mfcc = librosa.feature.mfcc(y=clip, sr=config.sample_rate, n_mfcc=config.n_mfcc)
        rows.append(np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1)]))
    return np.stack(rows)


class Model:
    def __init__(self, metadata, config=BaselineConfig()):
        self.class_num = metadata["class_num"]
        self.config = config
        self.round = 0
        self.priors = None
        self.classifier = None
        self.done_training = False

    def train(self, dataset, remaining_time_budget=None):
        x_list, labels = dataset
        if self.round == 0:
            self.priors = np.asarray(labels, dtype=float).mean(axis=0)
            return
        self.classifier = make_pipeline(StandardScaler(), LogisticRegression(
            C=self.config.regularization, max_iter=self.config.max_iter))
        self.classifier.fit(mfcc_statistics(x_list, self.config), np.asarray(labels).argmax(axis=1))

    def test(self, x_list, remaining_time_budget=None):
        self.round += 1
        if self.classifier is None:
            return np.tile(self.priors, (len(x_list), 1))
        self.done_training = True
        probabilities = np.zeros((len(x_list), self.class_num))
        probabilities[:, self.classifier.classes_] = self.classifier.predict_proba(
            mfcc_statistics(x_list, self.config))
        return probabilities
