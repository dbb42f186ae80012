"""Global key estimation: pitch-class profiles and chord profiles of the 24 keys."""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import column_or_1d

from ..features.key_profiles import KEY_NAMES, key_profiles
from ..metrics import _check_pair, _parse_key
from ._chroma import CHROMA_KINDS, chroma_frames
from ._clips import check_clips, warn_clips, warn_short_clips
from ._harmony import CHORD_PROFILE, rotate_chords, triad_histogram

__all__ = ["CHORD_PROFILE", "KeyEstimator", "TRIAD_PROFILE"]

#: Frames of the chroma each kind is analysed on: the NNLS variant solves one transcription
#: per frame, so its frames are longer (93 ms at 22050 Hz, four CQT frames averaged), and
#: it folds C2 to B5, the octaves where the chords and the bass's upper partials lie (its
#: transcription resolves the bass notes below, which stay out of the chroma).
_ANALYSIS = {"nnls": {"hop_length": 2048, "fmin": 65.41}}
_DEFAULT_ANALYSIS = {"hop_length": 512}


def _triad_profile(third, scale, borrowed=()):
    profile = np.zeros(12)
    profile[list(borrowed)] = 0.2  # notes the mode borrows now and then
    profile[list(scale)] = 0.4  # the scale
    profile[[0, third, 7]] = [1.0, 0.7, 0.8]  # the tonic triad above it
    return profile


#: Major and minor profiles (rows; columns C, C#, ..., B for a key on C): the tonic triad
#: (tonic 1.0, fifth 0.8, third 0.7) over the rest of the diatonic scale (0.4; natural minor
#: for minor keys, whose raised seventh, the leading tone of the major dominant chord that
#: minor keys borrow, gets 0.2) and nothing outside it. Audio chroma of popular music is
#: dominated by the chords, not by the melodic statistics that Krumhansl's and Temperley's
#: profiles measure, and the triad profile suits it better (see docs/key-tempo-chords.md).
TRIAD_PROFILE = np.array(
    [
        _triad_profile(4, (0, 2, 4, 5, 7, 9, 11)),
        _triad_profile(3, (0, 2, 3, 5, 7, 8, 10), borrowed=(11,)),
    ]
)

_PROFILES = {
    "triad": TRIAD_PROFILE,
    "krumhansl": key_profiles("krumhansl"),
    "temperley": key_profiles("temperley"),
}


def _major_minor(profiles):
    """(2, 12) major and minor profiles from a (2, 12) or (24, 12) array."""
    profiles = np.asarray(profiles, dtype=float)
    return profiles[[0, 12]] if profiles.shape[0] == 24 else profiles


def _unit(x):
    """Centred and scaled to unit norm along the last axis (correlation = dot product)."""
    x = x - x.mean(axis=-1, keepdims=True)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def _key_templates(profiles, rotate=np.roll):
    """(24, n) unit templates in KEY_NAMES order from (2, n) major/minor profiles in C.

    ``rotate(profile, tonic)`` transposes a profile: ``np.roll`` for the 12 pitch
    classes, :func:`rotate_chords` for the 24 triads of a chord profile.
    """
    rolled = [rotate(profiles[mode], tonic) for mode in (0, 1) for tonic in range(12)]
    return _unit(np.array(rolled))


def _key_index(label):
    """Index into KEY_NAMES of a key label (a name or a whole number 0-23); -1 for unknown."""
    tonic, mode = _parse_key(label)
    if tonic is None:
        return -1
    if mode == "other":
        raise ValueError(f"key label {label!r}: only major and minor keys can be learned")
    return tonic + (12 if mode == "minor" else 0)


