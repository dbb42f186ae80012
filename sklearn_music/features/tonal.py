"""Tonal features: chroma frames, and the key-profile correlations of a clip's chroma."""

import math
from numbers import Integral, Real

import librosa
import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import ClipTransformer, FrameTransformer
from ._context import frame_count
from ._spectra import chroma_from_power, padding_short_clips
from ._stream import FrameWise
from .key_profiles import KEY_NAMES, PITCH_CLASSES, PROFILE_NAMES, key_profiles

__all__ = ["Chroma", "KeyFeatures"]

# The tuning librosa's CQT chroma estimates: its pitch tracker over |STFT| (2048 points,
# hop 512), in fractions of a third of a semitone (36 bins per octave).
_CQT_TUNING = (2048, 512, 1.0, 36)

_CHROMA_CONSTRAINTS = {
    "kind": [StrOptions({"stft", "cqt", "cens"})],
    "n_fft": [Interval(Integral, 1, None, closed="left")],
    "hop_length": [Interval(Integral, 1, None, closed="left")],
    "fmin": [Interval(Real, 0, None, closed="neither"), None],
    "n_octaves": [Interval(Integral, 1, None, closed="left")],
    "tuning": [Interval(Real, -0.5, 0.5, closed="left"), None],
}


def _chroma(ctx, *, kind, n_fft, hop_length, fmin, n_octaves, tuning):
    """Chroma of a clip, rows C, C#, ..., B, ``1 + len(y) // hop_length`` frames.

    The STFT chroma is folded from the clip's shared power spectrogram, with the tuning
    estimated from that spectrogram when not given, as
    :func:`librosa.feature.chroma_stft` does; the CQT chroma is librosa's, with the
    tuning librosa would estimate taken from the clip's context.

    A clip shorter than the lowest constant-Q filters (about 2 s) is zero-padded, which is
    what its chroma needs, without librosa's notice of it (``padding_short_clips``); a
    clip without pitched content gets tuning 0 (see ``tuning_from_peaks``).
    """
    if kind == "stft":
        if tuning is None:
            tuning = ctx.tuning(n_fft, hop_length)
        return chroma_from_power(ctx.spectrogram(n_fft, hop_length), sr=ctx.sr, n_fft=n_fft,
                                 tuning=tuning)  # fmt: skip
    if tuning is None:
        tuning = ctx.tuning(*_CQT_TUNING)
    function = librosa.feature.chroma_cqt if kind == "cqt" else librosa.feature.chroma_cens
    with padding_short_clips():
        chroma = function(y=ctx.y, sr=ctx.sr, hop_length=hop_length, fmin=fmin,
                          n_octaves=n_octaves, tuning=tuning)  # fmt: skip
    return chroma[:, : frame_count(len(ctx.y), hop_length)]


def _chroma_plan(estimator, **kwargs):
    """How a long clip's chroma is analysed in blocks (see ``features._stream``).

    Frame by frame, once the clip's tuning is estimated (when not given). A CQT frame
    reads the samples under the longest filter (the lowest bin's); the blocks reach twice
    its length beyond their frames (where the chroma is the whole clip's within 1e-6),
    and the CENS smoothing's 41 frames more.
    """
    hop = estimator.hop_length
    if estimator.kind == "stft":
        width, tuning = estimator.n_fft, (estimator.n_fft, hop, 2.0, 12)
    else:
        fmin = librosa.note_to_hz("C1") if estimator.fmin is None else estimator.fmin
        longest = estimator.sr / fmin / (2 ** (1 / _CQT_TUNING[3]) - 1)
        width = 2 * math.ceil(2 * longest + (21 * hop if estimator.kind == "cens" else 0))
        tuning = _CQT_TUNING
    return FrameWise(width, hop, tuning=tuning if estimator.tuning is None else None, **kwargs)


def _check_chroma_range(estimator):
    """The CQT's top octave must end below the Nyquist frequency."""
    if estimator.kind == "stft":
        return
    fmin = librosa.note_to_hz("C1") if estimator.fmin is None else estimator.fmin
    top = fmin * 2.0**estimator.n_octaves
    if top > estimator.sr / 2:
        raise ValueError(
            f"{estimator.n_octaves} octaves from fmin={fmin:.2f} Hz reach {top:.0f} Hz, above "
            f"the Nyquist frequency sr/2 = {estimator.sr / 2:g} Hz; lower n_octaves or fmin"
        )


