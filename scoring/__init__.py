"""Scoring of AutoSpeech predictions: 2·AUC − 1 per prediction and the area under the learning curve (ALC)."""
