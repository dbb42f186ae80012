"""Building blocks shared by the spectrogram CNNs.

Every block works on any spectrogram size, down to a single mel band and a single frame:
pooling never shrinks a side below one, and the heads pool globally, so a network trained
on 64x64 log-mels also runs on 128 bands or on 30-second clips.
"""

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["Pool2d", "ConvBlock", "ResidualBlock", "GlobalPoolHead", "as_image"]


def as_image(x):
    """Return ``x`` as a one-channel image batch ``(batch, 1, n_mels, n_frames)``."""
    if x.ndim == 3:
        return x.unsqueeze(1)
    if x.ndim != 4:
        raise ValueError(
            f"expected spectrograms of shape (batch, n_mels, n_frames) or "
            f"(batch, 1, n_mels, n_frames), got {tuple(x.shape)}"
        )
    return x


class Pool2d(nn.Module):
    """Max pooling by ``size`` along each side that is at least ``size`` long.

    Parameters
    ----------
    size : int, default=2
        Pooling factor along frequency and time.
    """

    def __init__(self, size=2):
        super().__init__()
        self.size = size

    def forward(self, x):
        kernel = tuple(self.size if side >= self.size else 1 for side in x.shape[-2:])
        if kernel == (1, 1):
            return x
        return F.max_pool2d(x, kernel)


class ConvBlock(nn.Sequential):
    """3x3 convolution, batch normalisation, ReLU, then optional 2x2 max pooling.

    Parameters
    ----------
    in_channels, out_channels : int
    pool : bool, default=True
    """

    def __init__(self, in_channels, out_channels, pool=True):
        layers = [
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        ]
        if pool:
            layers.append(Pool2d(2))
        super().__init__(*layers)


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions with a skip connection (He et al. 2016), then pooling.

    The skip path is the identity when the channels match, otherwise a 1x1 convolution.
    Downsampling is a 2x2 max pooling after the sum, which keeps small inputs valid.

    Parameters
    ----------
    in_channels, out_channels : int
    pool : bool, default=True
    """

    def __init__(self, in_channels, out_channels, pool=True):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.skip = (
            nn.Identity() if in_channels == out_channels
            else nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False),
                               nn.BatchNorm2d(out_channels))
        )
        self.pool = Pool2d(2) if pool else nn.Identity()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = self.bn2(self.conv2(out))
        return self.pool(F.relu(out + self.skip(x), inplace=True))


class GlobalPoolHead(nn.Module):
    """Average over frequency, mean and max over time, dropout, then a linear layer.

    Mean pooling over time summarises a whole clip; max pooling keeps short events (an
    attack, a single strum) that averaging would dilute (as in PANNs, Kong et al. 2020).

    Parameters
    ----------
    in_channels : int
    n_outputs : int
    dropout : float
    """

    def __init__(self, in_channels, n_outputs, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(2 * in_channels, n_outputs)

    def forward(self, x):
        x = x.mean(dim=2)  # (batch, channels, time)
        x = torch.cat([x.mean(dim=2), x.amax(dim=2)], dim=1)
        return self.fc(self.dropout(x))
