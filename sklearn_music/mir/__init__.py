"""Music information retrieval estimators: global key, tempo and beats, chords."""

from .chords import ChordEstimator
from .key import KeyEstimator
from .tempo import TempoEstimator

__all__ = ["ChordEstimator", "KeyEstimator", "TempoEstimator"]
