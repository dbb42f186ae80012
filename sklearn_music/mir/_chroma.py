"""Chroma for key and chord estimation: harmonic part, tuning, pitch-centred folding.

The CQT variant separates the harmonic part on the constant-Q spectrogram itself (median
filtering along time and along frequency, seven times cheaper than on an STFT), keeps only
the bin at the centre of each semitone of a 36-bins-per-octave transform tuned to the
recording, so that energy between semitones (vibrato, percussion, detuned partials) does
not leak into the pitch classes, and log-compresses magnitudes so that a loud bass note
does not drown the chord above it. The STFT and CENS variants are librosa's, computed on
the harmonic signal (HPSS on the STFT) at the same tuning.
"""

import librosa
import numpy as np

__all__ = ["CHROMA_KINDS", "chroma_frames"]

CHROMA_KINDS = ("cqt", "stft", "cens")
_BINS_PER_SEMITONE = 3
_MIN_SAMPLES = 4096  # shorter clips are zero-padded: the STFT needs a few frames


def chroma_frames(y, *, sr, kind="cqt", harmonic=True, tuning=None, hop_length=512,
                  fmin=130.81, n_octaves=4, compression=10.0):  # fmt: skip
    """Chroma of one waveform, rows C, C#, ..., B.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Mono waveform.
    sr : int
        Its sample rate.
    kind : {"cqt", "stft", "cens"}, default="cqt"
        Which chroma.
    harmonic : bool, default=True
        Remove the percussive part (median-filtering HPSS).
    tuning : float or None, default=None
        Deviation from A440 in fractions of a semitone; None estimates it from the audio.
    hop_length : int, default=512
        Samples between frames.
    fmin : float, default=130.81
        Lowest pitch analysed, in Hz (C3): the CQT variant ignores the bass below it.
    n_octaves : int, default=4
        Octaves analysed from ``fmin`` (CQT variant).
    compression : float, default=10.0
        ``log(1 + compression * X / max(X))`` on the CQT semitone magnitudes; 0 keeps them
        linear.

    Returns
    -------
    chroma : ndarray of shape (12, n_frames)
    """
    y = np.asarray(y, dtype=np.float32)
    if y.size < _MIN_SAMPLES:
        y = np.pad(y, (0, _MIN_SAMPLES - y.size))
    if tuning is None:
        tuning = librosa.estimate_tuning(y=y, sr=sr) if np.any(y) else 0.0
    if harmonic and kind != "cqt":
        y = librosa.effects.harmonic(y)
    if kind == "stft":
        return librosa.feature.chroma_stft(y=y, sr=sr, hop_length=hop_length, tuning=tuning)
    if kind == "cens":
        return librosa.feature.chroma_cens(y=y, sr=sr, hop_length=hop_length, tuning=tuning)
    # fmin is snapped to the C below it, so that row 0 of the folded chroma is C.
    midi = int(np.round(librosa.hz_to_midi(fmin)))
    c_midi = midi - midi % 12
    C = np.abs(
        librosa.cqt(
            y, sr=sr, hop_length=hop_length, fmin=librosa.midi_to_hz(c_midi),
            n_bins=12 * _BINS_PER_SEMITONE * n_octaves,
            bins_per_octave=12 * _BINS_PER_SEMITONE, tuning=tuning,
        )
    )  # fmt: skip
    if harmonic:
        C = librosa.decompose.hpss(C)[0]
    semitones = C[::_BINS_PER_SEMITONE]  # the bin at the centre of each semitone
    if compression > 0:
        semitones = np.log1p(compression * semitones / max(semitones.max(), 1e-10))
    return semitones.reshape(n_octaves, 12, -1).sum(axis=0)
