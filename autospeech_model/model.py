"""The AutoSpeech ``Model``: Team Kon's recipe behind the official train/test/done_training interface.

Train call (DESIGN): the first call computes and caches the log-mel features of the training clips, splits
them 90/10 (stratified, seeded) and builds the classifier from the pretrained data01 model. Every call then
runs rounds of ``epochs_per_round`` (5) augmented epochs, scoring each round on the validation clips (one
random crop each, the same crops every round); it returns as soon as a round beats the best score so far, so
that ingestion predicts with the improved model. The first round always returns (early first prediction,
which the ALC metric rewards). Without validation (too few clips) every round returns.

Budget: ``done_training`` becomes True once the remaining budget is ≤ ``stop_fraction`` (1/8) of the time
budget (checked before each round and when returning, counting the estimated time of the next test call),
or when the deadline stopped a round. The deadline is the remaining budget minus the estimated time of the
validation and the next test call (both measured, times ``time_safety_factor``, plus
``time_safety_seconds``): fitting stops at the batch or epoch whose successor would pass it, so a train call
never eats the time of the prediction that follows it.

The time budget is meta.json's ``time_budget``; if absent, the ``remaining_time_budget`` of the first train
call; if that is None too, ``config.default_time_budget`` (1800 s, the kit's default). When calls get no
``remaining_time_budget``, the model counts down from the time budget by the time spent in its own calls.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import keras
import numpy as np

from autospeech_model.augment import steps_per_epoch, training_dataset
from autospeech_model.config import ModelConfig
from autospeech_model.features import build_frontend, extract_features
from autospeech_model.network import create_network
from autospeech_model.split import validation_split
from autospeech_model.training import DeadlineStop, predict_crops, validation_score

logger = logging.getLogger(__name__)

CLASSIFIER_FILE = "classifier.keras"
SETTINGS_FILE = "model.json"
VALIDATION_STREAM, TEST_STREAM, AUGMENT_STREAM = 1, 2, 3


def derive_seed(*keys: int) -> int:
    """A 31-bit seed derived from integer keys (e.g. the config seed, a stream id and a round index)."""
    return int(np.random.SeedSequence(list(keys)).generate_state(1)[0] >> 1)


class Model:
    """Log-mel CNN classifier (Team Kon, AutoSpeech 2019) with the official kit's interface."""

    def __init__(self, metadata: dict, config: ModelConfig | None = None):
        self.metadata = dict(metadata)
        self.config = config or ModelConfig()
        self.class_num = int(self.metadata["class_num"])
        self.done_training = False
        self.time_budget: float | None = (float(self.metadata["time_budget"])
                                          if self.metadata.get("time_budget") is not None else None)
        self.network: keras.Model | None = None
        self.rounds = 0
        self.best_score: float | None = None
        self.epoch_seconds: float | None = None
        self._frontend: keras.Model | None = None
        self._train_set: tuple[np.ndarray, np.ndarray] | None = None
        self._validation_set: tuple[np.ndarray, np.ndarray] | None = None
        self._test_source: list | None = None
        self._test_features: np.ndarray | None = None
        self._feature_seconds_per_clip = 0.0
        self._predict_pass_seconds = 0.0
        self._predict_pass_clips = 1
        self._last_test_seconds: float | None = None
        self._spent = 0.0

    # --- official interface -------------------------------------------------------------------------------

    def train(self, dataset: tuple[list, np.ndarray], remaining_time_budget: float | None = None) -> None:
        """Train until the validation score improves, the budget rule ends training, or the deadline nears."""
        start = time.monotonic()
        try:
            self._train(dataset, remaining_time_budget, start)
        finally:
            self._spent += time.monotonic() - start

    def test(self, x_list: list, remaining_time_budget: float | None = None) -> np.ndarray:
        """Scores (len(x_list), class_num): softmax averaged over ``tta_passes`` random crops per clip."""
        start = time.monotonic()
        try:
            if self.network is None:
                raise RuntimeError("test() called before train() or load(): the model has no classifier yet")
            features = self._test_features_of(x_list)
            if len(features) == 0:
                return np.zeros((0, self.class_num), dtype=np.float32)
            return predict_crops(self.network, features, self.config, self.config.tta_passes,
                                 derive_seed(self.config.seed, TEST_STREAM))
        finally:
            self._last_test_seconds = time.monotonic() - start
            self._spent += self._last_test_seconds

    # --- reuse after training -----------------------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Write the classifier (``classifier.keras``) and ``model.json`` (class_num, metadata, config)."""
        if self.network is None:
            raise RuntimeError("nothing to save: train() has not built the classifier yet")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.network.save(directory / CLASSIFIER_FILE)
        settings = {"class_num": self.class_num, "metadata": self.metadata, "config": self.config.to_dict()}
        (directory / SETTINGS_FILE).write_text(json.dumps(settings, indent=1) + "\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> Model:
        """A model restored by :meth:`save` for prediction: its ``test`` gives the saved model's predictions.

        It is marked done; calling ``train`` on it would start a new classifier from ``config``.
        """
        directory = Path(directory)
        settings_path, classifier_path = directory / SETTINGS_FILE, directory / CLASSIFIER_FILE
        for path in (settings_path, classifier_path):
            if not path.is_file():
                raise FileNotFoundError(f"not a saved autospeech model: {path} is missing")
        try:
            settings = json.loads(settings_path.read_text())
            metadata = {**settings["metadata"], "class_num": settings["class_num"]}
            model = cls(metadata, ModelConfig.from_dict(settings["config"]))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise ValueError(f"invalid saved-model settings {settings_path}: {error!r}") from error
        model.network = keras.models.load_model(classifier_path, compile=False)
        model.done_training = True
        return model

    # --- internals ----------------------------------------------------------------------------------------

    def _train(self, dataset: tuple[list, np.ndarray], remaining_time_budget: float | None, start: float) -> None:
        if self.time_budget is None:
            self.time_budget = (float(remaining_time_budget) if remaining_time_budget is not None
                                else self.config.default_time_budget)
        remaining = (float(remaining_time_budget) if remaining_time_budget is not None
                     else self.time_budget - self._spent)
        end = start + remaining
        reserve = self.config.stop_fraction * self.time_budget
        if self._train_set is None:
            self._prepare(dataset)
        while True:
            if end - time.monotonic() <= reserve:
                logger.info("done: %.1f s left, at most %.3g x the time budget", end - time.monotonic(),
                            self.config.stop_fraction)
                self.done_training = True
                return
            deadline = end - self._safety(self._estimate_test_seconds() + self._estimate_validation_seconds())
            stopper = self._fit_round(deadline)
            if stopper.stopped:
                logger.info("stopping training: the next epoch would not leave time for the test call")
                self.done_training = True
                return
            score = self._validate()
            improved = score is None or self.best_score is None or score > self.best_score
            if improved and score is not None:
                self.best_score = score
            if improved:  # always true in the first round: there is no best score yet
                break
        left_after_test = end - time.monotonic() - self._safety(self._estimate_test_seconds())
        if left_after_test <= reserve:
            logger.info("done: about %.1f s will be left after the next test call", left_after_test)
            self.done_training = True

    def _prepare(self, dataset: tuple[list, np.ndarray]) -> None:
        """Features of the training clips, the split, the classifier, and a first timing of prediction."""
        x_list, labels = dataset
        labels = np.asarray(labels, dtype=np.float32)
        if len(x_list) == 0:
            raise ValueError("train() got no training clips")
        if labels.shape != (len(x_list), self.class_num):
            raise ValueError(f"train() labels have shape {labels.shape}, expected ({len(x_list)}, "
                             f"{self.class_num}) for {len(x_list)} clips and class_num={self.class_num}")
        started = time.monotonic()
        features = extract_features(self._get_frontend(), x_list, self.config)
        self._feature_seconds_per_clip = (time.monotonic() - started) / len(x_list)
        train_index, validation_index = validation_split(labels, self.config.validation_fraction, self.config.seed)
        self._train_set = (features[train_index], labels[train_index])
        self._validation_set = (features[validation_index], labels[validation_index])
        input_shape = (self.config.crop_frames, self.config.n_mels, 1)
        self.network = create_network(input_shape, self.class_num, self.config)
        sample = features[: self.config.predict_batch_size]
        predict_crops(self.network, sample, self.config, 1, self.config.seed)  # traces the predict function
        started = time.monotonic()
        predict_crops(self.network, sample, self.config, 1, self.config.seed)
        self._predict_pass_seconds, self._predict_pass_clips = time.monotonic() - started, len(sample)
        logger.info("features of %d clips: %.4f s/clip; a prediction pass over %d clips: %.3f s; "
                    "%d train, %d validation clips", len(x_list), self._feature_seconds_per_clip,
                    len(sample), self._predict_pass_seconds, len(train_index), len(validation_index))

    def _fit_round(self, deadline: float) -> DeadlineStop:
        features, labels = self._train_set
        epochs = self.config.epochs_per_round
        seed = derive_seed(self.config.seed, AUGMENT_STREAM, self.rounds)
        stopper = DeadlineStop(deadline, self.config.time_safety_factor)
        self.network.fit(training_dataset(features, labels, self.config, epochs, seed), epochs=epochs,
                         steps_per_epoch=steps_per_epoch(len(features), self.config.batch_size),
                         callbacks=[stopper], verbose=0)
        self.rounds += 1
        self.epoch_seconds = stopper.epoch_seconds
        return stopper

    def _validate(self) -> float | None:
        features, labels = self._validation_set
        if len(features) == 0:
            return None
        probabilities = predict_crops(self.network, features, self.config, 1,
                                      derive_seed(self.config.seed, VALIDATION_STREAM))
        score = validation_score(labels, probabilities)
        logger.info("round %d: validation 2*AUC-1 %s (best %s), %s s/epoch", self.rounds, score,
                    self.best_score, self.epoch_seconds)
        return score

    def _test_features_of(self, x_list: list) -> np.ndarray:
        """Features of ``x_list``, computed once and reused while test() gets the same list object."""
        if x_list is not self._test_source:
            self._test_features = extract_features(self._get_frontend(), x_list, self.config)
            self._test_source = x_list
        return self._test_features

    def _get_frontend(self) -> keras.Model:
        if self._frontend is None:
            self._frontend = build_frontend(self.config)
        return self._frontend

    def _estimate_test_seconds(self) -> float:
        if self._last_test_seconds is not None and self._test_features is not None:
            return self._last_test_seconds
        clips = int(self.metadata.get("test_num", len(self._train_set[0])))
        return clips * self._feature_seconds_per_clip + self.config.tta_passes * self._estimate_pass_seconds(clips)

    def _estimate_validation_seconds(self) -> float:
        return self._estimate_pass_seconds(len(self._validation_set[0]))

    def _estimate_pass_seconds(self, clips: int) -> float:
        """One prediction pass over ``clips`` clips, scaled from the timed pass (never below its time)."""
        return self._predict_pass_seconds * max(1.0, clips / self._predict_pass_clips)

    def _safety(self, seconds: float) -> float:
        return self.config.time_safety_factor * seconds + self.config.time_safety_seconds