class Chroma(FrameTransformer):
    """Chroma (pitch class profile) of each frame: energy in each of the 12 pitch classes.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate in Hz of the waveforms (files are loaded at it).
    kind : {"stft", "cqt", "cens"}, default="stft"
        ``"stft"``: folded from the power spectrogram (:func:`librosa.feature.chroma_stft`),
        fast; ``"cqt"``: from a constant-Q transform (:func:`librosa.feature.chroma_cqt`),
        sharper pitch resolution in the bass; ``"cens"``: CQT chroma smoothed and quantised
        (:func:`librosa.feature.chroma_cens`), robust to dynamics and articulation.
    n_fft : int, default=2048
        FFT window length in samples (``kind="stft"`` only).
    hop_length : int, default=512
        Samples between successive frames.
    fmin : float or None, default=None
        Lowest CQT frequency in Hz, None for C1 (32.7 Hz) (``"cqt"`` and ``"cens"`` only).
    n_octaves : int, default=7
        CQT octaves above ``fmin`` (``"cqt"`` and ``"cens"`` only).
    tuning : float or None, default=None
        Deviation from A440 in fractions of a bin; None estimates it from each clip.
    n_jobs : int or None, default=None
        Clips processed in parallel (joblib); None means 1, -1 all cores.
    memory : str, joblib.Memory or None, default=None
        Cache each clip's features (see :class:`~sklearn_music.MelSpectrogram`); None
        caches nothing.

    Attributes
    ----------
    n_features_in_ : int
        Samples per clip, set only when fit is given waveforms in a 2-D array.
    n_output_features_ : int
        12.

    See Also
    --------
    KeyFeatures : Clip-level chroma summary and key-profile correlations.

    Notes
    -----
    Rows are ``chroma_C, chroma_C#, chroma_D, chroma_Eb, ..., chroma_B``
    (:data:`~sklearn_music.features.key_profiles.PITCH_CLASSES`); each frame is scaled to
    a maximum of 1 as in librosa, and silent frames are 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music import Chroma
    >>> t = np.arange(22050) / 22050
    >>> a440 = np.sin(2 * np.pi * 440.0 * t).astype(np.float32)[None]
    >>> chroma = Chroma(tuning=0.0).fit_transform(a440)
    >>> chroma.shape, chroma.feature_names[chroma[0].mean(axis=1).argmax()]
    ((1, 12, 44), 'chroma_A')
    """

    _parameter_constraints = {**FrameTransformer._parameter_constraints, **_CHROMA_CONSTRAINTS}

    def __init__(self, sr=22050, kind="stft", n_fft=2048, hop_length=512, fmin=None,
                 n_octaves=7, tuning=None, n_jobs=None, memory=None):  # fmt: skip
        self.sr = sr
        self.kind = kind
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.fmin = fmin
        self.n_octaves = n_octaves
        self.tuning = tuning
        self.n_jobs = n_jobs
        self.memory = memory

    def _check_params(self):
        _check_chroma_range(self)

    def _feature_names(self):
        return [f"chroma_{pc}" for pc in PITCH_CLASSES]

    def _stream_plan(self):
        return _chroma_plan(self)

    def _features_from(self, ctx):
        return _chroma(
            ctx, kind=self.kind, n_fft=self.n_fft, hop_length=self.hop_length,
            fmin=self.fmin, n_octaves=self.n_octaves, tuning=self.tuning,
        )  # fmt: skip


def _correlations(chroma_mean, profiles):
    """Pearson correlation of a 12-vector with each row of ``profiles``; 0 when undefined."""
    x = chroma_mean - chroma_mean.mean()
    p = profiles - profiles.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(p, axis=1) * np.linalg.norm(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norms > 0, p @ x / norms, 0.0)


