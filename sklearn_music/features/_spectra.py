"""Fast spectral building blocks that reproduce librosa's numbers.

Each function computes what the named librosa function computes, from a spectrogram the
caller already has, with less work: the STFT in blocks of frames (bounded temporary
memory), the mel filterbank as one short dot product per band (a mel filter is zero
outside a narrow range of FFT bins), spectral moments as weighted sums rather than
a full deviation matrix, the tuning estimate over the frequency band it looks at, and
the tempogram's autocorrelations with an FFT length that factors into small primes.
``stft_magnitude``, ``spectral_rolloff``, ``zero_crossing_rate`` and ``estimate_tuning``
give librosa's values bit for bit; the mel bands, the spectral moments and the tempogram
differ only by floating-point rounding (the order of the sums). The tuning estimate and
the spectral contrast come in two steps, one frame by frame (``tuning_peaks``,
``contrast_bands``) and one over the whole clip, so that a long clip analysed in blocks
gets the values of the whole clip.
"""

import warnings
from contextlib import contextmanager
from functools import lru_cache

import librosa
import numpy as np
import scipy.fft
import scipy.signal

__all__ = ["BandedFilterbank", "chroma_from_power", "contrast_bands", "estimate_tuning",
           "mean_tempogram", "mel_filterbank", "padding_short_clips", "spectral_moments",
           "spectral_rolloff",
           "stft_magnitude", "tuning_from_peaks", "tuning_peaks",
           "zero_crossing_rate"]  # fmt: skip

