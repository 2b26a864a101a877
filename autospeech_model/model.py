"""The platform adapter: the official ``Model`` interface (train / test / done_training) around the estimators.

Construction (not charged by the platform: the kit gives ``import model`` and ``Model(metadata)`` their own
20 minutes) builds the log-mel front end, the pretrained CNN, the embedding network, and traces the train and
predict functions on dummy input, so the first train call computes at once.

First train call: features of (at most ``quick_max_clips`` of) the training clips, the validation split
(pseudo-groups from clustering the clips' descriptors, so one voice or recording stays on one side), and the quick
model — logistic regression on descriptors — which is validated and returned at once: the first prediction comes in
about a second. Its descriptors are the log-mel statistics, and the pretrained CNN's embeddings too when these
validate surely better (``quick_choice_confidence``, :meth:`Model._fit_quick`). The embeddings are
computed in this call only when those of these clips and of the test clips fit in ``first_prediction_seconds``; else
when no clips were left for later, the next call embeds the clips, splits them again by pseudo-groups of their
embeddings (the split the first call would have made) and fits the quick model again with that choice, in an
ensemble started anew. The clips left for later (the first call prepares a subsample sized by ``quick_max_clips``
and ``first_prediction_seconds``) join in the next call: to the training set, or to the validation set when their
nearest pseudo-group is held out, which starts a new ensemble on the grown validation set; the quick model is fitted
again on all of them (the choice includes the embeddings when every clip has them). From the quick fit after the
first call on (the next call's, or once the clips left for later have all joined), the quick model's prediction
is the mean of its own and a window model's — logistic regression on the statistics of ``quick_windows`` crops of
each clip, every crop a training row (:meth:`Model._fit_quick`); when nothing else refits the quick model in the
next call, that call fits it with its window model alone in a new ensemble and returns.
Later calls run Kon's fine-tuning rounds (5 augmented epochs, or less when a round would take more than
``round_fraction`` of the remaining budget), each validated; a candidate joins the top-k pool and the call
returns only when the ensemble's validation score beats the one last returned, so predictions never go
backwards (:mod:`autospeech_model.ensemble`: the quick model's and the CNN's families, alone or blended). When
training ends, the best CNN member is fine-tuned on the training and validation clips together and joins the
ensemble (``refit_epochs``). ``test`` returns the weighted average of the ensemble's members (computing, with
test-time augmentation, only the members it has not predicted yet for these clips).

Budget rules: :mod:`autospeech_model.budget`. ``ModelConfig.kon()`` gives back Kon's plain recipe.
"""

from __future__ import annotations

import json
import logging
import math
import reprlib
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from autospeech_model.bootstrap import surely_higher
from autospeech_model.budget import BudgetRules, resolve_time_budget
from autospeech_model.config import ModelConfig
from autospeech_model.descriptors import Embedder, statistics, window_count, window_statistics
from autospeech_model.ensemble import Ensemble, Member, Scored, weighted_average
from autospeech_model.estimator import CNNClassifier
from autospeech_model.features import build_frontend, extract_features
from autospeech_model.grouping import PseudoGroups
from autospeech_model.quick import QuickClassifier
from autospeech_model.saved_arrays import check_numbers, shaped
from autospeech_model.seeds import BOOTSTRAP_STREAM, CLUSTER_STREAM, TEST_STREAM, VALIDATION_STREAM, derive_seed
from autospeech_model.split import validation_split
from autospeech_model.training import validation_score

logger = logging.getLogger(__name__)

SETTINGS_FILE = "model.json"
MEMBERS_FILE = "members.npz"
QUICK, CNN, PRIOR = "quick", "cnn", "prior"  # the members' families
WINDOWS_PREFIX = "windows_"  # of a quick member's window model's arrays in MEMBERS_FILE
FAMILIES = {QUICK, CNN, PRIOR}


@dataclass(frozen=True)
class Prior:
    """The state of the fallback member: the training class frequencies, predicted for every clip."""

    frequencies: np.ndarray


@dataclass(frozen=True)
class QuickState:
    """The state of a quick member: its fitted classifier, whether its descriptors include the embeddings, and
    the window model whose prediction is averaged with the classifier's (``quick_windows``), if any."""

    classifier: QuickClassifier
    embedded: bool
    windows: QuickClassifier | None = None

    def predict_proba(self, descriptors: np.ndarray, windows: np.ndarray | None) -> np.ndarray:
        """The classifier's probabilities of the clips' ``descriptors``, averaged with the window model's of
        their window statistics when there is one."""
        probabilities = self.classifier.predict_proba(descriptors)
        return probabilities if self.windows is None else (probabilities + self.windows.predict_proba(windows)) / 2


class WindowFit(NamedTuple):
    """A window model fitted on the training part, and the window statistics of the training and validation
    clips (clips, windows, values)."""

    model: QuickClassifier
    train: np.ndarray
    validation: np.ndarray


