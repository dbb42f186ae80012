"""Global tempo and beat estimation: periodicity of band onset envelopes, octave choice."""

import warnings
from numbers import Integral, Real

import librosa
import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, _fit_context
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import column_or_1d

from ..metrics import tempo_accuracy1
from ._clips import check_clips, warn_clips
from ._periodicity import (_SAME_TEMPO, analysis_window, onset_envelopes, periodicity,
                           tempo_grid)

__all__ = ["TempoEstimator"]

_HIT = 0.04  # a candidate within 4 % of the reference is right (Acc1's tolerance)
#: Leading and trailing beats are dropped while they are quieter than the clip's upper
#: quartile of beat levels by more than this many dB, or their onset strength is below this
#: fraction of the upper quartile of beat strengths: a silent or hissing lead-in and a
#: fade-out hold no beats. (librosa's own ``trim=True`` also cut audible beats: its
#: threshold is near the average beat, and it cut the first 2 s of a steady click track
#: saved as 8-bit audio. With this rule the beat F-measure rose from 0.794 to 0.802 on the
#: 50 GTZAN clips and from 0.823 to 0.856 on 40 rendered grooves of seed 11, and no beat
#: was kept in white noise 30-60 dB below the music before it, up to twice as long as the
#: music; against the median beat, a lead-in longer than the music kept its beats.)
_BEAT_QUIETER_DB = 20.0
_BEAT_WEAKER = 0.2
_BEAT_REFERENCE = 75  # percentile of the beats' levels and strengths


def _log_normal_prior(bpm, center, octaves):
    return np.exp(-0.5 * (np.log2(bpm / center) / octaves) ** 2)


def _between_weak_ends(frames, strength, loudness):
    """The beats ``frames`` from the first to the last that is neither much quieter nor
    much weaker than the clip's strong beats (each beat read within two frames of it)."""
    if len(frames) == 0:
        return frames

    def around(curve):
        return np.array([curve[max(0, i - 2) : i + 3].max(initial=-np.inf) for i in frames])

    loud, strong = around(loudness), around(strength)
    kept = np.flatnonzero(
        (loud >= np.percentile(loud, _BEAT_REFERENCE) - _BEAT_QUIETER_DB)
        & (strong >= _BEAT_WEAKER * np.percentile(strong, _BEAT_REFERENCE))
    )
    return frames[kept[0] : kept[-1] + 1] if kept.size else frames[:0]


