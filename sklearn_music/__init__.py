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
from .screening import screen_audio

__version__ = "0.1.0"

_LAZY = {"CNNClassifier": "neural", "CNNTagger": "neural"}


def __getattr__(name):
    # The CNNs import torch (seconds); load them on first use so that feature extraction,
    # and every joblib or Dask worker doing it, starts without torch.
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))

__all__ = ["AudioError", "AudioLoader", "load_audio", "CNNClassifier", "CNNTagger",
           "MelSpectrogram", "MFCC", "Chroma", "SpectralFeatures", "KeyFeatures",
           "TempoFeatures", "Pooling", "AudioFeatureUnion",
           "set_config", "get_config", "config_context",
           "KeyEstimator", "TempoEstimator", "ChordEstimator", "screen_audio", "__version__"]
