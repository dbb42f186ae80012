"""Spectrogram augmentation applied to training batches: vibrato, note length, reverb,
noise, overlay, gain, masking, mixup.

Augmentation is what lets a network trained on one set of instruments (one SoundFont,
one studio) recognise another: a pitch that wavers stands in for the vibrato of players
and singers (sampled notes mostly hold a steady pitch), notes cut short for the staccato
and the short notes of real playing (datasets of one-shot notes hold every note for
seconds), a simulated room tail for the halls that dry rendered notes lack, a steady
noise floor for the hiss and hum of the microphones and rooms that recordings are made
with; a random gain removes loudness as a cue, masking hides any single band or moment
the network might lean on (SpecAugment, Park et al. 2019), and mixup (Zhang et al. 2018)
blends pairs of clips and their labels, which smooths the decision boundaries. For
tagging, overlaying two clips makes a new mixture whose tags are those of both, so a few
thousand training mixtures give many more combinations of instruments. All randomness
comes from PyTorch's default generator, which the estimators seed from ``random_state``.
"""

import math

import torch
from torch.nn import functional as F

__all__ = ["SpecAugment"]


class SpecAugment:
    """Randomly transform a batch of normalised log-spectrograms and its targets.

    Parameters
    ----------
    vibrato : float, default=0.0
        Largest depth, in bands, of a simulated vibrato: half the clips have their
        spectrum shifted up and down the bands along a sinusoid over time (depth drawn in
        ``[0, vibrato]``, period 2.5 to 8 frames, random phase), each frame averaging the
        spectrum at three instants within it, as a pitch moving during one analysis window
        smears it. On 64 mel bands up to 8 kHz one band is about a semitone at 1-4 kHz.
        Sampled notes mostly hold a steady pitch; strings, winds and voices rarely do.
        Worth 1.0 for frames of 60 ms or more, where vibrato otherwise costs much accuracy;
        0 disables.
    shorten : float, default=0.5
        The probability that a clip's sound is cut short: from a random frame on (drawn
        log-uniformly between frame 2 and the last, so a short note is as likely as a long
        one) it fades by 60 dB over 1 to 8 frames, down to the clip's quietest level. A
        network that only heard notes held for seconds takes a short note of the same
        instrument for a plucked or struck one. 0 disables.
    reverb : float, default=8.0
        Largest decay time constant, in frames, of a simulated reverberation tail: each
        clip's power spectrogram gains a tail of itself, delayed and decaying exponentially
        along time with a time constant drawn in ``[0, reverb]``, carrying up to 0.7 times
        the direct power. With 64 frames over 4 s, 8 frames is half a second. 0 disables.
    snr_db : float or None, default=40.0
        Smallest ratio, in dB, of a clip's peak to a simulated steady noise floor: each
        clip's power gains a noise floor between ``snr_db`` and ``snr_db + 40`` dB below
        its peak, with a random spectral tilt of up to ±12 dB across the bands and 1 dB of
        random texture. Rendered audio is digitally silent between notes; recordings
        have hiss and hum. None disables.
    gain_db : float, default=6.0
        Largest gain in dB, drawn uniformly in ``[-gain_db, gain_db]`` per clip. 0 disables.
    time_mask : float, default=0.1
        Largest fraction of the frames hidden by one time mask per clip (0 disables).
    freq_mask : float, default=0.1
        Largest fraction of the bands hidden by one frequency mask per clip (0 disables).
    mixup : float, default=0.2
        Alpha of the Beta(alpha, alpha) distribution of mixup weights (0 disables).
    overlay : float, default=0.0
        For multi-label tags only: the probability that a clip is overlaid with another
        clip of the batch (their powers summed, the other clip within ±6 dB of it, the
        sum brought back to the clip's peak level), its tags becoming the union of both
        clips' tags. 0 disables. A class label has no union, so classifiers keep 0.

    Notes
    -----
    Vibrato, note length, reverb, noise, overlay and gain act on decibels: the input must be
    log-power in dB (as :class:`~sklearn_music.MelSpectrogram` gives), standardised per
    band with ``band_mean`` and ``band_scale``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_music.models import SpecAugment
    >>> _ = torch.manual_seed(0)
    >>> X, Y = torch.randn(4, 1, 8, 10), torch.eye(2)[[0, 1, 0, 1]]
    >>> Xa, Ya = SpecAugment(mixup=0.0)(X, Y, band_mean=torch.full((8,), -40.0),
    ...                                 band_scale=torch.full((8,), 10.0))
    >>> Xa.shape, bool(torch.equal(Ya, Y))
    (torch.Size([4, 1, 8, 10]), True)
    """

    def __init__(self, *, vibrato=0.0, shorten=0.5, reverb=8.0, snr_db=40.0, gain_db=6.0,
                 time_mask=0.1, freq_mask=0.1, mixup=0.2, overlay=0.0):
        self.vibrato = vibrato
        self.shorten = shorten
        self.reverb = reverb
        self.snr_db = snr_db
        self.gain_db = gain_db
        self.time_mask = time_mask
        self.freq_mask = freq_mask
        self.mixup = mixup
        self.overlay = overlay

    def __call__(self, X, Y, *, band_mean, band_scale):
        """Augment a batch.

        Parameters
        ----------
        X : torch.Tensor of shape (batch, 1, n_bands, n_frames)
            Spectrograms in dB, standardised per band: ``(dB - band_mean) / band_scale``.
        Y : torch.Tensor of shape (batch, n_outputs)
            Float targets: one-hot classes or 0/1 tags. Mixup blends them; overlay
            takes the union of tags.
        band_mean, band_scale : torch.Tensor of shape (n_bands,)
            The per-band mean and standard deviation, in dB, that standardised X.

        Returns
        -------
        X, Y : torch.Tensor
            The augmented batch; the inputs are never modified in place.
        """
        if (self.vibrato > 0 or self.shorten > 0 or self.reverb > 0 or self.snr_db is not None
                or self.overlay > 0 or self.gain_db > 0):
            # These act on decibels: one round trip out of the normalised domain and back
            # serves them all.
            mean = band_mean.to(X)[None, None, :, None]
            scale = band_scale.to(X)[None, None, :, None]
            db = X * scale + mean
            if self.vibrato > 0:
                db = _vibrato(db, self.vibrato)
            if self.shorten > 0:
                db = _shorten(db, self.shorten)
            if self.reverb > 0:
                db = _reverberate(db, self.reverb)
            if self.snr_db is not None:
                db = _noise_floor(db, self.snr_db)
            if self.overlay > 0 and X.shape[0] > 1:
                db, Y = _overlay(db, Y, self.overlay)
            if self.gain_db > 0:
                gain = (torch.rand(X.shape[0], device=X.device) * 2 - 1) * self.gain_db
                db = db + gain[:, None, None, None]
            X = (db - mean) / scale
        if self.freq_mask > 0:
            keep = _band_keep(X.shape[0], X.shape[2], self.freq_mask, X.device)
            X = X * keep[:, None, :, None]
        if self.time_mask > 0:
            keep = _band_keep(X.shape[0], X.shape[3], self.time_mask, X.device)
            X = X * keep[:, None, None, :]
        if self.mixup > 0 and X.shape[0] > 1:
            weight = torch.distributions.Beta(self.mixup, self.mixup).sample().to(X.device)
            order = torch.randperm(X.shape[0], device=X.device)
            X = weight * X + (1 - weight) * X[order]
            Y = weight * Y + (1 - weight) * Y[order]
        return X, Y


