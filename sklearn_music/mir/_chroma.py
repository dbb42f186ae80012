"""Chroma for key and chord estimation: harmonic part, tuning, pitch-centred folding.

The CQT variant separates the harmonic part on the constant-Q spectrogram itself (median
filtering along time and along frequency, seven times cheaper than on an STFT), keeps only
the bin at the centre of each semitone of a 36-bins-per-octave transform tuned to the
recording, so that energy between semitones (vibrato, percussion, detuned partials) does
not leak into the pitch classes, and log-compresses magnitudes so that a loud bass note
does not drown the chord above it. The STFT and CENS variants are librosa's, computed on
the harmonic signal (HPSS on the STFT) at the same tuning.

The NNLS variant is an approximate transcription in the spirit of Mauch and Dixon's NNLS
chroma (ISMIR 2010): a tuned constant-Q spectrogram from C1 to two octaves above the analysed
range, magnitudes averaged over each hop, harmonic part kept (HPSS on it), is whitened
(each bin's running mean over an octave subtracted, what is left divided by the running
standard deviation) and explained, frame by frame, as a non-negative sum of note templates
whose partials decay geometrically (non-negative least squares). The activations of the
notes in the analysed range, not the spectrum, are folded to pitch classes; the notes below
it take the bass's share of the spectrum out of the chroma.
"""

import warnings
from functools import lru_cache

import librosa
import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.optimize import nnls

from ..features._engine import one_blas_thread
from ..features._spectra import padding_short_clips

__all__ = ["CHROMA_KINDS", "chroma_frames"]

CHROMA_KINDS = ("cqt", "nnls", "stft", "cens")
_BINS_PER_SEMITONE = 3
_LOWEST_NOTE = 24  # C1: the NNLS variant transcribes from here even when it folds higher
_PARTIAL_OCTAVES = 2  # ... and up to two octaves above the folded range, for partials
_N_PARTIALS = 20
_PARTIAL_DECAY = 0.7  # amplitude of partial k is 0.7 ** (k - 1), Mauch and Dixon's shape
_WHITENING_WIDTH = 12 * _BINS_PER_SEMITONE + 1  # one octave of bins
_AVERAGED = 4  # NNLS frames average the magnitudes of four spectrogram frames
_HPSS_SECONDS = 0.75  # the harmonic median filter spans about this much time
_HPSS_BINS = 31  # ... and the percussive one 31 bins (10 semitones)
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
    kind : {"cqt", "nnls", "stft", "cens"}, default="cqt"
        Which chroma.
    harmonic : bool, default=True
        Remove the percussive part (median-filtering HPSS).
    tuning : float or None, default=None
        Deviation from A440 in fractions of a semitone; None estimates it from the audio.
    hop_length : int, default=512
        Samples between frames. Each frame of the NNLS variant averages the magnitudes of
        four constant-Q frames a quarter of it apart.
    fmin : float, default=130.81
        Lowest pitch analysed, in Hz (C3): the CQT and NNLS variants fold the pitches from
        the C at or below it, and ignore the bass below it.
    n_octaves : int, default=4
        Octaves analysed from ``fmin`` (CQT and NNLS variants).
    compression : float, default=10.0
        ``log(1 + compression * X / max(X))`` on the CQT semitone magnitudes or the NNLS
        note activations; 0 keeps them linear.

    Returns
    -------
    chroma : ndarray of shape (12, n_frames)
    """
    y = np.asarray(y, dtype=np.float32)
    # A DC offset is no pitch, but the zero padding of the transforms turns it into steps
    # at both ends of the clip, broadband clicks that the chroma would count.
    y = (y - y.mean(dtype=np.float64)).astype(np.float32)
    if y.size < _MIN_SAMPLES:
        y = np.pad(y, (0, _MIN_SAMPLES - y.size))
    if tuning is None:
        tuning = _estimate_tuning(y, sr)
    if harmonic and kind in ("stft", "cens"):
        y = librosa.effects.harmonic(y)
    if kind == "stft":
        return librosa.feature.chroma_stft(y=y, sr=sr, hop_length=hop_length, tuning=tuning)
    if kind == "cens":
        with padding_short_clips():
            return librosa.feature.chroma_cens(y=y, sr=sr, hop_length=hop_length, tuning=tuning)
    # fmin is snapped to the C below it, so that row 0 of the folded chroma is C.
    midi = int(np.round(librosa.hz_to_midi(fmin)))
    c_midi = midi - midi % 12
    if kind == "nnls":
        notes = _nnls_notes(y, sr=sr, lowest=c_midi, n_octaves=n_octaves, harmonic=harmonic,
                            tuning=tuning, hop_length=hop_length)  # fmt: skip
        return _fold(notes, compression)
    with padding_short_clips():
        C = np.abs(
            librosa.cqt(
                y, sr=sr, hop_length=hop_length, fmin=librosa.midi_to_hz(c_midi),
                n_bins=12 * _BINS_PER_SEMITONE * n_octaves,
                bins_per_octave=12 * _BINS_PER_SEMITONE, tuning=tuning,
            )
        )  # fmt: skip
    if harmonic:
        C = librosa.decompose.hpss(C)[0]
    return _fold(C[::_BINS_PER_SEMITONE], compression)  # the bin at each semitone's centre


def _estimate_tuning(y, sr):
    """librosa's tuning estimate; 0 (A440) for a clip with no pitched content.

    Silence, near-silence (a phase-cancelled stereo mix, dither) and a DC offset leave
    librosa no peaks to measure: it returns 0 and warns about an empty frequency set, a
    warning about its internals that says nothing useful to the user.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Trying to estimate tuning from empty")
        return librosa.estimate_tuning(y=y, sr=sr)


