"""Kon's CNN as an estimator in the scikit-learn manner, on standardised log-mel images.

Parameters live in ``config`` (set in ``__init__``); learned state is set by :meth:`CNNClassifier.build`,
:meth:`~CNNClassifier.fit` and :meth:`~CNNClassifier.load` and ends in an underscore: ``network_`` (the compiled
Keras classifier), ``rounds_`` (fit calls so far), ``epoch_seconds_`` and ``stopped_early_`` (of the last fit).
``fit`` always continues from the current weights: a loaded or already fitted classifier is never restarted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import keras
import numpy as np

from autospeech_model.augment import steps_per_epoch, training_dataset
from autospeech_model.config import ModelConfig
from autospeech_model.network import create_network
from autospeech_model.seeds import AUGMENT_STREAM, derive_seed
from autospeech_model.training import DeadlineStop, predict_crops

NETWORK_FILE = "classifier.keras"
SETTINGS_FILE = "classifier.json"


class CNNClassifier:
    """The 5-block CNN (DESIGN), pretrained on data01 unless ``config.pretrained_weights`` is None."""

    def __init__(self, config: ModelConfig | None = None):
        self.config = config or ModelConfig()

    @property
    def built(self) -> bool:
        return hasattr(self, "network_")

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return self.config.crop_frames, self.config.n_mels, 1

    def build(self, class_num: int) -> CNNClassifier:
        """Create the compiled network for ``class_num`` classes (pretrained layers, new head)."""
        self.network_ = create_network(self.input_shape, class_num, self.config)
        self.rounds_ = 0
        self.epoch_seconds_: float | None = None
        self.stopped_early_ = False
        return self

    def warm_up(self, class_num: int) -> CNNClassifier:
        """Trace the train and predict functions on dummy data of the right shapes, then restore the weights and
        the optimiser state: later ``fit``/``predict_proba`` calls start computing at once."""
        self.network_.optimizer.build(self.network_.trainable_variables)  # its slots exist before the snapshot
        weights = self.network_.get_weights()
        optimizer_state = [variable.numpy() for variable in self.network_.optimizer.variables]
        images = np.zeros((self.config.batch_size, self.config.n_frames, self.config.n_mels, 1), np.float32)
        labels = np.eye(class_num, dtype=np.float32)[np.arange(len(images)) % class_num]
        self.network_.fit(training_dataset(images, labels, self.config, 1, 0), epochs=1, steps_per_epoch=1,
                          verbose=0)
        self.predict_proba(images, passes=1, seed=0)
        self.network_.set_weights(weights)
        for variable, value in zip(self.network_.optimizer.variables, optimizer_state):
            variable.assign(value)
        return self

    def fit(self, features: np.ndarray, labels: np.ndarray, epochs: int | None = None, deadline: float | None = None,
            clock: Callable[[], float] = time.monotonic, callbacks: Sequence[keras.callbacks.Callback] = (),
            verbose: int = 0) -> CNNClassifier:
        """Train ``epochs`` (default ``epochs_per_round``) augmented epochs from the current weights, stopping at
        the batch or epoch whose successor would end after ``deadline`` (on ``clock``)."""
        if not self.built:
            self.build(labels.shape[1])
        epochs = epochs or self.config.epochs_per_round
        stopper = DeadlineStop(float("inf") if deadline is None else deadline, self.config.time_safety_factor, clock)
        seed = derive_seed(self.config.seed, AUGMENT_STREAM, self.rounds_)
        self.network_.fit(training_dataset(features, labels, self.config, epochs, seed), epochs=epochs,
                          steps_per_epoch=steps_per_epoch(len(features), self.config.batch_size),
                          callbacks=[stopper, *callbacks], verbose=verbose)
        self.rounds_ += 1
        self.epoch_seconds_, self.stopped_early_ = stopper.epoch_seconds, stopper.stopped
        return self

    def predict_proba(self, features: np.ndarray, passes: int | None = None, seed: int | None = None) -> np.ndarray:
        """Softmax averaged over ``passes`` (default ``tta_passes``) random 64-frame crops per clip."""
        if len(features) == 0:
            return np.zeros((0, self.network_.output_shape[-1]), np.float32)
        return predict_crops(self.network_, features, self.config, passes or self.config.tta_passes,
                             self.config.seed if seed is None else seed)

    def save(self, directory: str | Path) -> Path:
        """Write ``classifier.keras`` and ``classifier.json`` (config, rounds) to ``directory``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.network_.save(directory / NETWORK_FILE)
        settings = {"config": self.config.to_dict(), "rounds": self.rounds_}
        (directory / SETTINGS_FILE).write_text(json.dumps(settings, indent=1) + "\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> CNNClassifier:
        """A classifier restored by :meth:`save`, with its optimiser state: ``fit`` continues its training."""
        directory = Path(directory)
        for path in (directory / SETTINGS_FILE, directory / NETWORK_FILE):
            if not path.is_file():
                raise FileNotFoundError(f"not a saved classifier: {path} is missing")
        try:
            settings = json.loads((directory / SETTINGS_FILE).read_text())
            classifier = cls(ModelConfig.from_dict(settings["config"]))
            rounds = int(settings["rounds"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, RecursionError) as error:
            raise ValueError(f"invalid classifier settings {directory / SETTINGS_FILE}: {error!r}") from error
        classifier.network_ = keras.models.load_model(directory / NETWORK_FILE)
        classifier.rounds_, classifier.epoch_seconds_, classifier.stopped_early_ = rounds, None, False
        return classifier
