"""Frame-level spectral features: mel spectrogram, MFCC, and spectral shape descriptors.

Each transformer takes librosa's parameter names and defaults (``n_fft=2048``,
``hop_length=512``, centred frames), and its output equals that of the librosa function
on the same waveform. The spectrograms come from the clip's shared
:class:`~sklearn_music.features._context.ClipContext`, so transformers analysing the same
clip (in an :class:`~sklearn_music.AudioFeatureUnion`) compute one STFT between them.
Output is 3-D, (n_clips, n_features, n_frames).
"""

from numbers import Integral, Real

import librosa
import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import FrameTransformer
from ._context import frame_count
from ._spectra import contrast_bands, spectral_moments, spectral_rolloff, zero_crossing_rate
from ._stream import FrameWise, FromMels

__all__ = ["MelSpectrogram", "MFCC", "SpectralFeatures", "SPECTRAL_FEATURES"]

_STFT_CONSTRAINTS = {
    "n_fft": [Interval(Integral, 1, None, closed="left")],
    "hop_length": [Interval(Integral, 1, None, closed="left")],
}
_MEL_CONSTRAINTS = {
    **_STFT_CONSTRAINTS,
    "n_mels": [Interval(Integral, 1, None, closed="left")],
    "fmin": [Interval(Real, 0, None, closed="left")],
    "fmax": [Interval(Real, 0, None, closed="neither"), None],
}


