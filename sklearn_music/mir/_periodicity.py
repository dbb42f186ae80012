"""Periodicity analysis for tempo: band onset envelopes, salience curves, candidate tempi.

A clip's rhythm is summarised by :class:`Periodicity`: for the summed onset envelope and
for each of three bands (kick and bass; low mids; snare, hi-hat and the rest), the
autocorrelation and the Fourier tempogram over a log-spaced grid of tempi. The tempo is
then either the salience peak under a prior, or the best of a few candidates (salience
peaks and their octaves) according to a classifier learned from labelled clips.
"""

from dataclasses import dataclass
from functools import lru_cache

import librosa
import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.signal import find_peaks

__all__ = ["Periodicity", "analysis_window", "onset_envelopes", "periodicity", "tempo_grid"]

_BANDS = (0, 16, 48, 128)  # mel bands: kick and bass, low mids, the rest (snare, hi-hat)
_STEPS_PER_OCTAVE = 120  # tempo grid resolution: 0.6 % a step, far below Acc1's 4 %
_COMB_WEIGHTS = (1.0, 0.5, 0.25)  # the beat period and its first multiples
_DFT_EXPONENT = 0.25  # weight of the Fourier tempogram against the autocorrelation
_DFT_WINDOW = 8.0  # seconds
_MIN_SAMPLES = 4096
_N_PEAKS = 5  # salience peaks that seed the candidates
_SAME_TEMPO = 0.03  # candidates closer than this (in octaves) are one
_CAP = (99.5, 2.0)  # onset strength capped at twice this percentile of its band


def analysis_window(sr):
    """Samples of the onset envelopes' analysis window: 93 ms, 2048 at 22050 Hz."""
    return 2 * int(round(1024 * sr / 22050))


def onset_envelopes(y, *, sr, hop_length=256):
    """Spectral-flux onset strength in three mel bands, local mean removed.

    Each band's flux is computed on a log-mel spectrogram with a maximum filter across
    frequency (vibrato suppression, as in SuperFlux), so that soft bass and kick onsets
    count next to loud broadband ones; subtracting the one-second running mean keeps only
    the peaks that carry the rhythm. Each band is capped at twice its 99.5th percentile,
    so that one jump (music starting after silence, a cut) does not outweigh the rhythm.
    The analysis window is 93 ms at any ``sr`` (2048 samples at 22050 Hz).

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
    envelopes : ndarray of shape (3, n_frames)
        Non-negative onset strength of each band.
    """
    y = np.asarray(y, dtype=np.float32)
    if y.size < _MIN_SAMPLES:
        y = np.pad(y, (0, _MIN_SAMPLES - y.size))
    n_fft = analysis_window(sr)
    S = librosa.power_to_db(
        librosa.feature.melspectrogram(
            y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=_BANDS[-1]
        )
    )
    flux = librosa.onset.onset_strength_multi(
        S=S, sr=sr, n_fft=n_fft, hop_length=hop_length, lag=2, max_size=3,
        channels=list(_BANDS),
    )  # fmt: skip
    width = max(1, int(round(sr / hop_length)))
    local_mean = uniform_filter1d(flux, size=width, axis=1, mode="nearest")
    envelopes = np.maximum(flux - local_mean, 0.0)
    percentile, factor = _CAP
    return np.minimum(envelopes, factor * np.percentile(envelopes, percentile, axis=1,
                                                        keepdims=True))


def _autocorrelation(envelope):
    x = envelope - envelope.mean()
    n = x.size
    acf = np.fft.irfft(np.abs(np.fft.rfft(x, 2 * n)) ** 2)[:n] / (n - np.arange(n))
    return acf / acf[0] if acf[0] > 0 else acf


def _dft_basis(n_frames, frame_rate, bpm):
    """Hann-windowed complex exponentials at the tempi ``bpm``, one window long."""
    width = min(n_frames, int(_DFT_WINDOW * frame_rate))
    return _windowed_exponentials(width, float(frame_rate), np.asarray(bpm, float).tobytes())


@lru_cache(maxsize=4)
def _windowed_exponentials(width, frame_rate, bpm_bytes):
    """The basis of :func:`_dft_basis`, computed once per window, frame rate and grid.

    Clips analysed at the same settings share it (read-only): computing it took an eighth
    of the tempo estimate of a 30-second clip.
    """
    t = np.arange(width) / frame_rate
    bpm = np.frombuffer(bpm_bytes)
    basis = np.exp(-2j * np.pi * np.outer(bpm / 60.0, t)) * np.hanning(width)
    basis.flags.writeable = False
    return basis


def _fourier_tempogram(envelope, frame_rate, basis):
    """Mean magnitude of windowed DFTs of the envelope (``basis`` rows), max 1."""
    width = basis.shape[1]
    starts = range(0, envelope.size - width + 1, max(1, int(frame_rate)))
    segments = np.array([envelope[s : s + width] for s in starts])
    spectrum = np.abs((segments - segments.mean(axis=1, keepdims=True)) @ basis.T).mean(0)
    return spectrum / max(spectrum.max(), 1e-12)


