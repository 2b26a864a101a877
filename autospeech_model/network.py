"""The 5-block CNN classifier, its optimiser, and initialisation from the pretrained data01 model (DESIGN).

Layers: 5 × [Conv2D 64 3×3 same → ReLU → BatchNorm → MaxPool 2×2] → Flatten → Dense 64 → Dropout 0.5 → ReLU
→ Dense n ("head") → softmax; about 170k parameters for 100 classes.
"""

from __future__ import annotations

import functools
from pathlib import Path

import keras

from autospeech_model.config import ModelConfig

HEAD_NAME = "head"


def build_network(input_shape: tuple[int, int, int], class_num: int, config: ModelConfig) -> keras.Sequential:
    """The uncompiled classifier for images of ``input_shape`` (frames, mels, 1) and ``class_num`` classes."""
    network = keras.Sequential(name="classifier")
    network.add(keras.Input(shape=input_shape))
    for block in range(1, config.conv_blocks + 1):
        network.add(keras.layers.Conv2D(config.conv_filters, config.kernel_size, padding="same",
                                        name=f"conv{block}"))
        network.add(keras.layers.Activation("relu", name=f"relu{block}"))
        network.add(keras.layers.BatchNormalization(name=f"batchnorm{block}"))
        network.add(keras.layers.MaxPooling2D(pool_size=2, name=f"pool{block}"))
    network.add(keras.layers.Flatten(name="flatten"))
    network.add(keras.layers.Dense(config.dense_units, name="dense"))
    network.add(keras.layers.Dropout(config.dropout, name="dropout"))
    network.add(keras.layers.Activation("relu", name="dense_relu"))
    network.add(keras.layers.Dense(class_num, name=HEAD_NAME))
    network.add(keras.layers.Activation("softmax", name="softmax"))
    return network


def load_source(path: str | Path) -> keras.Model:
    """The pretrained ``.keras`` model at ``path``, loaded once per process and version of the file (the classifier
    copies its weights, the embedder reads them; neither changes it). Raises FileNotFoundError naming the file."""
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"pretrained model not found: {path} (set ModelConfig.pretrained_weights=None "
                                "to train from scratch, or run `python -m autospeech.pretrain`)")
    status = path.stat()
    return _load_source(path, status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=2)
def _load_source(path: Path, modified_ns: int, size: int) -> keras.Model:
    return keras.models.load_model(path, compile=False)


def transfer(source: keras.Model, path: str | Path, input_shape: tuple[int, int, int], class_num: int,
             config: ModelConfig) -> keras.Sequential:
    """A new classifier for ``class_num`` classes whose layers, all but the head, hold ``source``'s weights (the
    model loaded from ``path``, which errors name); the new head is freshly initialised. Raises ValueError when
    ``source`` is not of this architecture (any class count)."""
    network = build_network(input_shape, class_num, config)
    source_layers = {layer.name: layer for layer in source.layers}
    for layer in network.layers:
        if layer.name == HEAD_NAME or not layer.weights:
            continue
        if layer.name not in source_layers:
            raise ValueError(f"pretrained model {path} has no layer {layer.name!r}: not this architecture")
        weights = source_layers[layer.name].get_weights()
        if [w.shape for w in weights] != [w.shape for w in layer.get_weights()]:
            raise ValueError(f"pretrained model {path}: layer {layer.name!r} has weight shapes "
                             f"{[w.shape for w in weights]}, expected {[w.shape for w in layer.get_weights()]}")
        layer.set_weights(weights)
    return network


def make_optimizer(config: ModelConfig) -> keras.optimizers.SGD:
    """SGD with Keras 2's ``decay`` as a schedule: lr_t = lr / (1 + decay × t), t = iterations done."""
    schedule = keras.optimizers.schedules.InverseTimeDecay(config.learning_rate, decay_steps=1,
                                                           decay_rate=config.lr_decay)
    return keras.optimizers.SGD(learning_rate=schedule, momentum=config.momentum)


def compile_network(network: keras.Model, optimizer: keras.optimizers.Optimizer) -> None:
    """Compile for categorical cross-entropy on (possibly mixed) soft labels."""
    network.compile(optimizer=optimizer, loss="categorical_crossentropy")


def create_network(input_shape: tuple[int, int, int], class_num: int, config: ModelConfig) -> keras.Sequential:
    """The compiled classifier: pretrained (head rebuilt) when ``config.pretrained_weights`` is set, else fresh."""
    path = config.pretrained_weights
    source = None if path is None else load_source(path)
    keras.utils.set_random_seed(config.seed)  # after loading, which draws random initial weights unless cached
    network = build_network(input_shape, class_num, config) if source is None else transfer(
        source, path, input_shape, class_num, config)
    compile_network(network, make_optimizer(config))
    return network