class MelSpectrogram(FrameTransformer):
    """Mel spectrogram of each clip, in decibels or as power.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate in Hz of the waveforms (files are loaded at it).
    n_fft : int, default=2048
        FFT window length in samples.
    hop_length : int, default=512
        Samples between successive frames.
    n_mels : int, default=128
        Mel bands.
    fmin : float, default=0.0
        Lowest frequency in Hz.
    fmax : float or None, default=None
        Highest frequency in Hz; None means ``sr / 2``.
    power : float, default=2.0
        Exponent of the magnitude spectrogram: 2 for power, 1 for magnitude.
    to_db : bool, default=True
        Convert to decibels with :func:`librosa.power_to_db` relative to a fixed level
        (``ref=1.0``), so that loudness differences between clips are kept.
    top_db : float or None, default=80.0
        With ``to_db``, values are floored at ``top_db`` below the clip's peak, as in
        :func:`librosa.power_to_db`; None keeps everything down to -100 dB.
    n_frames : int or None, default=None
        Crop or pad every clip to this many frames (pad with silence, so in decibels the
        padding is the clip's floor). None keeps each clip's own length; shorter clips of a
        batch are padded with NaN, which :class:`~sklearn_music.Pooling` ignores.
    backend : {"numpy", "torch"}, default="numpy"
        ``"numpy"``: one clip at a time with NumPy and SciPy, librosa's numbers to
        float32 rounding. ``"torch"``: batches of clips through :func:`torch.stft` and
        the same mel filterbank on ``device``, equal to librosa's within 1e-3 dB down to
        the ``top_db`` floor (the FFT runs in single precision); worth it on a GPU.
    device : str, default="auto"
        Torch device of the ``"torch"`` backend: ``"auto"`` (CUDA when available, else
        the CPU), ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...
    n_jobs : int or None, default=None
        Clips processed in parallel (joblib); None means 1, -1 all cores.
    memory : str, joblib.Memory or None, default=None
        Cache each clip's spectrogram: a folder or a :class:`joblib.Memory`, in front of
        which this process keeps recent results in memory (``joblib.Memory(None)``: in
        memory only). Keys are the clip's content and every parameter above but
        ``n_jobs``, so changed files or parameters are recomputed. None caches nothing.

    Attributes
    ----------
    n_features_in_ : int
        Samples per clip, set only when fit is given waveforms in a 2-D array.
    n_output_features_ : int
        ``n_mels``.

    See Also
    --------
    MFCC : Cepstral coefficients of the log-mel spectrogram.
    librosa.feature.melspectrogram : The function computing it.

    Notes
    -----
    The decibel scale uses an absolute reference (``ref=1.0``) rather than each clip's own
    maximum: normalising every clip to 0 dB would erase loudness and dynamics, which tell
    genres and instruments apart. The output of clip ``i`` equals
    ``librosa.power_to_db(librosa.feature.melspectrogram(y=y_i, sr=sr, ...), top_db=top_db)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music import MelSpectrogram
    >>> X = np.random.default_rng(0).uniform(-0.5, 0.5, (2, 16000)).astype(np.float32)
    >>> mel = MelSpectrogram(sr=16000, n_mels=64, n_frames=64).fit_transform(X)
    >>> mel.shape, list(mel.feature_names[:2])
    ((2, 64, 64), ['mel_0', 'mel_1'])
    """

    _parameter_constraints = {
        **FrameTransformer._parameter_constraints,
        **_MEL_CONSTRAINTS,
        "power": [Interval(Real, 0, None, closed="neither")],
        "to_db": ["boolean"],
        "top_db": [Interval(Real, 0, None, closed="left"), None],
        "n_frames": [Interval(Integral, 1, None, closed="left"), None],
        "backend": [StrOptions({"numpy", "torch"})],
        "device": [str],
    }

    def __init__(self, sr=22050, n_fft=2048, hop_length=512, n_mels=128, fmin=0.0,
                 fmax=None, power=2.0, to_db=True, top_db=80.0, n_frames=None,
                 backend="numpy", device="auto", n_jobs=None, memory=None):  # fmt: skip
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.fmin = fmin
        self.fmax = fmax
        self.power = power
        self.to_db = to_db
        self.top_db = top_db
        self.n_frames = n_frames
        self.backend = backend
        self.device = device
        self.n_jobs = n_jobs
        self.memory = memory

    def _check_params(self):
        self._check_frequency_range(self.fmin, self.fmax)
        if self.backend == "torch":
            from ._torch import resolve_device

            resolve_device(self.device)

    def _output_params(self):
        params = super()._output_params()
        if self.backend == "torch":
            from ._torch import resolve_device

            params["device"] = resolve_device(self.device).type  # "auto" is not a result
        else:
            del params["device"]  # unused by the numpy backend
        return params

    def _feature_names(self):
        return [f"mel_{i}" for i in range(self.n_mels)]

    def _mel_args(self):
        """What ``ClipContext.mel`` is asked, here and in the plan for long clips."""
        return (self.n_fft, self.hop_length, self.n_mels, self.fmin, self.fmax, self.power)

    def _features_from(self, ctx):
        return self._finish(ctx.mel(*self._mel_args()))

    def _stream_plan(self):
        return FromMels(self._mel_args())

    def _finish(self, mel):
        """Fix the frame count and convert to decibels, as the options ask."""
        if self.n_frames is not None:
            mel = librosa.util.fix_length(mel, size=self.n_frames, axis=-1)
        if self.to_db:
            # Any exponent back to power: the same as amplitude_to_db for power=1.
            mel = librosa.power_to_db(mel ** (2.0 / self.power), top_db=self.top_db)
        return mel

    def _analyses_batches(self):
        return self.backend == "torch"

    def _features_batch(self, waves):
        from ._torch import mel_spectrograms

        return mel_spectrograms(
            waves, sr=self.sr, n_fft=self.n_fft, hop_length=self.hop_length,
            n_mels=self.n_mels, fmin=self.fmin, fmax=self.fmax, power=self.power,
            to_db=self.to_db, top_db=self.top_db, n_frames=self.n_frames, device=self.device,
        )  # fmt: skip