@dataclass
class Periodicity:
    """How strongly a clip pulses at each tempo of ``bpm``.

    Attributes
    ----------
    bpm : ndarray of shape (n_tempi,)
        Log-spaced tempo grid (:func:`tempo_grid`).
    salience : ndarray of shape (n_tempi,)
        Comb over the autocorrelation (the beat period and its multiples, which favours
        the beat over its subdivisions) times a weak power of the Fourier tempogram (which
        favours the beat over its multiples): each cancels the other's octave bias. Max 1.
    curves : ndarray of shape (n_curves, n_tempi)
        Autocorrelation, comb and Fourier tempogram of the summed envelope, then the
        autocorrelation and Fourier tempogram of each band: the evidence the candidate
        classifier weighs.
    """

    bpm: np.ndarray
    salience: np.ndarray
    curves: np.ndarray

    def at(self, curve, tempo):
        """Values of ``curve`` at ``tempo`` (array), 0 outside the grid."""
        return np.interp(np.log(tempo), np.log(self.bpm), curve, left=0.0, right=0.0)

    def candidates(self, min_bpm, max_bpm):
        """The strongest salience peaks and their octaves within [min_bpm, max_bpm]."""
        peaks, _ = find_peaks(self.salience)
        if peaks.size == 0:
            peaks = np.array([int(np.argmax(self.salience))])
        peaks = peaks[np.argsort(-self.salience[peaks])][:_N_PEAKS]
        found = []
        for tempo in self.bpm[peaks]:
            for octave in (tempo, 2 * tempo, tempo / 2):
                if min_bpm <= octave <= max_bpm and all(
                    abs(np.log2(octave / other)) > _SAME_TEMPO for other in found
                ):
                    found.append(octave)
        if not found:  # every peak and octave out of range: the best tempo in range
            inside = (self.bpm >= min_bpm) & (self.bpm <= max_bpm)
            found.append(self.bpm[inside][np.argmax(self.salience[inside])])
        return np.array(found)

    def features(self, tempi):
        """Evidence for each candidate tempo, one row per tempo.

        Log-tempo (the prior a classifier learns: its square and absolute value too), and
        every curve at the tempo, at its double and half and, for the summed envelope, at
        3/2 and 2/3 of it (triple meter).
        """
        octaves = np.log2(np.asarray(tempi, dtype=float) / 120.0)
        columns = [octaves, octaves**2, np.abs(octaves)]
        curves = np.vstack([self.salience, self.curves])
        for i, curve in enumerate(curves):
            ratios = (1.0, 2.0, 0.5, 1.5, 2 / 3) if i < 4 else (1.0, 2.0, 0.5)
            columns += [self.at(curve, r * np.asarray(tempi)) for r in ratios]
        return np.column_stack(columns)


def periodicity(envelopes, *, frame_rate, bpm):
    """The :class:`Periodicity` of a clip from its band envelopes.

    Parameters
    ----------
    envelopes : ndarray of shape (n_bands, n_frames)
        Band onset envelopes, as from :func:`onset_envelopes`.
    frame_rate : float
        Envelope frames per second.
    bpm : ndarray of shape (n_tempi,)
        Tempo grid.

    Returns
    -------
    Periodicity
    """
    period = 60.0 * frame_rate / bpm

    def acf_curves(envelope):
        acf = _autocorrelation(envelope)
        lags = np.arange(acf.size)
        at_lag = np.interp(period, lags, acf, right=0.0)
        comb = sum(
            w * np.interp(k * period, lags, acf, right=0.0)
            for k, w in enumerate(_COMB_WEIGHTS, start=1)
        )
        return at_lag, np.maximum(comb, 0.0)

    basis = _dft_basis(envelopes.shape[1], frame_rate, bpm)
    total = envelopes.sum(axis=0)
    acf, comb = acf_curves(total)
    dft = _fourier_tempogram(total, frame_rate, basis)
    comb = comb / max(comb.max(), 1e-12)
    salience = comb * dft**_DFT_EXPONENT
    salience = salience / max(salience.max(), 1e-12)
    bands = []
    for band in envelopes:
        bands += [acf_curves(band)[0], _fourier_tempogram(band, frame_rate, basis)]
    return Periodicity(bpm=bpm, salience=salience, curves=np.array([acf, comb, dft, *bands]))


def tempo_grid(min_bpm, max_bpm):
    """Log-spaced tempi from half ``min_bpm`` to twice ``max_bpm`` (octaves need room).

    ``min_bpm`` and ``max_bpm`` themselves are on the grid, so that a range narrower than
    a step (a known tempo pinned to track its beats) still holds tempi to choose from.
    """
    low, high = min_bpm / 2, max_bpm * 2
    n = int(np.ceil(np.log2(high / low) * _STEPS_PER_OCTAVE)) + 1
    grid = np.geomspace(low, high, n)
    bounds = [b for b in (min_bpm, max_bpm) if not np.isclose(grid, b, rtol=1e-9).any()]
    return np.union1d(grid, bounds)  # (a bound already on the grid is not added twice)