def training_labels(dataset: tuple[list, np.ndarray], class_num: int) -> np.ndarray:
    """The labels of a ``train`` call's (clips, labels) as float32; ValueError when there are no clips or the
    labels are not (clips, ``class_num``)."""
    x_list, labels = dataset
    labels = np.asarray(labels, dtype=np.float32)
    if len(x_list) == 0:
        raise ValueError("train() got no training clips")
    if labels.shape != (len(x_list), class_num):
        raise ValueError(f"train() labels have shape {labels.shape}, expected ({len(x_list)}, {class_num}) for "
                         f"{len(x_list)} clips and class_num={class_num}")
    return labels


def finite_number(value: object) -> bool:
    """Whether a parsed JSON value is a finite number, not a boolean (not NaN, Infinity, nor an integer past
    float's range)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def is_score(value: object) -> bool:
    """Whether a parsed JSON value is a validation score: 2·AUC − 1 in [-1, 1], or null (not measured)."""
    return value is None or finite_number(value) and -1 <= value <= 1


def check_field(name: str, value: object, valid: bool, expected: str) -> None:
    """ValueError ``NAME is VALUE, expected EXPECTED`` unless ``valid`` (a long VALUE shortened)."""
    if not valid:
        raise ValueError(f"{name} is {reprlib.repr(value)}, expected {expected}")


def check_member(name: str, member: object) -> None:
    """ValueError (or KeyError) naming the field unless ``member`` is as :meth:`Model.save` describes one."""
    check_field(name, member, isinstance(member, dict), "a JSON object")
    check_field(f"{name}.kind", member["kind"], member["kind"] in sorted(FAMILIES), f"one of {sorted(FAMILIES)}")
    check_field(f"{name}.name", member["name"], isinstance(member["name"], str), "a string")
    check_field(f"{name}.score", member["score"], is_score(member["score"]), "a number in [-1, 1] or null")
    check_field(f"{name}.weight", member["weight"], finite_number(member["weight"]) and 0 < member["weight"] <= 1,
                "a number in (0, 1]")
    if member["kind"] == QUICK:  # "windowed" is absent in a model saved before the window model
        for flag, value in (("embedded", member["embedded"]), ("windowed", member.get("windowed", False))):
            check_field(f"{name}.{flag}", value, isinstance(value, bool), "true or false")


def check_settings(settings: object, class_num: int) -> None:
    """ValueError (or KeyError) naming the field unless ``settings`` (a parsed model.json) are as
    :meth:`Model.save` writes them beside a CNN of ``class_num`` outputs: that class_num, a non-empty list of
    members (:func:`check_member`), an ensemble score."""
    check_field("the settings", settings, isinstance(settings, dict), "a JSON object")
    check_field("class_num", settings["class_num"],
                type(settings["class_num"]) is int and settings["class_num"] == class_num,
                f"{class_num} (the saved network's outputs)")
    members = settings["members"]
    check_field("members", members, isinstance(members, list) and len(members) > 0, "a non-empty list")
    for index, member in enumerate(members):
        check_member(f"members[{index}]", member)
    check_field("ensemble_score", settings.get("ensemble_score"), is_score(settings.get("ensemble_score")),
                "a number in [-1, 1] or null")


def appended(array: np.ndarray, rows: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``array`` followed by the ``keep`` rows of ``rows``, written in place (no temporary copy of the kept
    rows: on 9,500 clips' features, 0.76 GB)."""
    out = np.empty((len(array) + int(keep.sum()), *array.shape[1:]), dtype=array.dtype)
    out[:len(array)] = array
    np.compress(keep, rows, axis=0, out=out[len(array):])
    return out