class TempoEstimator(BaseEstimator):
    """Global tempo of each clip in BPM, and its beats.

    Spectral-flux onset envelopes in three mel bands (kick and bass, low mids, snare and
    hi-hat) are analysed for periodicity over a grid of tempi: a comb over the
    autocorrelation times a Fourier tempogram, each correcting the other's octave bias.
    Which metrical level listeners tap is the hard part (octave errors):

    - without labels, a log-normal prior over tempo (``prior_bpm``, ``prior_octaves``)
      weighs the salience curve and its peak wins;
    - ``fit`` with labelled clips learns it instead: the salience peaks of each clip and
      their doubles and halves are candidates, and a gradient-boosted classifier learns
      which candidate is the annotated tempo from its log-tempo (a learned prior) and the
      periodicity evidence at the candidate, its octaves and its 3:2 relatives, in every
      band. ``predict`` then takes the most probable candidate.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate that files are loaded at, and the rate of waveforms given in memory.
    hop_length : int, default=256
        Samples between onset-envelope frames.
    min_bpm, max_bpm : float, default=40.0, 250.0
        Range of tempi the estimate lies in.
    prior_bpm : float, default=120.0
        Centre of the log-normal tempo prior used without labels (the preferred tempo of
        listeners).
    prior_octaves : float, default=1.0
        Its standard deviation in octaves.
    random_state : int, RandomState instance or None, default=0
        Seeds the candidate classifier of ``fit``.
    n_jobs : int or None, default=None
        Clips analysed in parallel.

    Attributes
    ----------
    candidate_classifier_ : HistGradientBoostingClassifier or None
        The classifier that picks the tempo among candidates, or None when ``fit`` had no
        labels (or no usable ones) and the prior picks it.
    n_labelled_ : int
        Labelled clips ``fit`` learned from (0 without labels); clips too short to hold two
        beats at ``max_bpm`` or without onsets are left out, with a warning.

    See Also
    --------
    sklearn_music.metrics.tempo_accuracy1, sklearn_music.metrics.tempo_accuracy2

    Notes
    -----
    ``predict`` and ``predict_beats`` work before ``fit`` (with the prior). ``score`` is
    Acc1, the fraction of clips within 4 % of the reference.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music import TempoEstimator
    >>> sr = 22050
    >>> clicks = np.zeros(8 * sr, dtype=np.float32)
    >>> for beat in np.arange(0, 8, 0.5):  # 120 BPM
    ...     start = int(beat * sr)
    ...     clicks[start : start + 200] = np.random.default_rng(0).standard_normal(200)
    >>> TempoEstimator(sr=sr).predict([clicks]).round()
    array([120.])
    """

    _parameter_constraints = {
        "sr": [Interval(Integral, 1, None, closed="left")],
        "hop_length": [Interval(Integral, 1, None, closed="left")],
        "min_bpm": [Interval(Real, 0, None, closed="neither")],
        "max_bpm": [Interval(Real, 0, None, closed="neither")],
        "prior_bpm": [Interval(Real, 0, None, closed="neither")],
        "prior_octaves": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(self, *, sr=22050, hop_length=256, min_bpm=40.0, max_bpm=250.0,
                 prior_bpm=120.0, prior_octaves=1.0, random_state=0, n_jobs=None):  # fmt: skip
        self.sr = sr
        self.hop_length = hop_length
        self.min_bpm = min_bpm
        self.max_bpm = max_bpm
        self.prior_bpm = prior_bpm
        self.prior_octaves = prior_octaves
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _check_params(self):
        self._validate_params()
        if self.min_bpm >= self.max_bpm:
            raise ValueError(
                f"min_bpm ({self.min_bpm}) must be smaller than max_bpm ({self.max_bpm})"
            )

    def _analyse(self, waves):
        """Band onset envelopes and the Periodicity of every clip."""
        bpm = tempo_grid(self.min_bpm, self.max_bpm)
        frame_rate = self.sr / self.hop_length

        def one(y):
            envelopes = onset_envelopes(y, sr=self.sr, hop_length=self.hop_length)
            return envelopes, periodicity(envelopes, frame_rate=frame_rate, bpm=bpm)

        return Parallel(n_jobs=self.n_jobs)(delayed(one)(w) for w in waves)

    def _prior_pick(self, rhythm):
        """The tempo in range where salience times the prior peaks, and that product."""
        weighted = rhythm.salience * _log_normal_prior(
            rhythm.bpm, self.prior_bpm, self.prior_octaves
        )
        in_range = (rhythm.bpm >= self.min_bpm) & (rhythm.bpm <= self.max_bpm)
        weighted[~in_range] = 0.0
        best = np.flatnonzero(in_range)[np.argmax(weighted[in_range])]
        return float(rhythm.bpm[best]), weighted

    def _candidates(self, rhythm):
        """Candidate tempi and their features: the periodicity evidence, plus how the
        prior rates them (so that a classifier trained on few clips can lean on it)."""
        pick, weighted = self._prior_pick(rhythm)
        candidates = rhythm.candidates(self.min_bpm, self.max_bpm)
        is_pick = np.abs(np.log2(candidates / pick)) < _SAME_TEMPO
        if not is_pick.any():
            candidates, is_pick = np.append(candidates, pick), np.append(is_pick, True)
        prior_score = rhythm.at(weighted, candidates) / max(weighted.max(), 1e-12)
        features = np.column_stack([rhythm.features(candidates), prior_score, is_pick])
        return candidates, features

    def _tempo(self, rhythm):
        classifier = getattr(self, "candidate_classifier_", None)
        if classifier is None:
            return self._prior_pick(rhythm)[0]
        candidates, features = self._candidates(rhythm)
        return float(candidates[np.argmax(classifier.predict_proba(features)[:, 1])])

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn from labelled clips which candidate tempo is the annotated one.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths, a 2-D float array (n_clips, n_samples), or a list of
            1-D waveforms at ``sr``.
        y : array-like of shape (n_clips,) or None, default=None
            Reference tempi in BPM, or None to keep the prior of the parameters.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._check_params()
        waves = check_clips(self, X, load=y is not None, reset=True)
        self.candidate_classifier_ = None
        self.n_labelled_ = 0
        if y is None:
            return self
        y = column_or_1d(y, dtype=np.float64, warn=True)
        if len(y) != len(waves):
            raise ValueError(f"X holds {len(waves)} clips but y holds {len(y)} tempi")
        if not (np.all(np.isfinite(y)) and np.all(y > 0)):
            raise ValueError("reference tempi y must be positive finite numbers (BPM)")
        analysed = self._analyse(waves)
        short, silent = self._without_tempo(waves, analysed)
        warn_clips(short | silent, "are too short to hold two beats at max_bpm or have no "
                   "onsets", "they are left out of fit", stacklevel=3)  # fmt: skip
        features, hits = [], []
        for (_, rhythm), tempo, usable in zip(analysed, y, ~(short | silent)):
            if not usable:
                continue
            candidates, candidate_features = self._candidates(rhythm)
            features.append(candidate_features)
            hits.append(np.abs(candidates - tempo) <= _HIT * tempo)
        hits = np.concatenate(hits) if hits else np.zeros(0, dtype=bool)
        if hits.all() or not hits.any():
            warnings.warn(
                "no clip offers both a right and a wrong candidate tempo (are the reference "
                f"tempi within min_bpm={self.min_bpm} and max_bpm={self.max_bpm}?); "
                "keeping the prior",
                UserWarning,
            )
            return self
        classifier = HistGradientBoostingClassifier(
            max_depth=3, max_iter=100, learning_rate=0.1, early_stopping=False,
            random_state=self.random_state,
        )  # fmt: skip
        self.candidate_classifier_ = classifier.fit(np.vstack(features), hits)
        self.n_labelled_ = len(features)
        return self

    def predict(self, X):
        """Tempo of each clip.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths or waveforms at ``sr``.

        Returns
        -------
        tempo : ndarray of shape (n_clips,)
            Beats per minute; ``prior_bpm``, with a warning, for clips without onsets.
        """
        self._check_params()
        waves = check_clips(self, X)
        analysed = self._analyse(waves)
        short, silent = self._without_tempo(waves, analysed)
        warn_clips(short, f"last less than two beats at max_bpm={self.max_bpm:g} "
                   f"({self._min_samples() / self.sr:.2f} s)",
                   f"too short to hold a tempo; their tempo is prior_bpm={self.prior_bpm:g}",
                   stacklevel=2)  # fmt: skip
        warn_clips(silent & ~short, "have no onsets",
                   f"silence, or too short; their tempo is prior_bpm={self.prior_bpm:g}",
                   stacklevel=2)  # fmt: skip
        return np.array([self.prior_bpm if none else self._tempo(rhythm)
                         for none, (_, rhythm) in zip(short | silent, analysed)])

    def _min_samples(self):
        """Samples of two beats at ``max_bpm``: shorter clips cannot show a period."""
        return 2 * 60.0 / self.max_bpm * self.sr

    def _without_tempo(self, waves, analysed):
        """Flags of the clips that hold no tempo: too short for it, or without onsets."""
        short = np.array([len(y) < self._min_samples() for y in waves], dtype=bool)
        silent = np.array([not envelopes.any() for envelopes, _ in analysed], dtype=bool)
        return short, silent

    def predict_beats(self, X):
        """Beat times of each clip, tracked by dynamic programming at the estimated tempo.

        Beats at the start and the end of a clip that are much quieter or weaker than its
        strong beats (more than 20 dB below the upper quartile of the beats' levels, or
        under a fifth of the upper quartile of their onset strengths: silence or hiss
        before the music, a fade after it) are left out, as are beats after the clip's
        end.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths or waveforms at ``sr``.

        Returns
        -------
        beats : list of ndarray
            For each clip, the beat times in seconds.
        """
        self._check_params()
        waves = check_clips(self, X)
        beats = []
        for y, (envelopes, rhythm) in zip(waves, self._analyse(waves)):
            strength = envelopes.sum(axis=0)
            _, frames = librosa.beat.beat_track(
                onset_envelope=strength, sr=self.sr, hop_length=self.hop_length,
                bpm=self._tempo(rhythm), trim=False,
            )  # fmt: skip
            frames = _between_weak_ends(frames, strength, self._loudness(y))
            times = librosa.frames_to_time(frames, sr=self.sr, hop_length=self.hop_length)
            beats.append(times[times < len(y) / self.sr])
        return beats

    def _loudness(self, y):
        """RMS level in dB of the onset envelope's frames (the same window and hop)."""
        rms = librosa.feature.rms(y=y, frame_length=analysis_window(self.sr),
                                  hop_length=self.hop_length)[0]
        return librosa.amplitude_to_db(rms, ref=1.0, top_db=None)

    def score(self, X, y):
        """Acc1: the fraction of clips whose tempo is within 4 % of the reference.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths or waveforms at ``sr``.
        y : array-like of shape (n_clips,)
            Reference tempi in BPM.

        Returns
        -------
        score : float
        """
        return tempo_accuracy1(y, self.predict(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.target_tags.required = False
        tags.target_tags.positive_only = True
        tags.input_tags.string = True
        return tags