class MFCC(FrameTransformer):
    """Mel-frequency cepstral coefficients of each clip, optionally with their deltas.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate in Hz of the waveforms (files are loaded at it).
    n_mfcc : int, default=20
        Coefficients per frame.
    n_fft : int, default=2048
        FFT window length in samples.
    hop_length : int, default=512
        Samples between successive frames.
    n_mels : int, default=128
        Mel bands of the spectrogram the coefficients are taken from.
    fmin : float, default=0.0
        Lowest frequency in Hz.
    fmax : float or None, default=None
        Highest frequency in Hz; None means ``sr / 2``.
    deltas : {0, 1, 2}, default=0
        Add the first (1) or the first and second (2) time derivatives of the coefficients
        (:func:`librosa.feature.delta`), which describe how the timbre changes.
    delta_width : int, default=9
        Frames over which the deltas are estimated (odd, >= 3). Clips with fewer frames
        use the nearest frame at their edges instead of interpolation.
    n_jobs : int or None, default=None
        Clips processed in parallel (joblib); None means 1, -1 all cores.
    memory : str, joblib.Memory or None, default=None
        Cache each clip's coefficients (see :class:`MelSpectrogram`); None caches
        nothing.

    Attributes
    ----------
    n_features_in_ : int
        Samples per clip, set only when fit is given waveforms in a 2-D array.
    n_output_features_ : int
        ``n_mfcc * (1 + deltas)``.

    See Also
    --------
    MelSpectrogram : The spectrogram the coefficients summarise.
    librosa.feature.mfcc : The function computing them.

    Notes
    -----
    Rows are ``mfcc_0 ... mfcc_{n_mfcc-1}``, then ``mfcc_delta_*`` and ``mfcc_delta2_*``.
    The coefficients equal ``librosa.feature.mfcc(y=y, sr=sr, n_mfcc=n_mfcc, ...)``: the
    DCT of the log-mel spectrogram in dB relative to a fixed level (``ref=1.0``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music import MFCC
    >>> X = np.random.default_rng(0).uniform(-0.5, 0.5, (3, 22050)).astype(np.float32)
    >>> frames = MFCC(n_mfcc=13, deltas=2).fit_transform(X)
    >>> frames.shape, list(frames.feature_names[[0, 13, 26]])
    ((3, 39, 44), ['mfcc_0', 'mfcc_delta_0', 'mfcc_delta2_0'])
    """

    _parameter_constraints = {
        **FrameTransformer._parameter_constraints,
        **_MEL_CONSTRAINTS,
        "n_mfcc": [Interval(Integral, 1, None, closed="left")],
        "deltas": [Interval(Integral, 0, 2, closed="both")],
        "delta_width": [Interval(Integral, 3, None, closed="left")],
    }

    def __init__(self, sr=22050, n_mfcc=20, n_fft=2048, hop_length=512, n_mels=128,
                 fmin=0.0, fmax=None, deltas=0, delta_width=9, n_jobs=None,
                 memory=None):  # fmt: skip
        self.sr = sr
        self.n_mfcc = n_mfcc
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.fmin = fmin
        self.fmax = fmax
        self.deltas = deltas
        self.delta_width = delta_width
        self.n_jobs = n_jobs
        self.memory = memory

    def _check_params(self):
        self._check_frequency_range(self.fmin, self.fmax)
        if self.delta_width % 2 == 0:
            raise ValueError(f"delta_width must be odd, got {self.delta_width}")
        if self.n_mfcc > self.n_mels:
            raise ValueError(
                f"n_mfcc={self.n_mfcc} coefficients need at least as many mel bands, "
                f"got n_mels={self.n_mels}"
            )

    def _feature_names(self):
        blocks = ["mfcc", "mfcc_delta", "mfcc_delta2"][: 1 + self.deltas]
        return [f"{block}_{i}" for block in blocks for i in range(self.n_mfcc)]

    def _log_mel_args(self):
        """What ``ClipContext.log_mel`` is asked (a power mel in dB), here and in the plan."""
        return (self.n_fft, self.hop_length, self.n_mels, self.fmin, self.fmax)

    def _stream_plan(self):
        return FromMels((*self._log_mel_args(), 2.0))

    def _features_from(self, ctx):
        log_mel = ctx.log_mel(*self._log_mel_args())
        mfcc = librosa.feature.mfcc(S=log_mel, n_mfcc=self.n_mfcc)
        mode = "interp" if mfcc.shape[1] >= self.delta_width else "nearest"
        rows = [mfcc] + [
            librosa.feature.delta(mfcc, width=self.delta_width, order=order, mode=mode)
            for order in range(1, self.deltas + 1)
        ]
        return np.concatenate(rows)


