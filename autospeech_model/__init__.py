"""autospeech_model: the submission's model package — Team Kon's AutoSpeech 2019 recipe (log-mel CNN, mixup, pretrained on data01) on TF 2 / Keras 3.

Importing the package stays light (no TensorFlow import). It only sets TF_CPP_MIN_LOG_LEVEL=2 as a default,
before any submodule imports TensorFlow, so TensorFlow's INFO and WARNING lines stay quiet while its errors
still show; set the variable yourself to override.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
