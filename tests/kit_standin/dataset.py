"""Stand-in for the official kit's module dataset: a submission importing this name gets this file."""

KIT_MODULE = True