class KeyFeatures(ClipTransformer):
    """Tonal summary of each clip: mean chroma and its correlation with the 24 key profiles.

    The correlations are those of the Krumhansl-Schmuckler key-finding algorithm: the
    highest names the key, and the whole pattern (how clearly major or minor, how tonal at
    all) describes the harmony of the clip.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate in Hz of the waveforms (files are loaded at it).
    profiles : tuple of str, default=("krumhansl", "temperley")
        Key profiles to correlate with, any of ``"krumhansl"`` (Krumhansl & Kessler 1982)
        and ``"temperley"`` (Temperley 1999); see
        :func:`~sklearn_music.features.key_profiles.key_profiles`.
    kind : {"cqt", "stft", "cens"}, default="cqt"
        The chroma averaged, as in :class:`Chroma`.
    n_fft : int, default=2048
        FFT window length in samples (``kind="stft"`` only).
    hop_length : int, default=512
        Samples between successive chroma frames.
    fmin : float or None, default=None
        Lowest CQT frequency in Hz, None for C1 (``"cqt"`` and ``"cens"`` only).
    n_octaves : int, default=7
        CQT octaves above ``fmin`` (``"cqt"`` and ``"cens"`` only).
    tuning : float or None, default=None
        Deviation from A440 in fractions of a bin; None estimates it from each clip.
    n_jobs : int or None, default=None
        Clips processed in parallel (joblib); None means 1, -1 all cores.
    memory : str, joblib.Memory or None, default=None
        Cache each clip's features (see :class:`~sklearn_music.MelSpectrogram`); None
        caches nothing.

    Attributes
    ----------
    n_features_in_ : int
        Samples per clip, set only when fit is given waveforms in a 2-D array.
    n_output_features_ : int
        ``12 + 24 * len(profiles)``.

    See Also
    --------
    Chroma : The frame-level chroma.
    sklearn_music.KeyEstimator : Predicts the key itself.

    Notes
    -----
    Columns are ``chroma_mean_C ... chroma_mean_B``, then for each profile its Pearson
    correlations in :data:`~sklearn_music.features.key_profiles.KEY_NAMES` order, named
    like ``krumhansl_C_major`` and ``temperley_F#_minor``. A silent clip has zero chroma
    and zero correlations.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music import KeyFeatures
    >>> t = np.arange(22050) / 22050
    >>> scale = [60, 62, 64, 65, 67, 69, 71, 72]  # C major, MIDI notes
    >>> y = sum(np.sin(2 * np.pi * 440 * 2 ** ((m - 69) / 12) * t) for m in scale)
    >>> kf = KeyFeatures(kind="stft", profiles=("krumhansl",), tuning=0.0)
    >>> table = kf.fit_transform(y[None].astype(np.float32))
    >>> table.shape, kf.get_feature_names_out()[12 + table[0, 12:].argmax()]
    ((1, 36), 'krumhansl_C_major')
    """

    _parameter_constraints = {
        **ClipTransformer._parameter_constraints,
        **_CHROMA_CONSTRAINTS,
        "profiles": [tuple, list],
    }

    def __init__(self, sr=22050, profiles=PROFILE_NAMES, kind="cqt", n_fft=2048,
                 hop_length=512, fmin=None, n_octaves=7, tuning=None, n_jobs=None,
                 memory=None):  # fmt: skip
        self.sr = sr
        self.profiles = profiles
        self.kind = kind
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.fmin = fmin
        self.n_octaves = n_octaves
        self.tuning = tuning
        self.n_jobs = n_jobs
        self.memory = memory

    def _check_params(self):
        _check_chroma_range(self)
        if not all(p in PROFILE_NAMES for p in self.profiles):
            raise ValueError(
                f"profiles must be a selection of {PROFILE_NAMES}, got {tuple(self.profiles)!r}"
            )
        if len(set(self.profiles)) != len(self.profiles):
            raise ValueError(f"profiles lists a profile twice: {tuple(self.profiles)!r}")

    def _feature_names(self):
        keys = [key.replace(" ", "_") for key in KEY_NAMES]
        return [f"chroma_mean_{pc}" for pc in PITCH_CLASSES] + [
            f"{profile}_{key}" for profile in self.profiles for key in keys
        ]

    def _stream_plan(self):
        return _chroma_plan(self, frames=self._chroma_of, finish=self._summary)

    def _features_from(self, ctx):
        return self._summary(self._chroma_of(ctx))

    def _chroma_of(self, ctx):
        return _chroma(
            ctx, kind=self.kind, n_fft=self.n_fft, hop_length=self.hop_length,
            fmin=self.fmin, n_octaves=self.n_octaves, tuning=self.tuning,
        )  # fmt: skip

    def _summary(self, chroma):
        """Mean chroma and its key-profile correlations."""
        mean = chroma.mean(axis=1).astype(float)
        return np.concatenate(
            [mean] + [_correlations(mean, key_profiles(p)) for p in self.profiles]
        )
