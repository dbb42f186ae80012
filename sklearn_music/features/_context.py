"""The analyses of one clip that several features share, each computed once on demand.

MFCC, chroma, the spectral descriptors and the onset envelope all start from the same
short-time Fourier transform; the MFCC and the onset envelope from the same log-mel
spectrogram. A :class:`ClipContext` computes each of these the first time a feature
asks for it and hands the same array to every later feature of that clip, so the
features of a FeatureUnion cost one STFT per clip, not one per feature.
"""

import librosa
import numpy as np

from ._spectra import estimate_tuning, mel_filterbank, stft_magnitude

__all__ = ["ClipContext", "frame_count", "mel_key", "pad_for_stft", "tuning_key"]


def frame_count(n_samples, hop_length):
    """Frames of a centred STFT (librosa's default, ``center=True``) of ``n_samples``."""
    return 1 + n_samples // hop_length


def pad_for_stft(y, n_fft):
    """Zero-pad a clip shorter than ``n_fft`` to ``n_fft`` samples.

    A centred STFT pads the signal with zeros anyway, so the frames of the clip itself are
    unchanged (crop the result to :func:`frame_count` of the original length); librosa
    only stops warning that ``n_fft`` is too large for the signal.
    """
    return y if len(y) >= n_fft else np.pad(y, (0, n_fft - len(y)))


def mel_key(sr, n_fft, hop_length, n_mels, fmin, fmax, power=2.0):
    """The key under which a :class:`ClipContext` keeps a mel spectrogram."""
    fmin, fmax = float(fmin), sr / 2 if fmax is None else float(fmax)
    return ("mel", n_fft, hop_length, n_mels, fmin, fmax, power)


def tuning_key(n_fft, hop_length, power=2.0, bins_per_octave=12):
    """The key under which a :class:`ClipContext` keeps a tuning estimate."""
    return ("tuning", n_fft, hop_length, power, bins_per_octave)


class ClipContext:
    """One clip at one sample rate, and the analyses of it computed so far.

    Every spectrogram has :func:`frame_count` frames, the frames librosa computes on the
    clip itself: a clip shorter than ``n_fft`` is zero-padded first
    (:func:`pad_for_stft`), which changes none of those frames.

    Parameters
    ----------
    y : ndarray of shape (n_samples,), float32, or None
        The waveform; None for a clip analysed elsewhere in blocks, whose ``analyses``
        hold everything asked of it.
    sr : int
        Its sample rate.
    n_samples : int or None, default=None
        The clip's length in samples when ``y`` is None.
    analyses : dict, default={}
        Analyses computed already, under the keys of :func:`mel_key` and
        :func:`tuning_key`; they are returned instead of computed.

    Examples
    --------
    >>> import numpy as np
    >>> ctx = ClipContext(np.zeros(22050, np.float32), 22050)
    >>> ctx.magnitude(2048, 512) is ctx.magnitude(2048, 512)
    True
    >>> ctx.magnitude(2048, 512).shape
    (1025, 44)
    """

    def __init__(self, y, sr, *, n_samples=None, analyses=None):
        self.y = y
        self.sr = sr
        self.n_samples = len(y) if y is not None else n_samples
        self._memo = dict(analyses or {})

    def _once(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def magnitude(self, n_fft, hop_length):
        """``|STFT|`` of shape (1 + n_fft // 2, n_frames), float32."""

        def compute():
            if self.y is None:
                raise RuntimeError("the STFT of a clip analysed in blocks is not kept")
            S = stft_magnitude(pad_for_stft(self.y, n_fft), n_fft=n_fft, hop_length=hop_length)
            n = frame_count(len(self.y), hop_length)
            return S if S.shape[1] <= n else np.ascontiguousarray(S[:, :n])

        return self._once(("magnitude", n_fft, hop_length), compute)

    def spectrogram(self, n_fft, hop_length, power=2.0):
        """``|STFT| ** power``: the power spectrogram by default."""
        if power == 1.0:
            return self.magnitude(n_fft, hop_length)
        return self._once(("spectrogram", n_fft, hop_length, power),
                          lambda: self.magnitude(n_fft, hop_length) ** power)  # fmt: skip

    def mel(self, n_fft, hop_length, n_mels, fmin, fmax, power=2.0):
        """Mel spectrogram, as :func:`librosa.feature.melspectrogram` computes it."""
        fmin, fmax = float(fmin), self.sr / 2 if fmax is None else float(fmax)
        return self._once(
            mel_key(self.sr, n_fft, hop_length, n_mels, fmin, fmax, power),
            lambda: mel_filterbank(self.sr, n_fft, n_mels, fmin, fmax).apply(
                self.spectrogram(n_fft, hop_length, power)
            ),
        )

    def log_mel(self, n_fft, hop_length, n_mels, fmin, fmax):
        """``librosa.power_to_db`` of the power mel spectrogram (``ref=1``, ``top_db=80``).

        The input of both the MFCC and librosa's onset strength.
        """
        fmin, fmax = float(fmin), self.sr / 2 if fmax is None else float(fmax)
        return self._once(
            ("log_mel", n_fft, hop_length, n_mels, fmin, fmax),
            lambda: librosa.power_to_db(self.mel(n_fft, hop_length, n_mels, fmin, fmax)),
        )

    def tuning(self, n_fft, hop_length, power=2.0, bins_per_octave=12):
        """Deviation from A440 in fractions of a bin, from the spectrogram ``|STFT| ** power``.

        With the defaults, equal to what :func:`librosa.feature.chroma_stft` estimates
        when ``tuning=None`` (librosa's pitch tracker reads the FFT size off the
        spectrogram's height); with ``2048, 512, 1.0, 36``, to what
        :func:`librosa.feature.chroma_cqt` estimates.
        """

        def compute():
            P = self.spectrogram(n_fft, hop_length, power)
            return estimate_tuning(P, sr=self.sr, n_fft=2 * (P.shape[0] - 1),
                                   bins_per_octave=bins_per_octave)  # fmt: skip

        return self._once(tuning_key(n_fft, hop_length, power, bins_per_octave), compute)