class Model:
    """Team Kon's CNN, a quick linear first model and a top-k ensemble, behind the official interface."""

    def __init__(self, metadata: dict, config: ModelConfig | None = None,
                 clock: Callable[[], float] = time.monotonic, classifier: CNNClassifier | None = None,
                 warm_up: bool = True):
        """``classifier``: a built CNN to warm up and train on (:meth:`load`'s saved one) instead of a new one.
        ``warm_up=False`` leaves the tracing and timing of :meth:`_warm_up` to the first ``train`` call, where it
        is charged: for a model that only predicts."""
        self.metadata = dict(metadata)
        self.config = config or ModelConfig()
        self.clock = clock
        self.class_num = int(self.metadata["class_num"])
        self.time_budget: float | None = None
        self.done_training = False
        self.rules = BudgetRules(self.config)
        self.frontend = build_frontend(self.config)
        if classifier is None:
            classifier = CNNClassifier(self.config).build(self.class_num)
        self.classifier = classifier
        with_embeddings = self.config.quick_model or self.config.validation_groups
        self.embedder = Embedder(self.config) if with_embeddings and self.config.pretrained_weights else None
        self.ensemble: Ensemble | None = None
        self._train_set: tuple[np.ndarray, np.ndarray] | None = None
        self._validation_set: tuple[np.ndarray, np.ndarray] | None = None
        self._described: dict[str, np.ndarray] = {}  # training and validation clips: statistics, embeddings,
        # labels (rows of the first call's clips, then of the clips added later), and "images" while the next call
        # is to embed the first call's clips
        self._group_by_embeddings = False
        self._windowed_quick_due = False  # the quick model is to be fitted again with its window model
        self._split: tuple[np.ndarray, np.ndarray] | None = None  # training and validation rows of _described
        self._pending = np.zeros(0, dtype=int)
        self._source: tuple[list, np.ndarray] | None = None
        self._grouping: PseudoGroups | None = None
        self._validation_clusters: set[int] = set()
        self._test_source: list | None = None
        self._test_features: np.ndarray | None = None
        self._test_descriptors: dict[str, np.ndarray] = {}
        self._test_cache: dict[Member, np.ndarray] = {}
        self._seconds_per_clip = {"features": 0.0, "statistics": 0.0, "pass": 0.0, "embeddings": 0.0,
                                  "windows": 0.0}
        self._last_test_seconds: float | None = None
        self._spent = 0.0
        self._warm = False
        if warm_up:
            self._warm_up()

    @property
    def fitted(self) -> bool:
        """Whether a validated model exists, i.e. ``test`` and ``save`` can work."""
        return self.ensemble is not None and bool(self.ensemble.members)

    # --- official interface -------------------------------------------------------------------------------

    def train(self, dataset: tuple[list, np.ndarray], remaining_time_budget: float | None = None) -> None:
        """Train until the ensemble's validation score improves, the budget rule ends training, or time is up."""
        with threadpool_limits(self.config.numeric_threads):
            start = self.clock()
            try:
                labels = training_labels(dataset, self.class_num)  # a bad call fails before any work
                if not self._warm:
                    self._warm_up()
                self._train((dataset[0], labels), remaining_time_budget, start)
                if self.done_training:
                    self._ensure_a_member()
            finally:
                self._spent += self.clock() - start

    def test(self, x_list: list, remaining_time_budget: float | None = None) -> np.ndarray:
        """Scores (len(x_list), class_num): the ensemble's validation-weighted average."""
        with threadpool_limits(self.config.numeric_threads):
            start = self.clock()
            try:
                if not self.fitted:
                    raise RuntimeError("test() called before train() or load(): the model has no classifier yet")
                end = None if remaining_time_budget is None else start + float(remaining_time_budget)
                self._use_test_clips(x_list)
                probabilities = [self._test_probabilities(member, end) for member in self.ensemble.members]
                return weighted_average(self.ensemble.weights, probabilities).astype(np.float32)
            finally:
                self._last_test_seconds = self.clock() - start
                self._spent += self._last_test_seconds

    # --- reuse after training -----------------------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Write the CNN, the ensemble's members (weights, scores, quick model) and ``model.json``."""
        if not self.fitted:
            raise RuntimeError("nothing to save: train() has not made a validated model yet")
        directory = Path(directory)
        self.classifier.save(directory)
        arrays, members = {}, []
        for index, (member, weight) in enumerate(zip(self.ensemble.members, self.ensemble.weights)):
            members.append({"name": member.name, "score": member.score, "kind": member.family, "weight": weight})
            if member.family == PRIOR:
                arrays[f"member{index}_prior"] = member.state.frequencies
            elif member.family == CNN:
                arrays.update({f"member{index}_weight{k}": w for k, w in enumerate(member.state)})
            else:
                members[-1].update(embedded=member.state.embedded, windowed=member.state.windows is not None)
                parts = {"": member.state.classifier, WINDOWS_PREFIX: member.state.windows}
                arrays.update({f"member{index}_{part}{key}": value for part, classifier in parts.items()
                               if classifier is not None for key, value in classifier.to_arrays().items()})
        np.savez(directory / MEMBERS_FILE, **arrays)
        settings = {"class_num": self.class_num, "metadata": self.metadata, "config": self.config.to_dict(),
                    "members": members, "ensemble_score": self.ensemble.score}
        (directory / SETTINGS_FILE).write_text(json.dumps(settings, indent=1) + "\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path, warm_up: bool = True) -> Model:
        """A model restored by :meth:`save`: ``test`` gives the saved ensemble's predictions. It is marked done;
        ``train`` on it continues fine-tuning the saved CNN (on the new data's split), never from scratch.
        ``warm_up``: as for the constructor (False when it is only to predict)."""
        directory = Path(directory)
        settings_path, members_path = directory / SETTINGS_FILE, directory / MEMBERS_FILE
        for path in (settings_path, members_path):
            if not path.is_file():
                raise FileNotFoundError(f"not a saved autospeech model: {path} is missing")
        classifier = CNNClassifier.load(directory)
        try:
            settings = json.loads(settings_path.read_text())
            check_settings(settings, classifier.network_.output_shape[-1])
            metadata = {**settings["metadata"], "class_num": settings["class_num"]}
            model = cls(metadata, ModelConfig.from_dict(settings["config"]), classifier=classifier, warm_up=warm_up)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, RecursionError) as error:
            raise ValueError(f"invalid saved-model settings {settings_path}: {error!r}") from error
        try:
            with np.load(members_path, allow_pickle=False) as archive:
                arrays = dict(archive)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError(f"cannot read saved-model members {members_path} (truncated or corrupt?): "
                             f"{error}") from error
        try:
            check_numbers(arrays)
        except ValueError as error:
            raise ValueError(f"invalid saved model {members_path}: {error}") from error
        model.ensemble = Ensemble(model.config.ensemble_size, np.zeros((0, model.class_num)))
        weights = {}
        for index, entry in enumerate(settings["members"]):
            try:
                state = model._saved_state(entry, arrays, f"member{index}_")
            except KeyError as error:
                raise ValueError(f"invalid saved model {members_path}: member {index} ({entry['kind']}): "
                                 f"array {error} is missing") from error
            except ValueError as error:
                raise ValueError(f"invalid saved model {members_path}: member {index} ({entry['kind']}): "
                                 f"{error}") from error
            weights[Member(entry["name"], entry["score"], np.zeros(0), state, entry["kind"])] = entry["weight"]
        model.ensemble.returned = Scored(settings.get("ensemble_score"), weights, None)
        model.done_training = True
        return model

    def _saved_state(self, entry: dict, arrays: dict[str, np.ndarray], prefix: str) -> Prior | QuickState | list:
        """The state of a member described by ``entry`` (checked by :func:`check_settings`) from its arrays
        (those of ``arrays`` whose keys start with ``prefix``); ValueError (or KeyError) when they do not fit
        this model: shapes, or a quick model whose descriptors (the embeddings too?) are not this model's."""
        if entry["kind"] == PRIOR:
            frequencies = shaped(arrays, f"{prefix}prior", (self.class_num,))
            if (frequencies < 0).any():
                raise ValueError(f"{prefix}prior has negative frequencies")
            return Prior(frequencies)
        if entry["kind"] == CNN:
            return [shaped(arrays, f"{prefix}weight{k}", tuple(weight.shape))
                    for k, weight in enumerate(self.classifier.network_.weights)]
        if entry["embedded"] and self.embedder is None:
            raise ValueError("it uses the pretrained embeddings, but the config has no pretrained_weights")
        saved = {key.removeprefix(prefix): value for key, value in arrays.items() if key.startswith(prefix)}
        windows = {key.removeprefix(WINDOWS_PREFIX): value for key, value in saved.items()
                   if key.startswith(WINDOWS_PREFIX)}
        windowed = entry.get("windowed", False)  # absent in a model saved before the window model
        return QuickState(self._saved_quick(saved, entry["embedded"], prefix), entry["embedded"],
                          self._saved_quick(windows, False, prefix + WINDOWS_PREFIX) if windowed else None)

    def _saved_quick(self, arrays: dict[str, np.ndarray], embedded: bool, prefix: str) -> QuickClassifier:
        """:meth:`QuickClassifier.from_arrays` of ``arrays`` (saved under ``prefix``); ValueError unless it takes
        this model's descriptors (the statistics, and with ``embedded`` the embeddings too)."""
        quick = QuickClassifier.from_arrays(arrays, self.class_num)
        image = np.zeros((1, self.config.crop_frames, self.config.n_mels, 1), np.float32)
        width = self._statistics(image).shape[1] + (self.embedder.units[0] if embedded else 0)
        if len(arrays["quick_mean"]) != width:
            raise ValueError(f"{prefix}quick_mean has {len(arrays['quick_mean'])} values, this model's "
                             f"descriptors {width}")
        return quick

    # --- training -----------------------------------------------------------------------------------------

    def _train(self, dataset: tuple[list, np.ndarray], remaining_time_budget: float | None, start: float) -> None:
        if self.time_budget is None:
            self.time_budget = resolve_time_budget(self.metadata, remaining_time_budget,
                                                   self.config.default_time_budget)
        remaining = (float(remaining_time_budget) if remaining_time_budget is not None
                     else self.time_budget - self._spent)
        end = start + remaining
        if self._train_set is None:
            self._prepare(dataset)
            self._windowed_quick_due = bool(self.config.quick_model and self._window_count(len(dataset[1])))
            if self._fit_quick(self._descriptor_choices(), windowed=False):
                self._finish_call(end)
                return
        elif self._embedded_quick_due(end):
            images = self._described.pop("images")
            self._described["embeddings"], grouping_input = self._timed("embeddings", len(images),
                                                                       self.embedder.embed, images)
            self._split_validation(images, grouping_input, True)  # a new split and ensemble
            if self._fit_quick(self._descriptor_choices()):
                self._finish_call(end)
                return
        elif self._windowed_quick_due and not len(self._pending):
            self._start_ensemble()  # the quick model with its window model replaces the first call's
            if self._fit_quick(self._descriptor_choices()):
                self._finish_call(end)
                return
        while True:
            if self.rules.done(end - self.clock(), self.time_budget):
                logger.info("done: %.1f s left, at most %.3g x the time budget", end - self.clock(),
                            self.config.stop_fraction)
                self._end_training(end)
                return
            plan = self.rules.plan_round(self.clock(), end, self._estimate_test_seconds()
                                         + self._estimate_pass_seconds(len(self._validation_set[0])))
            if plan.deadline <= self.clock():
                logger.info("done: no time left for a round")
                self.done_training = True
                return
            if len(self._pending):
                self._extend(plan.deadline)
                if self._fit_quick_on_all_clips():
                    break
                continue
            self.classifier.fit(*self._train_set, deadline=plan.deadline, clock=self.clock)
            if self.classifier.stopped_early_ and plan.hard:
                logger.info("stopping training: the next batch would not leave time for the test call")
                self.done_training = True
                self._validate_round()
                return
            if self._validate_round():
                break
        self._finish_call(end)

    def _ensure_a_member(self) -> None:
        """When time ran out before any model was validated, predict the training class frequencies."""
        if not self.fitted:
            frequencies = self._train_set[1].mean(axis=0) if len(self._train_set[1]) else np.full(
                self.class_num, 1 / self.class_num)
            self.ensemble.add(Member("prior", None, np.zeros((0, self.class_num)), Prior(frequencies), PRIOR))

    def _finish_call(self, end: float) -> None:
        """Done when, after the coming test call, no more than ``stop_fraction`` of the budget would be left."""
        left_after_test = end - self.clock() - self.rules.safety(self._estimate_test_seconds())
        if self.rules.done(left_after_test, self.time_budget):
            logger.info("done: about %.1f s will be left after the next test call", left_after_test)
            self._end_training(end)

    def _end_training(self, end: float) -> None:
        """Done; first, when configured, in time and with a CNN in the returned ensemble, fine-tune the best
        validated CNN (of the pool: a better round may not have lifted the blend's validation score) on the
        training and validation clips together (``refit_epochs``, within ``refit_fraction`` of the time left and
        before the next test call), and add it to the returned ensemble with the weight of its best CNN member."""
        self.done_training = True
        cnn = [member for member in self.ensemble.members if member.family == CNN]
        if not (self.config.refit_epochs and cnn and len(self._validation_set[0])):
            return
        now = self.clock()
        deadline = self.rules.plan_round(now, end, self._estimate_test_seconds(),
                                         self.config.refit_fraction).deadline
        if deadline <= now:
            return
        best = self.ensemble.pools[CNN][0]  # pools are kept best first
        self.classifier.network_.set_weights(best.state)
        features, labels = (np.concatenate(parts) for parts in zip(self._train_set, self._validation_set))
        self.classifier.fit(features, labels, epochs=self.config.refit_epochs, deadline=deadline, clock=self.clock)
        refit = Member(f"{best.name} refit", best.score, best.validation_probabilities,
                       self.classifier.network_.get_weights(), CNN)
        self.ensemble.join(refit, like=max(cnn, key=lambda member: member.score))
        logger.info("refit %s on %d clips for %.1f s; it joins the ensemble", best.name, len(features),
                    self.clock() - now)

    def _prepare(self, dataset: tuple[list, np.ndarray]) -> None:
        """Features and descriptors of (at most ``quick_max_clips`` of) the training clips, the pseudo-group
        validation split and the ensemble; any other clips wait for :meth:`_extend`, after the first prediction."""
        x_list, labels = dataset  # checked by train: float32 (clips, class_num)
        first, self._pending = self._first_clips(labels)
        embed = self._embeddings_fit(len(first))
        features = self._timed("features", len(first), extract_features, self.frontend,
                               [x_list[i] for i in first], self.config)
        self._described = {"statistics": self._statistics(features), "labels": labels[first]}
        self._source = (x_list, labels)
        if embed:
            self._described["embeddings"], grouping_input = self._timed("embeddings", len(first),
                                                                       self.embedder.embed, features)
        else:
            grouping_input = self._described["statistics"]
            if self.embedder is not None and self.config.quick_model and not len(self._pending):
                self._described["images"] = features  # embedded in the next call, for the second quick model
                # (with clips left for later, the next call adds those instead: embedding them all to place
                # them in groups of embeddings would cost more than their features, on 9,500 clips minutes)
        logger.info("features of %d clips: %.4f s/clip%s; %d clips later", len(first),
                    self._seconds_per_clip["features"], ", with embeddings" if embed else "", len(self._pending))
        self._split_validation(features, grouping_input, embed)

    def _split_validation(self, features: np.ndarray, grouping_input: np.ndarray, by_embeddings: bool) -> None:
        """The described clips' pseudo-groups (from ``grouping_input``: their grouping embeddings, or the
        statistics), the validation split, the training and validation sets and a new, empty ensemble."""
        labels = self._described["labels"]
        self._group_by_embeddings = by_embeddings
        self._grouping = None
        if self.config.validation_groups:
            self._grouping = PseudoGroups(self.class_num, self.config.validation_groups,
                                          derive_seed(self.config.seed, CLUSTER_STREAM)).fit(grouping_input)
        groups = None if self._grouping is None else self._grouping.groups_.tolist()
        train_index, validation_index = validation_split(labels, self.config.validation_fraction,
                                                         self.config.seed, groups)
        self._validation_clusters = set() if groups is None else {groups[i] for i in validation_index}
        self._train_set = (features[train_index], labels[train_index])
        self._validation_set = (features[validation_index], labels[validation_index])
        self._split = (train_index, validation_index)
        self._start_ensemble()
        logger.info("%d train, %d validation clips (%s split%s)", len(train_index), len(validation_index),
                    "pseudo-group" if groups else "clip-level", ", by embeddings" if by_embeddings else "")

    def _start_ensemble(self) -> None:
        """A new, empty ensemble validated on the current validation clips."""
        self.ensemble = Ensemble(self.config.ensemble_size, self._validation_set[1],
                                 self.config.improvement_confidence, self.config.bootstrap_resamples,
                                 derive_seed(self.config.seed, BOOTSTRAP_STREAM), self.config.prefer_blend,
                                 self.config.new_family_as_good_alone)

    def _embeddings_fit(self, clips: int) -> bool:
        """Whether features, statistics and embeddings of the first call's ``clips`` and of the test clips
        (metadata's ``test_num``, else as many) are estimated to take at most ``first_prediction_seconds``."""
        if self.embedder is None:
            return False
        total = clips + self._test_clips(clips)
        seconds = self._describe_seconds(total, embedded=True)
        logger.info("describing %d clips with embeddings: about %.2f s", total, seconds)
        return seconds <= self.config.first_prediction_seconds

    def _embedded_quick_due(self, end: float) -> bool:
        """Whether the second quick model (statistics and embeddings) is still to come, and embedding the first
        call's clips and the test clips fits in a round (``round_fraction`` of the time left)."""
        if "images" not in self._described:
            return False
        clips = len(self._described["labels"]) + self._test_clips(len(self._described["labels"]))
        if clips * self._seconds_per_clip["embeddings"] <= self.config.round_fraction * (end - self.clock()):
            return True
        del self._described["images"]
        logger.info("no time to embed %d clips: the quick model keeps the statistics alone", clips)
        return False

    def _first_clips(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the clips prepared at once (a stratified subsample of :meth:`_first_call_clips`) and of
        the rest, shuffled."""
        limit = self._first_call_clips(len(labels))
        if len(labels) <= limit:
            return np.arange(len(labels)), np.zeros(0, dtype=int)
        later, first = validation_split(labels, limit / len(labels), self.config.seed)
        return first, np.random.default_rng(self.config.seed).permutation(later)  # a cut keeps every class

    def _first_call_clips(self, clips: int) -> int:
        """How many of ``clips`` training clips the first call describes: as many as fit, with the test clips
        (metadata's ``test_num``, else as many), in ``first_prediction_seconds`` of features and statistics
        (per-clip times measured at construction), within [``quick_min_clips``, ``quick_max_clips``]."""
        return self.rules.first_call_clips(self._describe_seconds(1, embedded=False), self._test_clips(clips))

    def _extend(self, deadline: float) -> None:
        """Add the clips :meth:`_prepare` left, as many as fit before ``deadline`` (at least a batch; the
        others wait for the next time): to the training set, or to the validation set when their nearest
        pseudo-group is held out (their voice or recording is there). A grown validation set starts a new ensemble
        (the quick models so far were validated on fewer clips)."""
        per_clip = self._describe_seconds(1, self._group_by_embeddings)
        affordable = max(self.config.feature_batch_size,
                         int(max(0.0, deadline - self.clock()) / max(per_clip, 1e-6)))
        pending, self._pending = self._pending[:affordable], self._pending[affordable:]
        x_list, labels = self._source
        features = extract_features(self.frontend, [x_list[i] for i in pending], self.config)
        described = {"statistics": self._statistics(features), "labels": labels[pending]}
        if self._group_by_embeddings:
            described["embeddings"], grouping_input = self.embedder.embed(features)
        else:
            grouping_input = described["statistics"]
        train = np.ones(len(pending), dtype=bool)
        if self._grouping is not None and len(pending):
            train = ~np.isin(self._grouping.assign(grouping_input), list(self._validation_clusters))
        new = (features, labels[pending])
        self._train_set = tuple(appended(old, rows, train) for old, rows in zip(self._train_set, new))
        self._validation_set = tuple(appended(old, rows, ~train) for old, rows in zip(self._validation_set, new))
        rows = len(self._described["labels"]) + np.arange(len(pending))
        self._split = (np.concatenate([self._split[0], rows[train]]), np.concatenate([self._split[1], rows[~train]]))
        self._described = {key: np.concatenate([self._described[key], described[key]])
                           for key in self._described if key in described}  # embeddings only if on every row
        if not train.all():
            self._start_ensemble()
        logger.info("added %d training and %d validation clips (nearest to a validation group)", train.sum(),
                    len(train) - train.sum())

    def _statistics(self, features: np.ndarray) -> np.ndarray:
        """The clips' descriptor statistics, in inference-sized batches."""
        return statistics(features, self.config.predict_batch_size)

    def _descriptor_choices(self) -> tuple[bool, ...]:
        """The quick model's descriptor sets to choose from (True: with the embeddings), simpler first: without
        and with the embeddings when the described clips have them, else the statistics alone."""
        return (False, True) if "embeddings" in self._described else (False,)

    def _fit_quick(self, choices: tuple[bool, ...], suffix: str = "", windowed: bool = True) -> bool:
        """Fit a quick model on the described clips' descriptors of the training part for each of ``choices``
        (True: statistics and embeddings, False: statistics alone) and validate it; the first is kept unless a
        later one scores higher on at least ``quick_choice_confidence`` of paired bootstrap resamples of the
        validation clips. With ``windowed`` (and :meth:`_window_count` at least 2) each is averaged with a window
        model, fitted once on the training part's window statistics. The kept one is refitted on the training
        and validation clips for its test predictions (a linear fit takes a fraction of a second) and joins the
        ensemble. True when the returned ensemble changed (the call then returns)."""
        if not self.config.quick_model:
            return False
        labels = self._described["labels"]
        train_index, validation_index = self._split
        if len(np.unique(labels[train_index].argmax(axis=1))) < 2:
            return False
        windows = self._fit_windows(labels[train_index]) if windowed else None
        self._windowed_quick_due &= not windowed
        validation_labels, kept = labels[validation_index], None
        for embedded in choices:
            descriptors = self._descriptors(self._described, embedded)
            quick = self._new_quick()
            quick.fit(descriptors[train_index], labels[train_index])
            state = QuickState(quick, embedded, None if windows is None else windows.model)
            probabilities = state.predict_proba(descriptors[validation_index],
                                                None if windows is None else windows.validation)
            score = validation_score(validation_labels, probabilities) if len(probabilities) else None
            name = (("quick with embeddings" if embedded else "quick") + " + windows" * (windows is not None)
                    + suffix)
            logger.info("%s: validation 2*AUC-1 %s", name, score)
            if kept is None or surely_higher(validation_labels, probabilities, score, kept.validation_probabilities,
                                             kept.score, self.config.quick_choice_confidence,
                                             self.config.bootstrap_resamples,
                                             derive_seed(self.config.seed, BOOTSTRAP_STREAM)):
                kept = Member(name, score, probabilities, state, QUICK)
                kept_descriptors = descriptors
        kept.state.classifier.fit(kept_descriptors, labels)  # refitted in place on all the described clips
        if windows is not None:
            kept.state.windows.fit(np.concatenate([windows.train, windows.validation]),
                                   np.concatenate([labels[train_index], validation_labels]))
        return self.ensemble.add(kept)

    def _new_quick(self) -> QuickClassifier:
        """An unfitted quick classifier with the config's regularization and iterations."""
        return QuickClassifier(self.class_num, self.config.quick_regularization, self.config.quick_max_iter)

    def _window_count(self, clips: int) -> int:
        """:func:`window_count` with the config's ``quick_windows``, ``quick_window_rows`` and
        ``quick_window_min_clips``."""
        return window_count(clips, self.config.quick_windows, self.config.quick_window_rows,
                            self.config.quick_window_min_clips)

    def _fit_windows(self, labels: np.ndarray) -> WindowFit | None:
        """The window model fitted on the training set's window statistics (``labels`` its clips' labels), with
        those of the training and validation sets; None when :meth:`_window_count` is 0."""
        count = self._window_count(len(self._train_set[0]) + len(self._validation_set[0]))
        if not count:
            return None
        train, validation = (self._window_statistics(features, count)
                             for features in (self._train_set[0], self._validation_set[0]))
        model = self._new_quick()
        return WindowFit(model.fit(train, labels), train, validation)

    def _window_statistics(self, features: np.ndarray, count: int) -> np.ndarray:
        """:func:`window_statistics` of ``count`` windows of ``crop_frames`` of each clip."""
        return window_statistics(features, count, self.config.crop_frames, self.config.predict_batch_size)

    def _fit_quick_on_all_clips(self) -> bool:
        """As the clips the first call left join, the quick model again on every training clip so far (with or
        without the embeddings when every clip has them: see :meth:`_fit_quick`; with its window model once none
        are left); True when the returned ensemble changed."""
        return self._fit_quick(self._descriptor_choices(), f", {len(self._split[0])} clips",
                               windowed=not len(self._pending))

    def _validate_round(self) -> bool:
        """Validate the CNN after a round; True when the ensemble improved (the call then returns)."""
        features, labels = self._validation_set
        if len(features) == 0:
            probabilities, score = np.zeros((0, self.class_num)), None
        else:
            started = self.clock()
            probabilities = self.classifier.predict_proba(features, 1, derive_seed(self.config.seed,
                                                                                   VALIDATION_STREAM))
            self._seconds_per_clip["pass"] = (self.clock() - started) / len(features)
            score = validation_score(labels, probabilities)
        member = Member(f"cnn round {self.classifier.rounds_}", score, probabilities,
                        self.classifier.network_.get_weights(), CNN)
        improved = self.ensemble.add(member)
        logger.info("round %d: validation 2*AUC-1 %s, ensemble %s (%d member(s)), %s s/epoch",
                    self.classifier.rounds_, score, self.ensemble.score, len(self.ensemble.members),
                    self.classifier.epoch_seconds_)
        return improved

    # --- prediction ---------------------------------------------------------------------------------------

    def _use_test_clips(self, x_list: list) -> None:
        """Features (and descriptors) of ``x_list``, computed once while test() gets the same list object."""
        if x_list is self._test_source:
            return
        self._test_features = self._timed("features", len(x_list), extract_features, self.frontend, x_list,
                                          self.config)
        self._test_descriptors = {}
        self._test_cache = {}
        self._test_source = x_list

    def _test_probabilities(self, member: Member, end: float | None) -> np.ndarray:
        """The member's prediction of the current test clips (cached per member); a CNN member's test-time
        passes fit in ``test_fraction`` of the time left before ``end`` (on the clock; None: all passes)."""
        if member in self._test_cache:
            return self._test_cache[member]
        if member.family == PRIOR:
            probabilities = np.tile(member.state.frequencies, (len(self._test_features), 1))
        elif member.family == QUICK:
            if "statistics" not in self._test_descriptors:
                self._test_descriptors["statistics"] = self._statistics(self._test_features)
            if member.state.embedded and "embeddings" not in self._test_descriptors:
                self._test_descriptors["embeddings"] = self.embedder.embed(self._test_features)[0]
            if member.state.windows is not None and "windows" not in self._test_descriptors:
                self._test_descriptors["windows"] = self._window_statistics(self._test_features,
                                                                            self.config.quick_windows)
            probabilities = member.state.predict_proba(self._descriptors(self._test_descriptors,
                                                                         member.state.embedded),
                                                       self._test_descriptors.get("windows"))
        else:
            current = self.classifier.network_.get_weights()
            self.classifier.network_.set_weights(member.state)
            remaining = None if end is None else end - self.clock()
            passes = self.rules.test_passes(self._estimate_pass_seconds(len(self._test_features)), remaining)
            probabilities = self.classifier.predict_proba(self._test_features, passes,
                                                          derive_seed(self.config.seed, TEST_STREAM))
            self.classifier.network_.set_weights(current)
        self._test_cache[member] = probabilities
        return probabilities

    # --- timing -------------------------------------------------------------------------------------------

    def _timed(self, kind: str, clips: int, function: Callable, *args) -> np.ndarray:
        started = self.clock()
        result = function(*args)
        self._seconds_per_clip[kind] = (self.clock() - started) / max(clips, 1)
        return result

    def _estimate_test_seconds(self) -> float:
        if self._last_test_seconds is not None and self._test_features is not None:
            return self._last_test_seconds
        clips = self._test_clips(len(self._train_set[0]))
        quick = [member.state for member in self.ensemble.pool if member.family == QUICK]
        embedded = any(state.embedded for state in quick)
        windows = any(state.windows is not None for state in quick) * clips * self._seconds_per_clip["windows"]
        return (self._describe_seconds(clips, embedded) + windows
                + self.config.tta_passes * self._estimate_pass_seconds(clips))

    def _test_clips(self, default: int) -> int:
        """The number of test clips: metadata's ``test_num``, else ``default``."""
        return int(self.metadata.get("test_num", default))

    def _describe_seconds(self, clips: int, embedded: bool) -> float:
        """Estimated time of ``clips`` clips' features and statistics, and with ``embedded`` their embeddings."""
        per_clip = self._seconds_per_clip
        return clips * (per_clip["features"] + per_clip["statistics"] + embedded * per_clip["embeddings"])

    def _estimate_pass_seconds(self, clips: int) -> float:
        """One prediction pass of the CNN over ``clips`` clips (measured on the validation clips)."""
        return clips * self._seconds_per_clip["pass"]

    @staticmethod
    def _descriptors(described: dict[str, np.ndarray], embedded: bool) -> np.ndarray:
        """A quick model's descriptors: the statistics, and with ``embedded`` the embeddings after them."""
        if not embedded:
            return described["statistics"]
        return np.concatenate([described["statistics"], described["embeddings"]], axis=1)

    def _warm_up(self) -> None:
        """Trace the CNN's training, the front end, the embedding network and the CNN's prediction on dummy
        input, then time each per clip (the first call's choice of descriptors needs them)."""
        self.classifier.warm_up(self.class_num)
        with threadpool_limits(self.config.numeric_threads):  # timed as the charged calls run
            self._time_per_clip()
        self._warm = True

    def _time_per_clip(self) -> None:
        """Time the front end, the statistics, the embeddings and a prediction pass per clip on silent clips."""
        silence = [np.zeros(self.config.clip_samples, np.float32)] * (4 * self.config.feature_batch_size + 1)
        extract_features(self.frontend, silence[:self.config.feature_batch_size + 1], self.config)  # both shapes
        images = self._timed("features", len(silence), extract_features, self.frontend, silence, self.config)
        self._timed("statistics", len(images), self._statistics, images)
        if self.config.quick_model and self.config.quick_windows:
            self._timed("windows", len(images), self._window_statistics, images, self.config.quick_windows)
        if self.embedder is not None:
            self.embedder.embed(images[:1])  # traced once for any number of clips (training.forward)
            self._timed("embeddings", len(images), self.embedder.embed, images)
        self._timed("pass", len(images), self.classifier.predict_proba, images, 1, 0)