@contextmanager
def padding_short_clips():
    """Silence librosa's notice that it zero-pads a clip shorter than the constant-Q filters.

    Below about two seconds, the filters of the lowest octaves outlast the (downsampled)
    clip; librosa pads it, which is what the chroma of a short clip needs, and warns
    "n_fft=... is too large for input signal of length=...", which tells the user nothing.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="n_fft=.* is too large")
        yield


_BLOCK_FRAMES = 64  # frames transformed at once: temporaries of about 1 MB at any length
_TEMPOGRAM_BLOCK = 1024  # tempogram frames transformed at once: about 6 MB of spectra
_TINY32 = np.finfo(np.float32).tiny


@lru_cache(maxsize=16)
def _hann(n_fft):
    return scipy.signal.get_window("hann", n_fft, fftbins=True)


def stft_magnitude(y, *, n_fft, hop_length):
    """``np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop_length))``, bit for bit.

    Centred frames, zero padding and a periodic Hann window, as librosa's defaults. The
    FFT runs in double precision and is rounded to complex64, as librosa does, so the
    magnitudes are identical; only the temporaries are smaller.

    Parameters
    ----------
    y : ndarray of shape (n_samples,), float32
    n_fft, hop_length : int

    Returns
    -------
    ndarray of shape (1 + n_fft // 2, n_frames), float32

    Examples
    --------
    >>> import numpy as np, librosa
    >>> y = np.random.default_rng(0).uniform(-1, 1, 8000).astype(np.float32)
    >>> S = stft_magnitude(y, n_fft=512, hop_length=128)
    >>> bool(np.array_equal(S, np.abs(librosa.stft(y, n_fft=512, hop_length=128))))
    True
    """
    pad = n_fft // 2
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(y, (pad, pad)), n_fft)
    frames = frames[::hop_length]
    window = _hann(n_fft)
    out = np.empty((1 + n_fft // 2, len(frames)), np.float32)
    for start in range(0, len(frames), _BLOCK_FRAMES):
        block = scipy.fft.rfft(frames[start : start + _BLOCK_FRAMES] * window, axis=-1)
        out[:, start : start + _BLOCK_FRAMES] = np.abs(block.astype(np.complex64)).T
    return out


class BandedFilterbank:
    """A filterbank whose rows are non-zero over one contiguous range of bins each.

    Applying it costs one short dot product per row instead of a dense matrix product:
    a 128-band mel filterbank over 1025 FFT bins has about 2,000 non-zero weights of
    131,200.

    Parameters
    ----------
    weights : ndarray of shape (n_bands, n_bins)
    """

    def __init__(self, weights):
        self.n_bins = weights.shape[1]
        self.bands = []
        for row in weights:
            nonzero = np.flatnonzero(row)
            lo, hi = (nonzero[0], nonzero[-1] + 1) if nonzero.size else (0, 0)
            self.bands.append((lo, hi, np.ascontiguousarray(row[lo:hi])))

    def apply(self, S):
        """``weights @ S`` for a spectrogram S of shape (n_bins, n_frames)."""
        out = np.zeros((len(self.bands), S.shape[1]), np.result_type(S.dtype, np.float32))
        for i, (lo, hi, w) in enumerate(self.bands):
            if hi > lo:
                np.dot(w, S[lo:hi], out=out[i])
        return out


@lru_cache(maxsize=32)
def mel_filterbank(sr, n_fft, n_mels, fmin, fmax):
    """:func:`librosa.filters.mel` (Slaney scale and area normalisation) as a banded bank.

    Examples
    --------
    >>> import numpy as np, librosa
    >>> S = np.random.default_rng(0).random((1025, 10), dtype=np.float32)
    >>> mel = mel_filterbank(22050, 2048, 128, 0.0, None).apply(S)
    >>> dense = librosa.filters.mel(sr=22050, n_fft=2048) @ S
    >>> bool(np.allclose(mel, dense, rtol=1e-5))
    True
    """
    weights = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    return BandedFilterbank(weights)


@lru_cache(maxsize=256)
def _chroma_filterbank(sr, n_fft, tuning):
    return librosa.filters.chroma(sr=sr, n_fft=n_fft, tuning=tuning)


def chroma_from_power(P, *, sr, n_fft, tuning):
    """:func:`librosa.feature.chroma_stft` of a power spectrogram, with a given tuning.

    The same filterbank and normalisation (each frame scaled to a maximum of 1); the
    filterbank is built once per tuning, and its product is a plain summation rather
    than a multi-threaded BLAS call, whose rounding depends on the thread count.

    Returns
    -------
    ndarray of shape (12, n_frames), float32
    """
    raw = np.einsum("cf,ft->ct", _chroma_filterbank(sr, n_fft, float(tuning)), P)
    return librosa.util.normalize(raw, norm=np.inf, axis=-2)


def spectral_moments(S, freqs):
    """Spectral centroid and bandwidth (``p=2``) of each frame, as librosa computes them.

    Equal to :func:`librosa.feature.spectral_centroid` and
    :func:`librosa.feature.spectral_bandwidth` of ``S`` up to rounding, from three
    weighted sums per frame in double precision; a silent frame gives 0 and 0.

    Parameters
    ----------
    S : ndarray of shape (n_bins, n_frames)
        Magnitude spectrogram.
    freqs : ndarray of shape (n_bins,)
        Centre frequency of each bin in Hz.

    Returns
    -------
    centroid, bandwidth : ndarray of shape (1, n_frames), float64
    """
    total = np.einsum("ft->t", S, dtype=np.float64)
    norm = np.where(total < _TINY32, 1.0, total)  # librosa's L1 normalisation
    first = np.einsum("f,ft->t", freqs, S, dtype=np.float64)
    second = np.einsum("f,ft->t", freqs**2, S, dtype=np.float64)
    centroid = first / norm
    # sum_f S_f (f - c)^2 expanded; in double precision the cancellation costs nothing.
    variance = (second - 2.0 * centroid * first + centroid**2 * total) / norm
    return centroid[None], np.sqrt(np.maximum(variance, 0.0))[None]


def spectral_rolloff(S, freqs, *, roll_percent=0.85):
    """:func:`librosa.feature.spectral_rolloff` of ``S``, bit for bit.

    The lowest bin frequency at which the cumulative energy reaches ``roll_percent`` of
    the frame's total, found with one cumulative sum and an argmax.

    Returns
    -------
    ndarray of shape (1, n_frames), float64
    """
    cumulative = np.cumsum(S, axis=0)
    threshold = roll_percent * cumulative[-1]
    return freqs[np.argmax(cumulative >= threshold, axis=0)][None]


def contrast_bands(S, freqs, *, fmin, n_bands, quantile=0.02):
    """The peaks and valleys of :func:`librosa.feature.spectral_contrast`, before decibels.

    In each octave band (the lowest ends at ``fmin``, the top one runs to the last bin),
    the mean of the highest and of the lowest ``quantile`` of the bins of each frame,
    computed as librosa computes them. ``power_to_db(peak) - power_to_db(valley)`` is
    librosa's contrast; its ``top_db`` floor is set by the loudest peak (or valley) of
    the whole clip, so a clip analysed in blocks joins the blocks' peaks and valleys first.

    Parameters
    ----------
    S : ndarray of shape (n_bins, n_frames)
        Magnitude spectrogram.
    freqs : ndarray of shape (n_bins,)
        Centre frequency of each bin in Hz.

    Returns
    -------
    peak, valley : ndarray of shape (n_bands + 1, n_frames), float64

    Examples
    --------
    >>> import numpy as np, librosa
    >>> S = np.random.default_rng(0).random((1025, 20), dtype=np.float32)
    >>> peak, valley = contrast_bands(S, librosa.fft_frequencies(n_fft=2048), fmin=200.0,
    ...                               n_bands=6)
    >>> ours = librosa.power_to_db(peak) - librosa.power_to_db(valley)
    >>> bool(np.array_equal(ours, librosa.feature.spectral_contrast(S=S)))
    True
    """
    edges = np.concatenate([[0.0], fmin * 2.0 ** np.arange(n_bands + 1)])
    peak = np.zeros((n_bands + 1, S.shape[1]))
    valley = np.zeros_like(peak)
    for k in range(n_bands + 1):
        inside = np.flatnonzero((freqs >= edges[k]) & (freqs <= edges[k + 1]))
        if inside.size == 0:
            raise ValueError(
                f"no FFT bin lies in the contrast band {edges[k]:g}-{edges[k + 1]:g} Hz; "
                "raise n_fft or fmin"
            )
        # librosa's band: one bin below the octave (above the lowest), and every bin up
        # to the Nyquist frequency for the top one; its size sets the quantile's count,
        # and all but the top band leave their last bin out of the sort.
        start = inside[0] - (k > 0)
        stop = len(freqs) if k == n_bands else inside[-1] + 1
        count = max(int(np.rint(quantile * (stop - start))), 1)
        ordered = np.sort(S[start : stop if k == n_bands else stop - 1], axis=0)
        valley[k] = np.mean(ordered[:count], axis=0)
        peak[k] = np.mean(ordered[-count:], axis=0)
    return peak, valley


def zero_crossing_rate(y, *, frame_length, hop_length, threshold=1e-10):
    """:func:`librosa.feature.zero_crossing_rate` of ``y`` (centred frames), bit for bit.

    Sign changes are found once on the whole signal and counted per frame from a
    cumulative sum, instead of once per overlapping frame.

    Returns
    -------
    ndarray of shape (1, n_frames), float64

    Examples
    --------
    >>> import numpy as np, librosa
    >>> y = np.random.default_rng(0).normal(size=5000).astype(np.float32)
    >>> ours = zero_crossing_rate(y, frame_length=2048, hop_length=512)
    >>> bool(np.array_equal(ours, librosa.feature.zero_crossing_rate(y)))
    True
    """
    half = frame_length // 2
    padded = np.pad(y, (half, half), mode="edge")
    negative = np.signbit(np.where(np.abs(padded) <= threshold, 0, padded))
    changes = np.concatenate([[0], np.cumsum(negative[1:] != negative[:-1])])
    starts = np.arange(1 + (len(padded) - frame_length) // hop_length) * hop_length
    # Crossings between consecutive samples of a frame: the frame_length - 1 pairs.
    counts = changes[starts + frame_length - 1] - changes[starts]
    return (counts / frame_length)[None]


def estimate_tuning(P, *, sr, n_fft, resolution=0.01, bins_per_octave=12):
    """``librosa.estimate_tuning(S=P, sr=sr, bins_per_octave=bins_per_octave)``, exactly.

    librosa's pitch tracker (:func:`librosa.piptrack`) runs over the whole spectrogram and
    then keeps the peaks between 150 and 4000 Hz; the same arithmetic here runs on those
    bins only (:func:`tuning_peaks`), with the same precision at every step, so the same
    peaks and the same tuning (:func:`tuning_from_peaks`) come out; without pitched peaks
    (silence) 0, as librosa's, without its warning.

    Parameters
    ----------
    P : ndarray of shape (1 + n_fft // 2, n_frames), float32
        Power (or magnitude) spectrogram.

    Returns
    -------
    float
        Deviation from A440 in fractions of a bin.
    """
    pitch, magnitude = tuning_peaks(P, sr=sr, n_fft=n_fft)
    return tuning_from_peaks(pitch, magnitude, resolution=resolution,
                             bins_per_octave=bins_per_octave)  # fmt: skip


def tuning_peaks(P, *, sr, n_fft, fmin=150.0, fmax=4000.0, threshold=0.1):
    """The voiced spectral peaks that librosa's tuning estimate reads, frame by frame.

    Each frame's peaks depend on that frame alone, so the peaks of a spectrogram computed
    in blocks of frames, joined, give the tuning of the whole spectrogram.

    Parameters
    ----------
    P : ndarray of shape (1 + n_fft // 2, n_frames), float32
        Power (or magnitude) spectrogram.

    Returns
    -------
    pitch, magnitude : ndarray of shape (n_peaks,), float32
        Frequency in Hz (parabolically interpolated) and height of each peak.
    """
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    fmax = min(fmax, sr / 2)
    band = np.flatnonzero((fmin <= freqs) & (freqs < fmax))
    band = band[(band > 0) & (band < len(freqs) - 1)]  # both neighbours exist
    if band.size == 0:
        return np.zeros(0, np.float32), np.zeros(0, np.float32)
    lo, hi = band[0], band[-1] + 1
    x = P[lo - 1 : hi + 1]
    below, centre, above = x[:-2], x[1:-1], x[2:]
    # librosa's parabolic-interpolation stencil, with its mixed float32/float64 steps.
    a = (above + below).astype(np.float64) - 2 * centre.astype(np.float64)
    b = (above - below).astype(np.float64) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(np.abs(b) >= np.abs(a), 0.0, -b / a).astype(np.float32)
    slope = (above - below) / np.float32(2.0)  # np.gradient in the interior
    skew = 0.5 * slope * shift
    g = x * (x > threshold * P.max(axis=0))  # peaks must reach a tenth of the frame's top
    peaks = (g[1:-1] > g[:-2]) & (g[1:-1] >= g[2:])
    rows, cols = np.nonzero(peaks)
    pitch = ((rows + lo + shift[rows, cols]) * float(sr) / n_fft).astype(np.float32)
    magnitude = centre[rows, cols] + skew[rows, cols]
    voiced = pitch > 0
    return pitch[voiced], magnitude[voiced]


def tuning_from_peaks(pitch, magnitude, *, resolution=0.01, bins_per_octave=12):
    """The tuning of :func:`librosa.pitch_tuning` over the peaks at least as high as their median.

    Parameters
    ----------
    pitch, magnitude : ndarray of shape (n_peaks,)
        The peaks of :func:`tuning_peaks`, of one spectrogram or of its blocks joined, in
        any order.

    Returns
    -------
    float
        Deviation from A440 in fractions of a bin; 0 without pitched peaks.
    """
    floor = np.median(magnitude) if magnitude.size else 0.0
    pitch = pitch[magnitude >= floor]
    if not np.any(pitch > 0):  # no pitched content (silence): librosa's 0, without its warning
        return 0.0
    return librosa.pitch_tuning(pitch, resolution=resolution, bins_per_octave=bins_per_octave)


def mean_tempogram(onset_envelope, *, win_length):
    """The mean over frames of :func:`librosa.feature.tempogram`, in blocks of frames.

    librosa autocorrelates each window with an FFT of ``2 * win_length - 1`` points
    (767 = 13 x 59 at the default 384, a slow size); any length from there on gives the
    same autocorrelation, so this takes the next length made of small primes.

    What :func:`librosa.feature.tempo` and a tempogram summary read, without the whole
    tempogram: at the defaults that is 3 kB per frame in double precision (1.4 GB for an
    hour of audio), and the FFTs of its frames several times more.

    Returns
    -------
    ndarray of shape (win_length,), float64

    Examples
    --------
    >>> import numpy as np, librosa
    >>> env = np.random.default_rng(0).random(5000).astype(np.float32)
    >>> ours = mean_tempogram(env, win_length=384)
    >>> theirs = librosa.feature.tempogram(onset_envelope=env, win_length=384).mean(axis=1)
    >>> bool(np.allclose(ours, theirs, atol=1e-12))
    True
    """
    windows = _onset_windows(onset_envelope, win_length)
    total = np.zeros(win_length)
    for start in range(0, len(windows), _TEMPOGRAM_BLOCK):
        total += _autocorrelations(windows[start : start + _TEMPOGRAM_BLOCK]).sum(axis=0)
    return total / max(len(windows), 1)


def _onset_windows(onset_envelope, win_length):
    """The centred windows of the tempogram (a view of the padded envelope), one per frame."""
    half = win_length // 2
    padded = np.pad(onset_envelope, (half, half), mode="linear_ramp", end_values=(0, 0))
    return np.lib.stride_tricks.sliding_window_view(padded, win_length)[: len(onset_envelope)]


def _autocorrelations(windows):
    """The Hann-windowed autocorrelation of each window, scaled to a peak of 1."""
    win_length = windows.shape[-1]
    n_fft = scipy.fft.next_fast_len(2 * win_length - 1, real=True)
    spectrum = scipy.fft.rfft(windows * _hann(win_length), n=n_fft, axis=-1)
    power = spectrum.real**2 + spectrum.imag**2
    autocorrelation = scipy.fft.irfft(power, n=n_fft, axis=-1)[:, :win_length]
    peak = np.max(np.abs(autocorrelation), axis=-1, keepdims=True)
    peak[peak < np.finfo(peak.dtype).tiny] = 1.0
    return autocorrelation / peak
