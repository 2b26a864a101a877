"""The CNN: architecture, loading a pretrained model with a rebuilt head, and the optimiser's decay."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest

from autospeech_model.config import ModelConfig
from autospeech_model.network import (
    HEAD_NAME,
    build_network,
    create_network,
    load_source,
    make_optimizer,
    transfer,
)
from tests.model_fixtures import PRETRAINED_CLASSES, write_random_pretrained

CONFIG = ModelConfig()
INPUT_SHAPE = (64, 64, 1)


@pytest.fixture(scope="module")
def pretrained_file(tmp_path_factory):
    return write_random_pretrained(tmp_path_factory.mktemp("pretrained") / "source.keras")


def test_architecture_is_kons_five_block_cnn():
    network = build_network(INPUT_SHAPE, 100, CONFIG)
    kinds = [type(layer).__name__ for layer in network.layers]
    assert kinds == ["Conv2D", "Activation", "BatchNormalization", "MaxPooling2D"] * 5 + [
        "Flatten", "Dense", "Dropout", "Activation", "Dense", "Activation"]
    # conv 640 + 4 × 36,928; BN 5 × 256; Dense 256→64 16,448; head 64→100 6,500
    assert network.count_params() == 640 + 4 * 36928 + 5 * 256 + 16448 + 6500 == 172580
    assert network.output_shape == (None, 100)
    assert network.layers[-1].get_config()["activation"] == "softmax"


@pytest.mark.parametrize("class_num", [3, 20])
def test_pretrained_weights_load_and_head_is_rebuilt(pretrained_file, class_num):
    source = keras.models.load_model(pretrained_file, compile=False)
    network = transfer(load_source(pretrained_file), pretrained_file, INPUT_SHAPE, class_num, CONFIG)
    assert network.output_shape == (None, class_num)
    for name in ("conv1", "conv5", "batchnorm3", "dense"):
        for ours, theirs in zip(network.get_layer(name).get_weights(), source.get_layer(name).get_weights()):
            np.testing.assert_array_equal(ours, theirs)
    head = network.get_layer(HEAD_NAME).get_weights()[0]
    assert head.shape == (CONFIG.dense_units, class_num)
    assert source.get_layer(HEAD_NAME).get_weights()[0].shape == (CONFIG.dense_units, PRETRAINED_CLASSES)


def test_create_network_compiles_and_from_scratch_differs(pretrained_file):
    network = create_network(INPUT_SHAPE, 3, CONFIG.replace(pretrained_weights=str(pretrained_file)))
    scratch = create_network(INPUT_SHAPE, 3, CONFIG.replace(pretrained_weights=None))
    source = keras.models.load_model(pretrained_file, compile=False)
    assert network.optimizer is not None and network.loss == "categorical_crossentropy"
    np.testing.assert_array_equal(network.get_layer("conv2").get_weights()[0], source.get_layer("conv2").get_weights()[0])
    assert not np.allclose(scratch.get_layer("conv2").get_weights()[0], source.get_layer("conv2").get_weights()[0])


def test_the_pretrained_file_is_loaded_once_a_version_and_the_new_head_depends_on_the_seed_alone(tmp_path):
    path = write_random_pretrained(tmp_path / "source.keras", seed=1)
    config = CONFIG.replace(pretrained_weights=str(path), seed=5)
    first = create_network(INPUT_SHAPE, 3, config)  # loads the file
    assert load_source(path) is load_source(str(path))  # then reads it from memory
    second = create_network(INPUT_SHAPE, 3, config)
    for ours, theirs in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(ours, theirs)  # the same head, loaded or not
    before = load_source(path)
    write_random_pretrained(path, seed=2)  # a new version of the file
    assert load_source(path) is not before
    rewritten = create_network(INPUT_SHAPE, 3, config)
    assert not np.array_equal(rewritten.get_layer("conv1").get_weights()[0], first.get_layer("conv1").get_weights()[0])
    np.testing.assert_array_equal(rewritten.get_layer(HEAD_NAME).get_weights()[0],
                                  first.get_layer(HEAD_NAME).get_weights()[0])


def test_missing_or_foreign_pretrained_file_gives_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.keras"):
        load_source(tmp_path / "nothing.keras")
    other = keras.Sequential([keras.Input((64, 64, 1)), keras.layers.Conv2D(8, 3, name="conv1")])
    other.save(tmp_path / "other.keras")
    with pytest.raises(ValueError, match="other.keras.*conv1"):
        transfer(load_source(tmp_path / "other.keras"), tmp_path / "other.keras", INPUT_SHAPE, 3, CONFIG)


def test_learning_rate_decays_like_keras2_decay():
    # Keras 2: lr_t = lr / (1 + decay × iterations); InverseTimeDecay(lr, 1, decay) computes the same.
    optimizer = make_optimizer(CONFIG)
    schedule = optimizer.learning_rate if callable(optimizer.learning_rate) else optimizer._learning_rate
    for step in (0, 1, 1000, 10**6):
        assert float(schedule(step)) == pytest.approx(0.01 / (1 + 1e-6 * step), rel=1e-6)
    assert optimizer.momentum == 0.9
    network = build_network(INPUT_SHAPE, 2, CONFIG)
    network.compile(optimizer=optimizer, loss="categorical_crossentropy")
    rng = np.random.default_rng(0)
    network.fit(rng.normal(size=(12, 64, 64, 1)), np.eye(2)[rng.integers(0, 2, 12)], batch_size=4, verbose=0)
    assert int(optimizer.iterations) == 3
    assert float(optimizer.learning_rate) == pytest.approx(0.01 / (1 + 3e-6), rel=1e-6)


def test_default_config_uses_the_shipped_pretrained_model():
    repository = Path(__file__).resolve().parent.parent
    shipped = repository / "pretrained" / "data01.keras"
    assert Path(CONFIG.pretrained_weights) == shipped
    card = json.loads((repository / "pretrained" / "card.json").read_text())
    assert card["model_file"] == shipped.name and card["data"]["dataset"] == "data01"
    source = keras.models.load_model(shipped, compile=False)
    assert source.output_shape == (None, card["data"]["class_num"])
    network = create_network(INPUT_SHAPE, 5, CONFIG)
    np.testing.assert_array_equal(network.get_layer("conv1").get_weights()[0],
                                  source.get_layer("conv1").get_weights()[0])
