"""Spectrogram augmentation applied to training batches: masking, gain and mixup.

Augmentation is what lets a network trained on one set of instruments (one SoundFont,
one studio) recognise another: masking hides any single band or moment the network might
lean on (SpecAugment, Park et al. 2019), a random gain removes loudness as a cue, and mixup
(Zhang et al. 2018) blends pairs of clips and their labels, which smooths the decision
boundaries. All randomness comes from PyTorch's default generator, which the estimators
seed from ``random_state``.
"""

import torch

__all__ = ["SpecAugment"]


class SpecAugment:
    """Randomly transform a batch of normalised log-spectrograms and its targets.

    Parameters
    ----------
    time_mask : float, default=0.1
        Largest fraction of the frames hidden by one time mask per clip (0 disables).
    freq_mask : float, default=0.1
        Largest fraction of the bands hidden by one frequency mask per clip (0 disables).
    gain_db : float, default=6.0
        Largest gain in dB, drawn uniformly in ``[-gain_db, gain_db]`` per clip. The input
        must be log-power in dB (as :class:`~sklearn_music.MelSpectrogram` gives): a gain
        is then an offset of ``gain / band_scale`` in each normalised band. 0 disables.
    mixup : float, default=0.2
        Alpha of the Beta(alpha, alpha) distribution of mixup weights (0 disables).

    Examples
    --------
    >>> import torch
    >>> from sklearn_music.models import SpecAugment
    >>> _ = torch.manual_seed(0)
    >>> X, Y = torch.randn(4, 1, 8, 10), torch.eye(2)[[0, 1, 0, 1]]
    >>> Xa, Ya = SpecAugment(mixup=0.0)(X, Y, band_scale=torch.full((8,), 10.0))
    >>> Xa.shape, bool(torch.equal(Ya, Y))
    (torch.Size([4, 1, 8, 10]), True)
    """

    def __init__(self, *, time_mask=0.1, freq_mask=0.1, gain_db=6.0, mixup=0.2):
        self.time_mask = time_mask
        self.freq_mask = freq_mask
        self.gain_db = gain_db
        self.mixup = mixup

    def __call__(self, X, Y, *, band_scale):
        """Augment a batch.

        Parameters
        ----------
        X : torch.Tensor of shape (batch, 1, n_bands, n_frames)
            Spectrograms normalised per band (zero mean, unit variance).
        Y : torch.Tensor of shape (batch, n_outputs)
            Float targets: one-hot classes or 0/1 tags. Mixup blends them.
        band_scale : torch.Tensor of shape (n_bands,)
            The standard deviation, in dB, that normalised each band.

        Returns
        -------
        X, Y : torch.Tensor
            New tensors; the inputs are left unchanged.
        """
        X = X.clone()
        if self.gain_db > 0:
            gain = (torch.rand(X.shape[0], device=X.device) * 2 - 1) * self.gain_db
            X += gain[:, None, None, None] / band_scale.to(X)[None, None, :, None]
        if self.freq_mask > 0:
            X *= _band_keep(X.shape[0], X.shape[2], self.freq_mask, X.device)[:, None, :, None]
        if self.time_mask > 0:
            X *= _band_keep(X.shape[0], X.shape[3], self.time_mask, X.device)[:, None, None, :]
        if self.mixup > 0 and X.shape[0] > 1:
            weight = torch.distributions.Beta(self.mixup, self.mixup).sample().to(X.device)
            order = torch.randperm(X.shape[0], device=X.device)
            X = weight * X + (1 - weight) * X[order]
            Y = weight * Y + (1 - weight) * Y[order]
        return X, Y


def _band_keep(n_clips, size, fraction, device):
    """1 where a row or column is kept, 0 inside one random mask per clip."""
    widths = torch.floor(torch.rand(n_clips, device=device) * (int(fraction * size) + 1))
    starts = torch.floor(torch.rand(n_clips, device=device) * (size - widths + 1))
    index = torch.arange(size, device=device)[None, :]
    inside = (index >= starts[:, None]) & (index < (starts + widths)[:, None])
    return (~inside).to(torch.float32)
