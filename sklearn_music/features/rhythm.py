"""Rhythm features of a clip: tempo, onset statistics and a summary of its tempogram."""

from numbers import Integral, Real

import librosa
import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import ClipTransformer
from ._spectra import mean_tempogram
from ._stream import FromMels

__all__ = ["TempoFeatures"]

# Metrical multiples of the beat (Prockup et al. 2015), as in librosa.feature.tempogram_ratio.
_RATIOS = {
    "sixteenth": 4, "dotted_sixteenth": 8 / 3, "eighth_triplet": 3, "eighth": 2,
    "dotted_eighth": 4 / 3, "quarter_triplet": 3 / 2, "quarter": 1, "dotted_quarter": 2 / 3,
    "half_triplet": 3 / 4, "half": 1 / 2, "dotted_half": 1 / 3, "whole_triplet": 3 / 8,
    "whole": 1 / 4,
}  # fmt: skip
# The log-mel spectrogram of librosa.onset.onset_strength: the MFCC's, by default.
_ONSET_N_FFT, _ONSET_N_MELS = 2048, 128
_PULSE_RANGE_BPM = (30.0, 300.0)


class TempoFeatures(ClipTransformer):
    """Rhythm descriptors of each clip: tempo, onset strength, and tempogram shape.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate in Hz of the waveforms (files are loaded at it).
    hop_length : int, default=512
        Samples between onset-strength frames.
    win_length : int, default=384
        Frames of onset strength in each autocorrelation window of the tempogram
        (384 frames are 8.9 s at the defaults).
    start_bpm : float, default=120.0
        Centre of librosa's prior on the tempo, in beats per minute.
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
        18.

    See Also
    --------
    sklearn_music.TempoEstimator : Tempo estimation as a regressor.

    Notes
    -----
    Columns, from the onset-strength envelope (:func:`librosa.onset.onset_strength`) and
    its autocorrelation tempogram (:func:`librosa.feature.tempogram`, each frame scaled
    to a lag-0 value of 1) averaged over the clip:

    - ``tempo``: the global tempo in BPM (:func:`librosa.feature.tempo` on that tempogram);
    - ``onset_strength_mean``, ``onset_strength_std``: how percussive and how even;
    - ``onset_rate``: detected onsets per second;
    - ``pulse_clarity``: how far the highest autocorrelation at a tempo of 30-300 BPM
      stands above the median there; near 1 for a click track, near 0 for noise or free
      rhythm (the onset envelope is not centred, so the raw peak alone is high for both);
    - ``tempogram_ratio_<note>``: the autocorrelation at 13 metrical multiples of the tempo
      (sixteenth, dotted sixteenth, eighth triplet, eighth, ..., whole note), the spectral
      rhythm pattern of Peeters (2005) with the factors of Prockup et al. (2015), taken
      from the mean tempogram.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music import TempoFeatures
    >>> sr, bpm = 22050, 120
    >>> clicks = np.zeros(sr * 6, np.float32)
    >>> for start in range(0, len(clicks), sr * 60 // bpm):
    ...     clicks[start:start + 200] = 1.0
    >>> tf = TempoFeatures(sr=sr)
    >>> table = tf.fit_transform(clicks[None])
    >>> table.shape, bool(abs(table[0, 0] - bpm) < 5)  # within the tempogram's resolution
    ((1, 18), True)
    """

    _parameter_constraints = {
        **ClipTransformer._parameter_constraints,
        "hop_length": [Interval(Integral, 1, None, closed="left")],
        "win_length": [Interval(Integral, 2, None, closed="left")],
        "start_bpm": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, sr=22050, hop_length=512, win_length=384, start_bpm=120.0, n_jobs=None,
                 memory=None):  # fmt: skip
        self.sr = sr
        self.hop_length = hop_length
        self.win_length = win_length
        self.start_bpm = start_bpm
        self.n_jobs = n_jobs
        self.memory = memory

    def _feature_names(self):
        return [
            "tempo", "onset_strength_mean", "onset_strength_std", "onset_rate", "pulse_clarity",
        ] + [f"tempogram_ratio_{note}" for note in _RATIOS]  # fmt: skip

    def _log_mel_args(self):
        """What ``ClipContext.log_mel`` is asked (a power mel in dB), here and in the plan."""
        return (_ONSET_N_FFT, self.hop_length, _ONSET_N_MELS, 0.0, None)

    def _stream_plan(self):
        return FromMels((*self._log_mel_args(), 2.0))

    def _features_from(self, ctx):
        sr, hop = self.sr, self.hop_length
        log_mel = ctx.log_mel(*self._log_mel_args())
        envelope = librosa.onset.onset_strength(S=log_mel, sr=sr, hop_length=hop)
        # librosa's tempo averages the tempogram over frames first: only the mean is needed.
        mean_tg = mean_tempogram(envelope, win_length=self.win_length)
        tempo = librosa.feature.tempo(
            tg=mean_tg[:, None], sr=sr, hop_length=hop, start_bpm=self.start_bpm
        )[0]
        bpm = librosa.tempo_frequencies(len(mean_tg), sr=sr, hop_length=hop)
        beat_range = mean_tg[(bpm >= _PULSE_RANGE_BPM[0]) & (bpm <= _PULSE_RANGE_BPM[1])]
        pulse_clarity = beat_range.max() - np.median(beat_range) if beat_range.size else 0.0
        ratios = librosa.f0_harmonics(
            mean_tg[:, None], f0=np.array([tempo]), freqs=bpm,
            harmonics=list(_RATIOS.values()),
        )[:, 0]  # fmt: skip
        onsets = librosa.onset.onset_detect(onset_envelope=envelope, sr=sr, hop_length=hop)
        onset_rate = len(onsets) * sr / ctx.n_samples
        summary = [tempo, envelope.mean(), envelope.std(), onset_rate, pulse_clarity]
        return np.concatenate([summary, ratios])