class KeyEstimator(ClassifierMixin, BaseEstimator):
    """Global key of each clip, one of the 24 major and minor keys.

    Two kinds of evidence are weighed for each key, both correlations in [-1, 1]:

    - pitch classes: the chroma of the harmonic part of the clip (tuning estimated,
      percussion removed by median-filtering HPSS, notes found by an approximate
      transcription), averaged over time and correlated with a profile of the key
      (Krumhansl-Schmuckler key finding);
    - harmony: a histogram of the major and minor triads the clip plays (soft frame-wise
      triad recognition on one-second chroma), correlated with the triads of the key
      (:data:`~sklearn_music.mir.key.CHORD_PROFILE`), which tells a minor key from
      its relative major by its dominant chord, not by a pitch-class balance.

    The key with the largest weighted mean of the two correlations wins (weight 1 for the
    pitch classes, ``harmony`` for the chords). Without labels the profiles are templates;
    ``fit`` with labels learns a major and a minor pitch-class profile and chord profile
    from the labelled clips, each clip rotated to C so that every clip teaches its mode's
    profiles whatever its key, shrunk towards the templates.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate that files are loaded at, and the rate of waveforms given in memory.
    profile : {"triad", "krumhansl", "temperley"}, default="triad"
        Template profiles: the tonic triad over the diatonic scale
        (:data:`TRIAD_PROFILE`), Krumhansl and Kessler's probe-tone ratings, or Temperley's
        corpus profiles (:mod:`sklearn_music.features.key_profiles`).
    chroma : {"nnls", "cqt", "stft", "cens"}, default="nnls"
        Chroma: ``"nnls"`` folds the notes from C2 to B5 of an approximate transcription
        (a whitened, tuned constant-Q spectrogram explained as a non-negative sum of note
        spectra, after Mauch and Dixon's NNLS chroma), log-compressed; ``"cqt"`` folds the
        pitch-centred constant-Q bins from C3 to B6, log-compressed; ``"stft"`` and
        ``"cens"`` are librosa's chroma.
    harmonic : bool, default=True
        Remove the percussive part before computing chroma.
    tuning : float or None, default=None
        Deviation from A440 in fractions of a semitone; None estimates it per clip.
    harmony : float, default=1.0
        Weight of the chord evidence against the pitch-class evidence; 0 is plain
        Krumhansl-Schmuckler key finding on the profiles.
    prior_strength : float, default=10.0
        When ``fit`` learns profiles: how many clips the templates count as. 0 learns
        from the data alone; large values keep the templates.
    n_jobs : int or None, default=None
        Clips analysed in parallel.

    Attributes
    ----------
    classes_ : ndarray of shape (24,)
        The keys, ``"C major"`` to ``"B major"`` then ``"C minor"`` to ``"B minor"``
        (:data:`~sklearn_music.features.key_profiles.KEY_NAMES`), or their indices 0-23
        when ``fit`` was given integer labels.
    profiles_ : ndarray of shape (2, 12)
        The major and minor pitch-class profiles for a key on C that ``predict`` uses.
    chord_profiles_ : ndarray of shape (2, 24)
        The weights of the 24 triads (as ``CHORD_LABELS[:24]``) in a major and a minor key
        on C that ``predict`` uses.
    n_labelled_ : int
        Labelled clips the profiles were learned from (0 when fitted without labels).

    See Also
    --------
    sklearn_music.metrics.mirex_key_score : MIREX's weighted score, also as a scorer.

    Notes
    -----
    ``predict`` works before ``fit`` (the template profiles need no training), as
    ``KeyEstimator().predict(paths)``. ``score`` (what ``GridSearchCV`` maximises by
    default) is the accuracy, keys compared as keys whatever their spelling; pass
    ``scoring=mirex_key_scorer`` for the MIREX score. Clips shorter than one analysis
    window (93 ms) are too short to hold a key: ``fit`` and ``predict`` warn, naming them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music import KeyEstimator
    >>> sr = 22050
    >>> t = np.arange(2 * sr) / sr
    >>> a_minor = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 261.63, 329.63))
    >>> KeyEstimator(sr=sr).predict([a_minor])
    array(['A minor'], dtype=object)
    """

    _parameter_constraints = {
        "sr": [Interval(Integral, 1, None, closed="left")],
        "profile": [StrOptions(set(_PROFILES))],
        "chroma": [StrOptions(set(CHROMA_KINDS))],
        "harmonic": ["boolean"],
        "tuning": [Interval(Real, -0.5, 0.5, closed="both"), None],
        "harmony": [Interval(Real, 0, None, closed="left")],
        "prior_strength": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [Integral, None],
    }

    def __init__(self, *, sr=22050, profile="triad", chroma="nnls", harmonic=True, tuning=None,
                 harmony=1.0, prior_strength=10.0, n_jobs=None):  # fmt: skip
        self.sr = sr
        self.profile = profile
        self.chroma = chroma
        self.harmonic = harmonic
        self.tuning = tuning
        self.harmony = harmony
        self.prior_strength = prior_strength
        self.n_jobs = n_jobs

    def _analyse(self, waves):
        """(n_clips, 12) mean chroma and (n_clips, 24) triad histograms, unit-normalised."""

        analysis = _ANALYSIS.get(self.chroma, _DEFAULT_ANALYSIS)
        frame_rate = self.sr / analysis["hop_length"]
        warn_short_clips(waves, self.sr, "too short to hold a key, their predicted key is "
                         "arbitrary", stacklevel=3)

        def one(y):
            chroma = chroma_frames(
                y, sr=self.sr, kind=self.chroma, harmonic=self.harmonic, tuning=self.tuning,
                **analysis,
            )  # fmt: skip
            return chroma.mean(axis=1), triad_histogram(chroma, frame_rate=frame_rate)

        results = Parallel(n_jobs=self.n_jobs)(delayed(one)(w) for w in waves)
        chroma = np.array([r[0] for r in results])
        warn_clips(~chroma.any(axis=1), "hold no pitched sound",
                   "every key scores 0 for them and their predicted key is arbitrary (a silent "
                   "file, or a stereo file whose channels cancel when mixed to mono?)",
                   stacklevel=3)  # fmt: skip
        return _unit(chroma), _unit(np.array([r[1] for r in results]))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Set the profiles: the templates, or profiles learned from labelled clips.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths, a 2-D float array (n_clips, n_samples), or a list of
            1-D waveforms at ``sr``.
        y : array-like of shape (n_clips,) or None, default=None
            Keys such as ``"A minor"`` or ``"Eb major"`` (any of mir_eval's spellings), or
            indices 0-23 into ``KEY_NAMES``; ``"X"``, -1, None or NaN marks a clip whose
            key is unknown (it is skipped). ``y=None`` keeps the template profiles.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        template = _major_minor(_PROFILES[self.profile])
        waves = check_clips(self, X, load=y is not None, reset=True)
        if y is None:
            self.classes_ = np.asarray(KEY_NAMES, dtype=object)
            self.profiles_ = template.copy()
            self.chord_profiles_ = CHORD_PROFILE.copy()
            self.n_labelled_ = 0
            return self
        y = column_or_1d(y, warn=True)
        with np.errstate(invalid="ignore"):  # inf % 1 is NaN, refused below
            whole = y.dtype.kind != "f" or np.all(np.isnan(y) | (np.mod(y, 1) == 0))
        if not whole:
            raise ValueError(
                "Unknown label type: continuous. Key labels are names such as 'A minor' or "
                "indices 0-23 into KEY_NAMES"
            )
        if len(y) != len(waves):
            raise ValueError(f"X holds {len(waves)} clips but y holds {len(y)} keys")
        keys = np.array([_key_index(label) for label in y])
        labelled = keys >= 0
        if not labelled.any():
            raise ValueError("y holds no known key: every label is 'X', -1 or missing")
        chroma, chords = self._analyse(waves)
        sums = self.prior_strength * _unit(template)
        chord_sums = self.prior_strength * _unit(CHORD_PROFILE)
        for c, h, key in zip(chroma[labelled], chords[labelled], keys[labelled]):
            # rotate the clip's key to C
            sums[key // 12] += np.roll(c, -(key % 12))
            chord_sums[key // 12] += rotate_chords(h, -(key % 12))
        numeric_labels = y.dtype.kind in "iuf"
        self.classes_ = np.arange(24) if numeric_labels else np.asarray(KEY_NAMES, dtype=object)
        self.profiles_ = sums
        self.chord_profiles_ = chord_sums
        self.n_labelled_ = int(labelled.sum())
        return self

    def _profiles_and_classes(self):
        if hasattr(self, "profiles_"):
            return self.profiles_, self.chord_profiles_, self.classes_
        self._validate_params()
        template = _major_minor(_PROFILES[self.profile])
        return template, CHORD_PROFILE, np.asarray(KEY_NAMES, dtype=object)

    def decision_function(self, X):
        """How well each key fits each clip: pitch-class and chord correlations, weighted.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths or waveforms at ``sr``.

        Returns
        -------
        scores : ndarray of shape (n_clips, 24)
            The weighted mean, in [-1, 1], of the Pearson correlation of the clip's mean
            chroma with the key's profile (weight 1) and that of its triad histogram with
            the key's chord profile (weight ``harmony``), columns in the order of
            ``classes_``.
        """
        profiles, chord_profiles, _ = self._profiles_and_classes()
        chroma, chords = self._analyse(check_clips(self, X))
        scores = chroma @ _key_templates(profiles).T
        scores += self.harmony * (chords @ _key_templates(chord_profiles, rotate_chords).T)
        return scores / (1.0 + self.harmony)

    def predict(self, X):
        """Key of each clip.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths or waveforms at ``sr``.

        Returns
        -------
        keys : ndarray of shape (n_clips,)
            Key names such as ``"A minor"`` (or indices 0-23, see ``classes_``).
        """
        classes = self._profiles_and_classes()[-1]
        return classes[np.argmax(self.decision_function(X), axis=1)]

    def score(self, X, y, sample_weight=None):
        """Accuracy: the (weighted) fraction of clips whose key is the reference key.

        Keys are compared as keys, not as strings: ``"Db major"``, ``"c# major"`` and 1
        are the same key. An unknown reference key (``"X"``, -1, None) counts as a miss, as in
        :func:`~sklearn_music.metrics.mirex_key_score`.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths or waveforms at ``sr``.
        y : array-like of shape (n_clips,)
            Reference keys: names in any of mir_eval's spellings, or indices 0-23 into
            ``KEY_NAMES``.
        sample_weight : array-like of shape (n_clips,) or None, default=None
            Weight of each clip.

        Returns
        -------
        score : float
            In [0, 1].
        """
        reference, estimate = _check_pair(y, self.predict(X), "key")
        hits = [_parse_key(r) == _parse_key(e) for r, e in zip(reference, estimate)]
        return float(np.average(hits, weights=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.target_tags.required = False
        tags.input_tags.string = True
        return tags
