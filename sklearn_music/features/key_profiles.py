"""Key names and the major/minor key profiles of music psychology and corpus studies.

A key profile gives the weight of each of the 12 pitch classes in a key. Correlating a
clip's mean chroma with the profiles of all 24 keys is the Krumhansl-Schmuckler key
estimate; the correlations themselves are informative features (:class:`KeyFeatures`).

Keys are ordered as in :data:`KEY_NAMES`: the 12 major keys on C, C#, D, ..., B, then the
12 minor keys in the same order. Pitch classes are spelled one way whatever the mode
(:data:`PITCH_CLASSES`: sharps for C#, F#, flats for Eb, Ab, Bb, the spelling most common in
key annotations); every name is accepted by ``mir_eval.key``.
"""

import numpy as np

__all__ = ["PITCH_CLASSES", "KEY_NAMES", "PROFILE_NAMES", "key_profiles"]

#: The 12 pitch classes from C, the row order of every chroma in sklearn_music.
PITCH_CLASSES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

#: The 24 keys, majors first: "C major", ..., "B major", "C minor", ..., "B minor".
KEY_NAMES = tuple(f"{pc} {mode}" for mode in ("major", "minor") for pc in PITCH_CLASSES)

# Major and minor profiles of a key on C (columns C, C#, ..., B).
_PROFILES_ON_C = {
    # Krumhansl & Kessler (1982), probe-tone ratings, as tabulated in Krumhansl,
    # "Cognitive Foundations of Musical Pitch" (1990).
    "krumhansl": (
        (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
        (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17),
    ),
    # Temperley (1999), "What's key for key? The Krumhansl-Schmuckler key-finding algorithm
    # reconsidered", Music Perception 17(1).
    "temperley": (
        (5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0),
        (5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0),
    ),
}

#: The names :func:`key_profiles` accepts.
PROFILE_NAMES = tuple(_PROFILES_ON_C)


def key_profiles(name="krumhansl"):
    """The profiles of the 24 keys, one row per key in :data:`KEY_NAMES` order.

    Parameters
    ----------
    name : {"krumhansl", "temperley"}, default="krumhansl"
        Krumhansl-Kessler probe-tone ratings (1982) or Temperley's revised profiles (1999).

    Returns
    -------
    profiles : ndarray of shape (24, 12)
        Row ``k`` is the profile of ``KEY_NAMES[k]``; columns are the pitch classes
        C, C#, ..., B. The minor profiles are those of the original publications (not
        normalised).

    Examples
    --------
    >>> from sklearn_music.features.key_profiles import KEY_NAMES, key_profiles
    >>> profiles = key_profiles("krumhansl")
    >>> profiles.shape
    (24, 12)
    >>> KEY_NAMES[9 + 12], float(profiles[9 + 12, 9])  # A minor peaks on its tonic, A
    ('A minor', 6.33)
    """
    if name not in _PROFILES_ON_C:
        raise ValueError(f"unknown key profile {name!r}; choose one of {PROFILE_NAMES}")
    on_c = np.asarray(_PROFILES_ON_C[name], dtype=float)
    return np.array([np.roll(on_c[mode], tonic) for mode in (0, 1) for tonic in range(12)])