def _vibrato(db, depth):
    """Shift half the clips' spectra along the bands by a sinusoid over time (in dB).

    Each frame averages the power at three instants a third of a frame apart, the smear of
    a pitch that moves while one frame is analysed.
    """
    n_clips, n_bands, n_frames = db.shape[0], db.shape[2], db.shape[3]
    chosen = torch.nonzero(torch.rand(n_clips, device=db.device) < 0.5).flatten()
    amplitude = torch.rand(len(chosen), 1, device=db.device) * depth
    period = 2.5 + 5.5 * torch.rand(len(chosen), 1, device=db.device)
    phase = 2 * math.pi * torch.rand(len(chosen), 1, device=db.device)
    frame = torch.arange(n_frames, device=db.device, dtype=db.dtype)
    band = torch.arange(n_bands, device=db.device, dtype=db.dtype)[:, None]
    power = 10.0 ** (db[chosen] / 10.0)
    smeared = torch.zeros_like(power)
    for instant in (-1 / 3, 0.0, 1 / 3):
        shift = amplitude * torch.sin(2 * math.pi * (frame + instant) / period + phase)
        source = (band - shift[:, None, :]).clamp(0, n_bands - 1)[:, None]  # like power
        low = source.floor()
        upper = source - low
        low = low.long().expand_as(power)
        high = (low + 1).clamp_max(n_bands - 1)
        smeared += power.gather(2, low) * (1 - upper) + power.gather(2, high) * upper
    out = db.clone()
    out[chosen] = 10.0 * torch.log10((smeared / 3).clamp_min(torch.finfo(db.dtype).tiny))
    return out


