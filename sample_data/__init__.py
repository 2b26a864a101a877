"""Builders for the sample datasets (real recordings from Debian packages); see sample_data/README.md."""
