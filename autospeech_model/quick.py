"""The quick first model: logistic regression on clip descriptors (the 2019 winner opened with a linear model).

In the scikit-learn manner: parameters in ``__init__``; ``fit`` returns self; learned state ``pipeline_`` and
``classes_``; ``predict_proba`` gives all ``class_num`` columns (classes unseen in training get 0). Descriptors are
(clips, values), or (clips, windows, values) for several windows of each clip: then every window is a training row
with its clip's label, and a clip's probabilities are the mean over its windows (which may number differently).
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from autospeech_model.saved_arrays import shaped


def check_quick_arrays(arrays: dict[str, np.ndarray], class_num: int) -> None:
    """ValueError naming the array unless :meth:`QuickClassifier.to_arrays`'s arrays fit together (a damaged
    file): ``classes`` distinct integers in [0, class_num), at least two; ``mean`` and ``scale`` (features,);
    ``coef`` (rows, features) and ``intercept`` (rows,), one row per class (one for two classes); ``scale`` > 0."""
    classes = arrays["quick_classes"]
    if (classes.ndim != 1 or classes.dtype.kind not in "iu" or len(classes) < 2
            or len(set(classes.tolist())) != len(classes) or classes.min() < 0 or classes.max() >= class_num):
        raise ValueError(f"quick_classes {classes!r} must be at least two distinct class indices in "
                         f"[0, {class_num})")
    features = arrays["quick_coef"].shape[1:]
    rows = 1 if len(classes) == 2 else len(classes)
    expected = {"quick_mean": features, "quick_scale": features, "quick_coef": (rows, *features),
                "quick_intercept": (rows,)}
    for key, shape in expected.items():
        shaped(arrays, key, shape)
    if (arrays["quick_scale"] <= 0).any():
        raise ValueError("quick_scale holds values <= 0 (a standard deviation: the scaler keeps 1 for 0)")


class QuickClassifier:
    """StandardScaler → multinomial LogisticRegression(C=regularization) over ``class_num`` classes."""

    def __init__(self, class_num: int, regularization: float = 1.0, max_iter: int = 300):
        self.class_num = class_num
        self.regularization = regularization
        self.max_iter = max_iter

    def fit(self, descriptors: np.ndarray, labels: np.ndarray) -> QuickClassifier:
        """Fit on descriptors and one-hot (or class-index) labels; needs at least two classes present."""
        targets = labels.argmax(axis=1) if labels.ndim == 2 else labels
        if descriptors.ndim == 3:  # every window a row with its clip's label
            targets = np.repeat(targets, descriptors.shape[1])
            descriptors = descriptors.reshape(-1, descriptors.shape[-1])
        self.pipeline_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.regularization,
                                                                            max_iter=self.max_iter))
        self.pipeline_.fit(descriptors, targets)
        self.classes_ = self.pipeline_.classes_
        return self

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The learned state as plain arrays (saved without pickle)."""
        scaler, regression = self.pipeline_[0], self.pipeline_[-1]
        return {"quick_mean": scaler.mean_, "quick_scale": scaler.scale_, "quick_coef": regression.coef_,
                "quick_intercept": regression.intercept_, "quick_classes": self.classes_}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], class_num: int) -> QuickClassifier:
        """Inverse of :meth:`to_arrays`; ValueError when the arrays do not fit together (a damaged file)."""
        check_quick_arrays(arrays, class_num)
        quick = cls(class_num)
        scaler, regression = StandardScaler(), LogisticRegression()
        scaler.mean_, scaler.scale_, scaler.var_ = arrays["quick_mean"], arrays["quick_scale"], arrays["quick_scale"] ** 2
        regression.coef_, regression.intercept_ = arrays["quick_coef"], arrays["quick_intercept"]
        scaler.n_features_in_ = regression.n_features_in_ = len(arrays["quick_mean"])
        regression.classes_ = quick.classes_ = arrays["quick_classes"]
        quick.pipeline_ = make_pipeline(scaler, regression)
        return quick

    def predict_proba(self, descriptors: np.ndarray) -> np.ndarray:
        """(clips, class_num) probabilities; of (clips, windows, values) descriptors the mean over the windows."""
        if descriptors.ndim == 3:
            rows = self.predict_proba(descriptors.reshape(-1, descriptors.shape[-1]))
            return rows.reshape(len(descriptors), descriptors.shape[1], self.class_num).mean(axis=1)
        probabilities = np.zeros((len(descriptors), self.class_num), dtype=np.float32)
        if len(descriptors):
            probabilities[:, self.classes_] = self.pipeline_.predict_proba(descriptors)
        return probabilities
