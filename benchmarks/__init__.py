"""Benchmarks: the model variants and a baseline, run through the bundled harness on the sample datasets."""
