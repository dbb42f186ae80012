"""Global tempo and beat estimation from a multi-band onset envelope."""

from numbers import Integral, Real

import librosa
import numpy as np
from joblib import Parallel, delayed
from scipy.ndimage import uniform_filter1d
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import column_or_1d

from ..metrics import tempo_accuracy1
from ._clips import check_clips

__all__ = ["TempoEstimator", "onset_envelope", "tempo_salience"]

_BANDS = (0, 16, 48, 128)  # mel bands: bass and kick, low-mid, the rest (snare, hi-hat)
_STEPS_PER_OCTAVE = 240  # tempo grid resolution: 0.3 % per step, far below Acc1's 4 %
_COMB_WEIGHTS = (1.0, 0.5, 0.25)  # the beat period and its first multiples
_DFT_EXPONENT = 0.25  # weight of the Fourier tempogram against the autocorrelation
_DFT_WINDOW = 8.0  # seconds
_MIN_SAMPLES = 4096


def onset_envelope(y, *, sr, hop_length=256):
    """Spectral-flux onset strength summed over three mel bands, local mean removed.

    Each band's flux is computed on a log-mel spectrogram with a maximum filter across
    frequency (vibrato suppression, as in SuperFlux), so that soft bass and kick onsets
    count as much as loud broadband ones; subtracting the one-second running mean keeps
    only the peaks that carry the rhythm.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Mono waveform.
    sr : int
        Its sample rate.
    hop_length : int, default=256
        Samples between frames.

    Returns
    -------
    envelope : ndarray of shape (n_frames,)
        Non-negative onset strength.
    """
    y = np.asarray(y, dtype=np.float32)
    if y.size < _MIN_SAMPLES:
        y = np.pad(y, (0, _MIN_SAMPLES - y.size))
    S = librosa.power_to_db(
        librosa.feature.melspectrogram(
            y=y, sr=sr, n_fft=2048, hop_length=hop_length, n_mels=_BANDS[-1]
        )
    )
    flux = librosa.onset.onset_strength_multi(
        S=S, sr=sr, hop_length=hop_length, lag=2, max_size=3, channels=list(_BANDS)
    ).sum(axis=0)
    local_mean = uniform_filter1d(flux, size=max(1, int(round(sr / hop_length))), mode="nearest")
    return np.maximum(flux - local_mean, 0.0)


def _autocorrelation(envelope):
    x = envelope - envelope.mean()
    n = x.size
    spectrum = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(np.abs(spectrum) ** 2)[:n] / (n - np.arange(n))
    return acf / acf[0] if acf[0] > 0 else acf


def _fourier_tempogram(envelope, frame_rate, bpm):
    """Mean magnitude of windowed DFTs of the envelope at the tempi ``bpm``."""
    width = min(envelope.size, int(_DFT_WINDOW * frame_rate))
    t = np.arange(width) / frame_rate
    basis = np.exp(-2j * np.pi * np.outer(bpm / 60.0, t)) * np.hanning(width)
    starts = range(0, envelope.size - width + 1, max(1, int(frame_rate)))
    segments = np.array([envelope[s : s + width] for s in starts])
    return np.abs((segments - segments.mean(axis=1, keepdims=True)) @ basis.T).mean(axis=0)


def tempo_salience(envelope, *, frame_rate, bpm):
    """How strongly the onset envelope pulses at each tempo, before any prior.

    The autocorrelation at the beat period and its first multiples (a comb, which favours
    the beat over its subdivisions) is multiplied by a weak power of the Fourier
    tempogram (which favours the beat over its multiples), so that each of the two
    cancels the other's octave bias.

    Parameters
    ----------
    envelope : ndarray of shape (n_frames,)
        Onset envelope, as from :func:`onset_envelope`.
    frame_rate : float
        Envelope frames per second.
    bpm : ndarray of shape (n_tempi,)
        Tempi to evaluate.

    Returns
    -------
    salience : ndarray of shape (n_tempi,)
        In [0, 1], 1 at the most salient tempo.
    """
    acf = _autocorrelation(envelope)
    lags = np.arange(acf.size)
    period = 60.0 * frame_rate / bpm
    comb = sum(
        w * np.interp(k * period, lags, acf, right=0.0)
        for k, w in enumerate(_COMB_WEIGHTS, start=1)
    )
    comb = np.maximum(comb, 0.0)
    dft = _fourier_tempogram(envelope, frame_rate, bpm)
    salience = comb * (dft / max(dft.max(), 1e-12)) ** _DFT_EXPONENT
    top = salience.max()
    return salience / top if top > 0 else salience


def _log_normal_prior(bpm, center, octaves):
    return np.exp(-0.5 * (np.log2(bpm / center) / octaves) ** 2)


