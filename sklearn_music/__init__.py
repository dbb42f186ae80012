"""sklearn-music: scikit-learn compatible music classification.

Audio files in, scikit-learn estimators out: loaders and feature transformers that
work in Pipelines, CNNs trained through skorch, and key and tempo estimators.
"""

from ._config import config_context, get_config, set_config
from .exceptions import AudioError
from .features import (AudioFeatureUnion, Chroma, KeyFeatures, MelSpectrogram, MFCC, Pooling,
                       SpectralFeatures, TempoFeatures)
from .io import AudioLoader, load_audio
from .mir import ChordEstimator, KeyEstimator, TempoEstimator
from .neural import CNNClassifier, CNNTagger

__version__ = "0.1.0"

__all__ = ["AudioError", "AudioLoader", "load_audio", "CNNClassifier", "CNNTagger",
           "MelSpectrogram", "MFCC", "Chroma", "SpectralFeatures", "KeyFeatures",
           "TempoFeatures", "Pooling", "AudioFeatureUnion",
           "set_config", "get_config", "config_context",
           "KeyEstimator", "TempoEstimator", "ChordEstimator", "__version__"]
