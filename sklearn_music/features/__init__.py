"""Feature transformers: audio in, frame-level (3-D) or clip-level (2-D) features out.

Frame-level (n_clips, n_features, n_frames): :class:`MelSpectrogram`, :class:`MFCC`,
:class:`Chroma`, :class:`SpectralFeatures`. Clip-level (n_clips, n_features):
:class:`KeyFeatures`, :class:`TempoFeatures`. :class:`Pooling` turns frames into a 2-D
table with named columns. :class:`AudioFeatureUnion` computes the features of several
transformers in one pass over the clips.
"""

from .pooling import Pooling
from .rhythm import TempoFeatures
from .spectral import MFCC, MelSpectrogram, SpectralFeatures
from .tonal import Chroma, KeyFeatures
from .union import AudioFeatureUnion

__all__ = [
    "AudioFeatureUnion",
    "Chroma",
    "KeyFeatures",
    "MFCC",
    "MelSpectrogram",
    "Pooling",
    "SpectralFeatures",
    "TempoFeatures",
]
