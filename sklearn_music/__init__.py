"""sklearn-music: scikit-learn compatible music classification.

Audio files in, scikit-learn estimators out: loaders and feature transformers that
work in Pipelines, CNNs trained through skorch, and key and tempo estimators.
"""

from .exceptions import AudioError
from .io import AudioLoader, load_audio
from .neural import CNNClassifier, CNNTagger

__version__ = "0.1.0"

__all__ = ["AudioError", "AudioLoader", "load_audio", "CNNClassifier", "CNNTagger",
           "__version__"]
