"""Harmony for key finding: which triads a clip plays, and which triads each key uses.

A key is as much a set of chords in functional relations as a distribution of pitch
classes. Pitch-class profiles confuse a minor key with its relative major, whose scale is
the same: A minor's i-VI-III-V (Am F C E) has more C and E than A in it. The chords tell
them apart (the E major dominant belongs to A minor, not to C major), so key finding from
the chord sequence complements the profiles (Noland and Sandler 2006; Papadopoulos and
Peeters 2012). Here a clip's triads are summarised by a histogram (soft frame-wise triad
recognition, weighted by loudness) that is correlated with a chord profile of each key.
"""

import numpy as np
from scipy.ndimage import uniform_filter1d

from .chords import _chord_templates

__all__ = ["CHORD_PROFILE", "rotate_chords", "triad_histogram"]

_SHARPNESS = 10.0  # a triad whose cosine is 0.1 higher is e times more likely
_SMOOTHING = 1.0  # seconds of chroma averaged before recognising triads


def _functions(major, minor):
    """(24,) weights of the major (roots 0-11) and minor (12-23) triads in a key on C."""
    weights = np.zeros(24)
    for root, weight in major.items():
        weights[root] = weight
    for root, weight in minor.items():
        weights[12 + root] = weight
    return weights


#: Weights of the 24 triads (C, C#, ..., B major, then C, ..., B minor, as
#: :data:`~sklearn_music.mir.chords.CHORD_LABELS`) in a major key on C (row 0) and a minor
#: key on C (row 1), after the hierarchy of harmonic functions: tonic, then subdominant and
#: dominant, then the other diatonic triads. Major: I 1.0, IV and V 0.8, vi 0.6, ii 0.5,
#: iii 0.3, and the flat-seventh chord of rock and modal music 0.2. Minor: i 1.0, iv 0.7,
#: the major dominant V 0.7 (the harmonic minor's leading tone) and the minor v 0.4, VI
#: 0.6, III and VII 0.5. Triads outside the key weigh nothing.
CHORD_PROFILE = np.array(
    [
        _functions({0: 1.0, 5: 0.8, 7: 0.8, 10: 0.2}, {9: 0.6, 2: 0.5, 4: 0.3}),
        _functions({7: 0.7, 8: 0.6, 3: 0.5, 10: 0.5}, {0: 1.0, 5: 0.7, 7: 0.4}),
    ]
)


def rotate_chords(weights, shift):
    """Triad weights of a key ``shift`` semitones above: roots move, qualities stay.

    Parameters
    ----------
    weights : ndarray of shape (..., 24)
        Major then minor triads, roots C to B.
    shift : int
        Semitones (negative moves down).

    Returns
    -------
    rotated : ndarray of shape (..., 24)
    """
    weights = np.asarray(weights)
    major, minor = weights[..., :12], weights[..., 12:]
    return np.concatenate([np.roll(major, shift, axis=-1), np.roll(minor, shift, axis=-1)], -1)


def triad_histogram(chroma, *, frame_rate):
    """How much of a clip each of the 24 major and minor triads takes up.

    Chroma is averaged over a second (melody notes and passing tones blur into the chord),
    each frame's cosine similarity with each triad template becomes a probability
    (softmax), and the probabilities are averaged over frames weighted by their loudness.

    Parameters
    ----------
    chroma : ndarray of shape (12, n_frames)
        Non-negative chroma, rows C to B.
    frame_rate : float
        Chroma frames per second.

    Returns
    -------
    histogram : ndarray of shape (24,)
        Non-negative, sums to 1 (uniform for a silent clip); major triads on C to B, then
        minor triads.
    """
    width = max(1, int(round(_SMOOTHING * frame_rate)))
    smooth = uniform_filter1d(chroma, size=width, axis=1, mode="nearest")
    norms = np.linalg.norm(smooth, axis=0)
    if not np.any(norms > 0):
        return np.full(24, 1 / 24)
    similarity = _chord_templates()[:24] @ (smooth / np.maximum(norms, 1e-12))
    probability = np.exp(_SHARPNESS * (similarity - similarity.max(axis=0)))
    probability /= probability.sum(axis=0)
    loudness = chroma.sum(axis=0)
    return probability @ (loudness / loudness.sum())
