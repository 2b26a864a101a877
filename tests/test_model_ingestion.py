"""End to end: the repository's model.py (shipped pretrained weights) run by the harness, then scored."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ingestion.dataset import solution_path
from ingestion.ingestion import run_ingestion
from scoring.score import score_predictions

REPOSITORY = Path(__file__).resolve().parent.parent
DATASET = REPOSITORY / "sample_data" / "data05"  # language id: 5 classes, 110 train and 40 test clips
TIME_BUDGET = 20.0  # seconds: room for the first prediction (about 1 s on 2 cores), CNN rounds and the stop at 1/8


def test_submission_predicts_within_budget_and_scores_above_zero(tmp_path):
    result = run_ingestion(DATASET, REPOSITORY, tmp_path / "out", time_budget=TIME_BUDGET)
    assert result.success, result.error  # the model stopped on its own, before the budget ran out
    assert len(result.prediction_times) >= 1
    assert all(t <= TIME_BUDGET for t in result.prediction_times)
    for path in result.prediction_paths:
        prediction = np.loadtxt(path)
        assert prediction.shape == (40, 5) and np.isfinite(prediction).all()
    assert score_predictions(tmp_path / "out", solution_path(DATASET), time_budget=TIME_BUDGET).alc > 0