#: The features :class:`SpectralFeatures` can compute, in output order.
SPECTRAL_FEATURES = ("centroid", "bandwidth", "rolloff", "contrast", "flatness", "zcr", "rms")
_FROM_SPECTRUM = {"centroid", "bandwidth", "rolloff", "contrast", "flatness"}


class SpectralFeatures(FrameTransformer):
    """Spectral shape descriptors of each frame: brightness, spread, noisiness, energy.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate in Hz of the waveforms (files are loaded at it).
    features : tuple of str, default=("centroid", "bandwidth", "rolloff", "contrast", \
"flatness", "zcr", "rms")
        Which descriptors, any of :data:`SPECTRAL_FEATURES`; rows come out in that order:

        - ``"centroid"``: spectral centroid in Hz (:func:`librosa.feature.spectral_centroid`);
        - ``"bandwidth"``: spread around the centroid in Hz;
        - ``"rolloff"``: frequency below which ``roll_percent`` of the energy lies;
        - ``"contrast"``: peak-to-valley difference in dB in ``n_bands + 1`` octave bands
          (Jiang et al. 2002), rows ``spectral_contrast_0 ...``;
        - ``"flatness"``: tonality, 0 for a pure tone, 1 for white noise;
        - ``"zcr"``: zero-crossing rate of the waveform;
        - ``"rms"``: root-mean-square energy of the waveform.
    n_fft : int, default=2048
        FFT window length in samples; also the frame length of ``zcr`` and ``rms``.
    hop_length : int, default=512
        Samples between successive frames.
    roll_percent : float, default=0.85
        Energy fraction of ``rolloff``.
    n_bands : int, default=6
        Octave bands of ``contrast`` above the lowest, which ends at ``fmin``; the top
        band runs from ``fmin * 2**(n_bands - 1)`` (below ``sr / 2``) to ``sr / 2``.
    fmin : float, default=200.0
        Upper edge in Hz of the lowest band of ``contrast``.
    n_jobs : int or None, default=None
        Clips processed in parallel (joblib); None means 1, -1 all cores.
    memory : str, joblib.Memory or None, default=None
        Cache each clip's descriptors (see :class:`MelSpectrogram`); None caches
        nothing.

    Attributes
    ----------
    n_features_in_ : int
        Samples per clip, set only when fit is given waveforms in a 2-D array.
    n_output_features_ : int
        Rows of the output: one per descriptor, ``n_bands + 1`` for ``contrast``.

    See Also
    --------
    MFCC : A compact description of the spectral envelope.

    Notes
    -----
    The spectral descriptors share one magnitude STFT per clip (with the other
    transformers of an :class:`~sklearn_music.AudioFeatureUnion` too), computed only
    when one of them is asked for; ``zcr`` and ``rms`` come from the waveform. Silence
    gives finite values (a centroid of 0 Hz, a contrast of 0 dB).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music import SpectralFeatures
    >>> X = np.random.default_rng(0).uniform(-0.5, 0.5, (2, 22050)).astype(np.float32)
    >>> frames = SpectralFeatures(features=("centroid", "contrast", "rms")).fit_transform(X)
    >>> frames.shape
    (2, 9, 44)
    >>> list(frames.feature_names[[0, 1, 8]])
    ['spectral_centroid', 'spectral_contrast_0', 'rms']
    """

    _parameter_constraints = {
        **FrameTransformer._parameter_constraints,
        **_STFT_CONSTRAINTS,
        "features": [tuple, list],
        "roll_percent": [Interval(Real, 0, 1, closed="neither")],
        "n_bands": [Interval(Integral, 1, None, closed="left")],
        "fmin": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, sr=22050, features=SPECTRAL_FEATURES, n_fft=2048, hop_length=512,
                 roll_percent=0.85, n_bands=6, fmin=200.0, n_jobs=None,
                 memory=None):  # fmt: skip
        self.sr = sr
        self.features = features
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.roll_percent = roll_percent
        self.n_bands = n_bands
        self.fmin = fmin
        self.n_jobs = n_jobs
        self.memory = memory

    def _check_params(self):
        unknown = [f for f in self.features if f not in SPECTRAL_FEATURES]
        if unknown or not self.features:
            raise ValueError(
                f"features must be a non-empty selection of {SPECTRAL_FEATURES}, got "
                f"{tuple(self.features)!r}"
            )
        if len(set(self.features)) != len(self.features):
            raise ValueError(f"features lists a descriptor twice: {tuple(self.features)!r}")
        last_edge = self.fmin * 2.0 ** (self.n_bands - 1)
        if "contrast" in self.features and last_edge >= self.sr / 2:
            raise ValueError(
                f"the top contrast band starts at fmin * 2**(n_bands - 1) = {last_edge:g} Hz, "
                f"not below the Nyquist frequency sr/2 = {self.sr / 2:g} Hz; lower fmin or "
                "n_bands"
            )

    def _selected(self):
        return [f for f in SPECTRAL_FEATURES if f in self.features]

    def _feature_names(self):
        names = []
        for feature in self._selected():
            if feature == "contrast":
                names += [f"spectral_contrast_{i}" for i in range(self.n_bands + 1)]
            elif feature in ("zcr", "rms"):
                names.append("zero_crossing_rate" if feature == "zcr" else "rms")
            else:
                names.append(f"spectral_{feature}")
        return names

    def _stream_plan(self):
        return FrameWise(self.n_fft, self.hop_length, frames=self._frame_rows,
                         finish=self._finish_rows)  # fmt: skip

    def _features_from(self, ctx):
        return self._finish_rows(self._frame_rows(ctx))

    def _frame_rows(self, ctx):
        """The descriptors of each frame; ``contrast`` as its peak rows, then valley rows.

        Each frame's values depend on the samples under it alone, so the rows of a clip's
        blocks, joined, are the rows of the clip.
        """
        y, sr, n_fft, hop = ctx.y, self.sr, self.n_fft, self.hop_length
        n = frame_count(len(y), hop)
        selected = self._selected()
        if _FROM_SPECTRUM.intersection(selected):
            S = ctx.magnitude(n_fft, hop)
            freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
        if {"centroid", "bandwidth"}.intersection(selected):
            centroid, bandwidth = spectral_moments(S, freqs)
        compute = {
            "centroid": lambda: centroid,
            "bandwidth": lambda: bandwidth,
            "rolloff": lambda: spectral_rolloff(S, freqs, roll_percent=self.roll_percent),
            "contrast": lambda: np.concatenate(
                contrast_bands(S, freqs, fmin=self.fmin, n_bands=self.n_bands)
            ),
            "flatness": lambda: librosa.feature.spectral_flatness(S=S, n_fft=n_fft),
            "zcr": lambda: zero_crossing_rate(y, frame_length=n_fft, hop_length=hop),
            "rms": lambda: librosa.feature.rms(y=y, frame_length=n_fft, hop_length=hop),
        }
        return np.concatenate([compute[f]()[:, :n] for f in selected])

    def _finish_rows(self, rows):
        """The output from the rows of :meth:`_frame_rows`: the contrast in decibels.

        As :func:`librosa.feature.spectral_contrast`: peaks and valleys in dB, each
        floored 80 dB below its loudest value in the clip, then subtracted.
        """
        selected = self._selected()
        if "contrast" not in selected:
            return rows
        start = selected.index("contrast")  # every descriptor before it is one row
        n_bands = self.n_bands + 1
        peak = rows[start : start + n_bands]
        valley = rows[start + n_bands : start + 2 * n_bands]
        contrast = librosa.power_to_db(peak) - librosa.power_to_db(valley)
        return np.concatenate([rows[:start], contrast, rows[start + 2 * n_bands :]])