def _shorten(db, probability):
    """Cut some clips' sound short: from a random frame on it fades 60 dB in 1-8 frames.

    The cut falls log-uniformly between frame 2 and the end, so short notes are drawn as
    often as long ones; the fade stops at the clip's quietest level.
    """
    n_clips, n_frames = db.shape[0], db.shape[3]
    cut = torch.exp(torch.rand(n_clips, device=db.device) * math.log(n_frames / 2)) * 2
    slope = 60.0 / (1.0 + 7.0 * torch.rand(n_clips, device=db.device))
    frame = torch.arange(n_frames, device=db.device)[None, :]
    fade = (slope[:, None] * (frame - cut[:, None]).clamp_min(0))[:, None, None, :]
    floor = db.amin(dim=(1, 2, 3), keepdim=True)
    chosen = (torch.rand(n_clips, device=db.device) < probability)[:, None, None, None]
    return torch.where(chosen, torch.maximum(db - fade, floor), db)


def _reverberate(db, largest_decay):
    """Add to each clip's power an exponentially decaying tail of itself (in dB).

    The direct sound is kept; the tail, from the frame after each frame on, carries up to
    0.7 times its power in all (a steady tone gains at most 2.3 dB).
    """
    n_clips, n_rows, n_frames = db.shape[0], db.shape[1] * db.shape[2], db.shape[3]
    power = 10.0 ** (db / 10.0)
    decay = torch.rand(n_clips, device=db.device, dtype=db.dtype) * largest_decay + 1e-3
    length = min(n_frames, math.ceil(5 * largest_decay) + 1)  # e^-5: the tail is over
    lag = torch.arange(length, device=db.device, dtype=db.dtype)[None, :]
    kernel = torch.where(lag > 0, torch.exp(-lag / decay[:, None]), 0.0)
    wet = torch.rand(n_clips, 1, device=db.device, dtype=db.dtype) * 0.7
    kernel = wet * kernel / kernel.sum(dim=1, keepdim=True).clamp_min(1e-12)
    # A causal convolution along time, each clip with its own kernel.
    weight = kernel.flip(1).repeat_interleave(n_rows, dim=0)[:, None, :]
    signal = F.pad(power.reshape(1, n_clips * n_rows, n_frames), (length - 1, 0))
    tail = F.conv1d(signal, weight, groups=n_clips * n_rows).reshape(power.shape)
    return 10.0 * torch.log10((power + tail).clamp_min(torch.finfo(db.dtype).tiny))


def _noise_floor(db, snr_db):
    """Add to each clip's power a steady, tilted noise floor ``snr_db`` to +40 dB down."""
    n_clips, n_bands = db.shape[0], db.shape[2]
    below = snr_db + 40.0 * torch.rand(n_clips, device=db.device)
    tilt = (torch.rand(n_clips, device=db.device) * 2 - 1) * 12.0
    across = torch.linspace(-0.5, 0.5, n_bands, device=db.device)
    level = (db.amax(dim=(1, 2, 3)) - below)[:, None] + tilt[:, None] * across[None, :]
    noise = level[:, None, :, None] + torch.randn_like(db)
    return 10.0 * torch.log10(10.0 ** (db / 10.0) + 10.0 ** (noise / 10.0))


def _overlay(db, Y, probability):
    """Overlay some clips (in dB) with other clips of the batch; their tags are OR-ed."""
    n_clips = db.shape[0]
    other = torch.randperm(n_clips, device=db.device)
    peak = (1, 2, 3)
    # the other clip's peak within ±6 dB of this clip's, whatever their levels
    level = (torch.rand(n_clips, device=db.device) * 2 - 1)[:, None, None, None] * 6.0 + (
        db.amax(dim=peak, keepdim=True) - db[other].amax(dim=peak, keepdim=True))
    both = 10.0 * torch.log10(10.0 ** (db / 10.0) + 10.0 ** ((db[other] + level) / 10.0))
    both = both - (both.amax(dim=peak, keepdim=True) - db.amax(dim=peak, keepdim=True))
    chosen = torch.rand(n_clips, device=db.device) < probability
    return (torch.where(chosen[:, None, None, None], both, db),
            torch.where(chosen[:, None], torch.maximum(Y, Y[other]), Y))


def _band_keep(n_clips, size, fraction, device):
    """1 where a row or column is kept, 0 inside one random mask per clip."""
    widths = torch.floor(torch.rand(n_clips, device=device) * (int(fraction * size) + 1))
    starts = torch.floor(torch.rand(n_clips, device=device) * (size - widths + 1))
    index = torch.arange(size, device=device)[None, :]
    inside = (index >= starts[:, None]) & (index < (starts + widths)[:, None])
    return (~inside).to(torch.float32)
