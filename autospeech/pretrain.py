"""Pretrain the classifier on a speaker-id dataset (data01), as Team Kon did for their shipped checkpoint.

    python -m autospeech.pretrain --dataset build/datasets/data01 --epochs 100 --out pretrained/

Recipe: the model's features, split (90/10 stratified, seeded) and augmentation, the dataset's own class
count, SGD (lr 0.01, Keras-2 decay 1e-6) with momentum 0.9 by default, as in fine-tuning. The original
checkpoint used plain SGD (momentum 0, ~400 epochs); in a measured 3-epoch probe on data01, validation
accuracy after epochs 1/2/3 was 0.04/0.10/0.10 without momentum and 0.52/0.48/0.47 (0.50 with 10-crop
averaging) with 0.9, so momentum suits a ~30-minute CPU budget far better (``--momentum 0`` for the original).
Writes ``OUT/NAME.keras`` (the whole classifier; its head is discarded when fine-tuning) and
``OUT/card.json`` (data, recipe, result, library versions, the exact command) after every
``--checkpoint-every`` epochs and at the end, so an interrupted run still leaves a usable, documented model.

Determinism: seeds are fixed (``--seed``) and TensorFlow's op determinism is enabled, so a rerun on the same
machine and library versions gives the same weights; different CPUs/thread counts or a GPU may differ in
the last float bits (reduction order), which then grows over training.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import shlex
import sys
import time
from pathlib import Path

import kapre
import keras
import librosa
import numpy as np
import tensorflow as tf

from ingestion.command import positive_int, seed_argument
from autospeech_model.config import ModelConfig
from autospeech_model.features import build_frontend, extract_features
from autospeech_model.estimator import CNNClassifier
from autospeech_model.split import validation_split
from ingestion.dataset import find_data_dir, load_dataset

CARD_FILE = "card.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True, help="dataset folder in the official layout (e.g. data01)")
    parser.add_argument("--epochs", type=positive_int, required=True, help="training epochs")
    parser.add_argument("--out", default="pretrained", help="output folder for NAME.keras and card.json")
    parser.add_argument("--seed", type=seed_argument, default=0,
                        help="seed of the split, initialisation and augmentation")
    parser.add_argument("--momentum", type=float, default=ModelConfig.momentum,
                        help="SGD momentum (default: %(default)s, as in fine-tuning; Kon's checkpoint used 0, "
                             "which reached 0.10 validation accuracy after 3 epochs against 0.52 with 0.9)")
    parser.add_argument("--checkpoint-every", type=positive_int, default=5, help="save model and card every N epochs")


def dataset_fingerprint(dataset_dir: Path) -> dict:
    """SHA-256 of every file in NAME.data (and of H2's manifest NAME.csv beside the dataset, if any)."""
    name, data_dir = find_data_dir(dataset_dir)
    digest = hashlib.sha256()
    for path in sorted(data_dir.iterdir()):
        digest.update(path.name.encode())
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    manifest = data_dir.parent.parent / "manifests" / f"{name}.csv"
    return {"data_sha256": digest.hexdigest(),
            "manifest": str(manifest) if manifest.is_file() else None,
            "manifest_sha256": hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.is_file() else None}


def accuracy(classifier: CNNClassifier, features: np.ndarray, labels: np.ndarray, passes: int) -> float | None:
    """Top-1 accuracy of the test-time-augmented prediction (None without clips)."""
    if len(features) == 0:
        return None
    probabilities = classifier.predict_proba(features, passes)
    return float(np.mean(probabilities.argmax(axis=1) == labels.argmax(axis=1)))


class CardWriter(keras.callbacks.Callback):
    """Every ``every`` epochs (and at the end): save the model and the card with the validation accuracy."""

    def __init__(self, out: Path, model_name: str, card: dict, validation: tuple[np.ndarray, np.ndarray],
                 classifier: CNNClassifier, every: int, started: float):
        super().__init__()
        self.out, self.model_name, self.card = out, model_name, card
        self.validation, self.classifier, self.every, self.started = validation, classifier, every, started
        self.history: list[dict] = []

    def on_epoch_end(self, epoch, logs=None):
        self.history.append({"epoch": epoch + 1, "loss": float((logs or {}).get("loss", float("nan")))})
        if (epoch + 1) % self.every == 0:
            self.write(epoch + 1, passes=1)

    def write(self, epochs_done: int, passes: int) -> None:
        self.model.save(self.out / self.model_name)
        validation_accuracy = accuracy(self.classifier, *self.validation, passes)
        self.card.update({"epochs_done": epochs_done, "validation_accuracy": validation_accuracy,
                          "validation_tta_passes": passes, "loss_history": self.history,
                          "wall_seconds": round(time.monotonic() - self.started, 1)})
        (self.out / CARD_FILE).write_text(json.dumps(self.card, indent=1) + "\n")
        print(f"epoch {epochs_done}: validation accuracy {validation_accuracy} ({passes} crop pass(es)), "
              f"{self.card['wall_seconds']} s", flush=True)


def main(args: argparse.Namespace) -> int:
    """Pretrain and write the model and card. A bad dataset raises DatasetError, which the command line reports
    as one line with exit code 2."""
    started = time.monotonic()
    dataset = load_dataset(args.dataset)
    keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()
    config = ModelConfig.kon(seed=args.seed, pretrained_weights=None, momentum=args.momentum)
    features = extract_features(build_frontend(config), dataset.train_x, config)
    train_index, validation_index = validation_split(dataset.train_y, config.validation_fraction, config.seed)
    train = (features[train_index], dataset.train_y[train_index])
    validation = (features[validation_index], dataset.train_y[validation_index])
    class_num = dataset.train_y.shape[1]
    classifier = CNNClassifier(config).build(class_num)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    card = {
        "model_file": f"{dataset.name}.keras",
        "data": {"dataset": dataset.name, "path": str(args.dataset), "class_num": class_num,
                 "train_clips": len(train_index), "validation_clips": len(validation_index),
                 "test_clips_unused": len(dataset.test_x), **dataset_fingerprint(Path(args.dataset))},
        "recipe": {"epochs": args.epochs, "seed": args.seed, "optimizer": "SGD", "learning_rate":
                   config.learning_rate, "lr_decay": config.lr_decay, "momentum": args.momentum,
                   "batch_size": config.batch_size, "augmentation": "crop 64 frames, mixup 0.2, freq mask 0.5"},
        "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                     "keras": keras.__version__, "kapre": kapre.__version__, "numpy": np.__version__,
                     "librosa": librosa.__version__},
        "command": "python -m autospeech.pretrain " + shlex.join(sys.argv[1:]),
    }
    writer = CardWriter(out, card["model_file"], card, validation, classifier, args.checkpoint_every, started)
    classifier.fit(*train, epochs=args.epochs, callbacks=[writer], verbose=2)
    writer.write(args.epochs, passes=config.tta_passes)
    return 0


if __name__ == "__main__":
    from ingestion.command import run_command

    sys.exit(run_command("autospeech.pretrain", prog="python -m autospeech.pretrain"))
