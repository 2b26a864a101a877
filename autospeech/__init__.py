"""autospeech: the tools around the submission — the command line, the converter for your own audio, fit and
predict, pretraining and packaging for the platform. The submission itself is ``model.py`` with the
``autospeech_model`` package and ``pretrained/``; the harness is ``ingestion`` and ``scoring``.
"""