def _fold(semitones, compression):
    """(12, n_frames) chroma from (12 * n_octaves, n_frames) semitones starting on a C."""
    if compression > 0:
        semitones = np.log1p(compression * semitones / max(semitones.max(), 1e-10))
    return semitones.reshape(-1, 12, semitones.shape[1]).sum(axis=0)


@lru_cache(maxsize=8)
def _note_dictionary(n_notes):
    """(n_bins, n_notes) unit-norm spectra of notes a semitone apart on a 1/3-semitone grid.

    Partial k of note n lies 36 log2(k) bins above its fundamental (bin 3 n), shared
    linearly between the two nearest bins, with amplitude 0.7 ** (k - 1).
    """
    n_bins = n_notes * _BINS_PER_SEMITONE
    dictionary = np.zeros((n_bins, n_notes))
    for note in range(n_notes):
        for k in range(1, _N_PARTIALS + 1):
            position = _BINS_PER_SEMITONE * (note + 12 * np.log2(k))
            low = int(position)
            if low >= n_bins - 1:
                break
            share = position - low
            dictionary[[low, low + 1], note] += _PARTIAL_DECAY ** (k - 1) * np.array(
                [1.0 - share, share]
            )
    return dictionary / np.linalg.norm(dictionary, axis=0)


def _whiten(S):
    """Subtract each bin's running mean over an octave, divide by the running deviation."""
    mean = uniform_filter1d(S, _WHITENING_WIDTH, axis=0, mode="nearest")
    mean_square = uniform_filter1d(S**2, _WHITENING_WIDTH, axis=0, mode="nearest")
    deviation = np.sqrt(np.maximum(mean_square - mean**2, 0.0))
    return np.maximum(S - mean, 0.0) / np.maximum(deviation, 1e-10)


def _nnls_notes(y, *, sr, lowest, n_octaves, harmonic, tuning, hop_length):
    """(12 * n_octaves, n_frames) NNLS activations of the notes from MIDI ``lowest`` up."""
    bottom = min(_LOWEST_NOTE, lowest)
    top = lowest + 12 * (n_octaves + _PARTIAL_OCTAVES)
    # Partials above what the sample rate can hold are left out, not the analysed notes.
    top = max(min(top, int(librosa.hz_to_midi(0.45 * sr))), lowest + 12 * n_octaves)
    sub_hop = max(1, hop_length // _AVERAGED)
    with padding_short_clips():
        C = np.abs(
            librosa.cqt(
                y, sr=sr, hop_length=sub_hop, fmin=librosa.midi_to_hz(bottom),
                n_bins=_BINS_PER_SEMITONE * (top - bottom),
                bins_per_octave=12 * _BINS_PER_SEMITONE, tuning=tuning,
            )
        )  # fmt: skip
    starts = np.arange(0, C.shape[1], _AVERAGED)
    C = np.add.reduceat(C, starts, axis=1) / np.diff(np.append(starts, C.shape[1]))
    if harmonic:
        frames = 2 * int(_HPSS_SECONDS * sr / (2 * sub_hop * _AVERAGED)) + 1
        C = librosa.decompose.hpss(C, kernel_size=(frames, _HPSS_BINS))[0]
    notes = _nnls_columns(_note_dictionary(top - bottom), _whiten(C))
    return notes[lowest - bottom : lowest - bottom + 12 * n_octaves]


def _nnls_columns(dictionary, X, n_iter=100):
    """``nnls(dictionary, x)`` for every column ``x`` of ``X``, all frames at once.

    Accelerated projected gradient (FISTA) on the normal equations runs over all frames
    together and finds which notes are active; each frame's active notes are then solved
    exactly, and the result is kept where it meets the optimality (KKT) conditions of
    non-negative least squares: non-negative, and no inactive note whose activation would
    lower the error. The few frames that do not (their active set not yet settled) are
    solved by scipy's ``nnls``. The answer is scipy's to rounding (1e-14 on GTZAN clips),
    four to five times faster: the note dictionary is well conditioned (its Gram matrix's
    condition number is about 66), so 100 iterations settle nearly every frame. BLAS runs
    on one thread (:func:`~sklearn_music.features._engine.one_blas_thread`).
    """
    gram = dictionary.T @ dictionary
    target = dictionary.T @ X
    step = 1.0 / np.linalg.eigvalsh(gram)[-1]
    A = np.zeros_like(target)
    Y, momentum = A, 1.0
    with one_blas_thread():
        for _ in range(n_iter):
            A_next = np.maximum(Y - step * (gram @ Y - target), 0.0)
            momentum_next = (1.0 + np.sqrt(1.0 + 4.0 * momentum**2)) / 2.0
            Y = A_next + (momentum - 1.0) / momentum_next * (A_next - A)
            A, momentum = A_next, momentum_next
    notes = np.zeros_like(target)
    for t in np.flatnonzero(target.any(axis=0)):
        active = A[:, t] > 0
        x = np.zeros(active.size)
        x[active] = np.linalg.solve(gram[np.ix_(active, active)], target[active, t])
        gradient = gram @ x - target[:, t]
        tolerance = 1e-10 * np.abs(target[:, t]).max()
        if x.min() >= 0 and not (gradient[~active] < -tolerance).any():
            notes[:, t] = x
        else:
            notes[:, t] = nnls(dictionary, X[:, t])[0]
    return notes