class TempoEstimator(BaseEstimator):
    """Global tempo of each clip in BPM, and its beats.

    A multi-band spectral-flux onset envelope is analysed for periodicity by a comb over
    its autocorrelation times a Fourier tempogram, each correcting the other's octave
    bias; a log-normal prior over tempo picks the metrical level listeners tap. Without
    labels the prior is ``prior_bpm`` and ``prior_octaves``; ``fit`` with labelled clips
    learns the prior that gets most of them right (within 4 %).

    Parameters
    ----------
    sr : int, default=22050
        Sample rate that files are loaded at, and the rate of waveforms given in memory.
    hop_length : int, default=256
        Samples between onset-envelope frames.
    min_bpm, max_bpm : float, default=30.0, 300.0
        Range of tempi considered.
    prior_bpm : float, default=120.0
        Centre of the log-normal tempo prior (the preferred tempo of listeners).
    prior_octaves : float, default=1.0
        Its standard deviation in octaves.
    n_jobs : int or None, default=None
        Clips analysed in parallel.

    Attributes
    ----------
    prior_bpm_ : float
        Centre of the prior that ``predict`` uses (learned when ``fit`` had labels).
    prior_octaves_ : float
        Its width in octaves.
    n_labelled_ : int
        Labelled clips the prior was learned from (0 when fitted without labels).

    See Also
    --------
    sklearn_music.metrics.tempo_accuracy1, sklearn_music.metrics.tempo_accuracy2

    Notes
    -----
    ``predict`` and ``predict_beats`` work before ``fit`` (with the prior of the
    parameters). ``score`` is Acc1, the fraction of clips within 4 % of the reference.

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
        "n_jobs": [Integral, None],
    }

    def __init__(self, *, sr=22050, hop_length=256, min_bpm=30.0, max_bpm=300.0,
                 prior_bpm=120.0, prior_octaves=1.0, n_jobs=None):  # fmt: skip
        self.sr = sr
        self.hop_length = hop_length
        self.min_bpm = min_bpm
        self.max_bpm = max_bpm
        self.prior_bpm = prior_bpm
        self.prior_octaves = prior_octaves
        self.n_jobs = n_jobs

    def _check_params(self):
        self._validate_params()
        if self.min_bpm >= self.max_bpm:
            raise ValueError(
                f"min_bpm ({self.min_bpm}) must be smaller than max_bpm ({self.max_bpm})"
            )

    def _bpm_grid(self):
        n = int(np.ceil(np.log2(self.max_bpm / self.min_bpm) * _STEPS_PER_OCTAVE)) + 1
        return np.geomspace(self.min_bpm, self.max_bpm, n)

    def _analyse(self, waves):
        """Onset envelopes and tempo saliences of every clip."""
        bpm = self._bpm_grid()
        frame_rate = self.sr / self.hop_length

        def one(y):
            envelope = onset_envelope(y, sr=self.sr, hop_length=self.hop_length)
            return envelope, tempo_salience(envelope, frame_rate=frame_rate, bpm=bpm)

        results = Parallel(n_jobs=self.n_jobs)(delayed(one)(w) for w in waves)
        return bpm, [e for e, _ in results], np.array([s for _, s in results])

    def _prior(self):
        if hasattr(self, "prior_bpm_"):
            return self.prior_bpm_, self.prior_octaves_
        return self.prior_bpm, self.prior_octaves

    @staticmethod
    def _pick(bpm, salience, center, octaves):
        return bpm[np.argmax(salience * _log_normal_prior(bpm, center, octaves), axis=1)]

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Set the tempo prior: the parameters' one, or one learned from labelled clips.

        With labels, the centre (60 to 200 BPM, in twelfths of an octave) and width (0.5
        to 2 octaves) of the prior are chosen to maximise Acc1 on the clips, ties going
        to the prior closest to the parameters'.

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
        if y is None:
            self.prior_bpm_, self.prior_octaves_ = float(self.prior_bpm), float(self.prior_octaves)
            self.n_labelled_ = 0
            return self
        y = column_or_1d(y, dtype=np.float64, warn=True)
        if len(y) != len(waves):
            raise ValueError(f"X holds {len(waves)} clips but y holds {len(y)} tempi")
        if not (np.all(np.isfinite(y)) and np.all(y > 0)):
            raise ValueError("reference tempi y must be positive finite numbers (BPM)")
        bpm, _, salience = self._analyse(waves)
        best = None
        for center in 60.0 * 2.0 ** (np.arange(0, 22) / 12):  # 60 to ~200 BPM
            for octaves in (0.5, 0.75, 1.0, 1.5, 2.0):
                estimate = self._pick(bpm, salience, center, octaves)
                hits = np.mean(np.abs(estimate - y) <= 0.04 * y)
                distance = abs(np.log2(center / self.prior_bpm)) + abs(
                    np.log2(octaves / self.prior_octaves)
                )
                if best is None or (hits, -distance) > best[0]:
                    best = ((hits, -distance), center, octaves)
        self.prior_bpm_, self.prior_octaves_ = float(best[1]), float(best[2])
        self.n_labelled_ = len(y)
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
            Beats per minute.
        """
        self._check_params()
        bpm, _, salience = self._analyse(check_clips(self, X))
        return self._pick(bpm, salience, *self._prior())

    def predict_beats(self, X):
        """Beat times of each clip, tracked by dynamic programming at the estimated tempo.

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
        bpm, envelopes, salience = self._analyse(check_clips(self, X))
        tempi = self._pick(bpm, salience, *self._prior())
        return [
            librosa.beat.beat_track(
                onset_envelope=e, sr=self.sr, hop_length=self.hop_length, bpm=t, units="time"
            )[1]
            for e, t in zip(envelopes, tempi)
        ]

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
