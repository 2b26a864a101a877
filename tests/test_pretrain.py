"""The pretraining command: outputs, model card, determinism, and use as the fine-tuning initialisation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from conftest import REPOSITORY

from ingestion.command import run_command
from autospeech_model.config import ModelConfig
from autospeech_model.network import load_source, transfer


def pretraining(dataset: Path, out: Path, *extra: str) -> subprocess.Popen:
    """``python -m autospeech.pretrain`` started on ``dataset`` into ``out``."""
    command = [sys.executable, "-m", "autospeech.pretrain", "--dataset", str(dataset), "--out", str(out), *extra]
    return subprocess.Popen(command, cwd=REPOSITORY, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_pretrain_writes_model_and_card_deterministically(make_dataset, tmp_path):
    dataset = make_dataset(n_classes=4, clips_per_class=6, test_per_class=1)
    runs = [pretraining(dataset, tmp_path / f"run{index}", "--epochs", "1", "--seed", "3") for index in (1, 2)]
    errors = [run.communicate(timeout=300)[1] for run in runs]  # side by side: the same weights whatever the
    # other process does meanwhile; both have ended before any assertion
    for run, stderr in zip(runs, errors):
        assert run.returncode == 0, stderr[-2000:]
    card = json.loads((tmp_path / "run1" / "card.json").read_text())
    assert card["model_file"] == "tiny.keras" and card["epochs_done"] == 1
    assert card["data"]["validation_clips"] == 4  # one per class
    assert card["data"]["class_num"] == 4 and card["data"]["train_clips"] + card["data"]["validation_clips"] == 24
    assert len(card["data"]["data_sha256"]) == 64
    assert card["recipe"]["seed"] == 3 and card["versions"]["kapre"] == "0.4.1"
    assert 0 <= card["validation_accuracy"] <= 1 and card["wall_seconds"] > 0
    assert card["command"].startswith("python -m autospeech.pretrain --dataset")
    first, second = (keras.models.load_model(tmp_path / f"run{i}" / "tiny.keras", compile=False) for i in (1, 2))
    assert first.output_shape == (None, 4)
    for ours, theirs in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(ours, theirs)  # same seed, same weights
    pretrained = tmp_path / "run1" / "tiny.keras"
    finetuned = transfer(load_source(pretrained), pretrained, (64, 64, 1), 7, ModelConfig())
    np.testing.assert_array_equal(finetuned.get_layer("conv3").get_weights()[0],
                                  first.get_layer("conv3").get_weights()[0])


def test_pretrain_reports_a_missing_dataset(tmp_path, capsys):
    argv = ["--dataset", str(tmp_path / "absent"), "--epochs", "1", "--out", str(tmp_path)]
    assert run_command("autospeech.pretrain", argv, prog="pretrain") == 2
    assert capsys.readouterr().err == f"pretrain: error: dataset folder not found: {tmp_path / 'absent'}\n"


@pytest.mark.parametrize("option", ["--epochs", "--checkpoint-every"])
def test_pretrain_rejects_non_positive_counts(tmp_path, capsys, option):
    argv = ["--dataset", str(tmp_path), "--epochs", "1", "--out", str(tmp_path), option, "0"]
    with pytest.raises(SystemExit) as exit_info:
        run_command("autospeech.pretrain", argv, prog="pretrain")
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().endswith(f"{option}: must be at least 1, got 0")
