"""The short-chunk CNN of Won et al. (2020), with or without residual blocks."""

import torch
from torch import nn

from ._blocks import ConvBlock, ResidualBlock, as_image
from ._checks import check_module_params

__all__ = ["ShortChunkCNN"]


class ShortChunkCNN(nn.Module):
    """Short-chunk CNN/ResNet for music tagging (Won, Ferraro, Bogdanov & Serra, 2020).

    Seven 3x3 blocks, each followed by 2x2 max pooling, with ``width`` channels in the
    first two, ``2 * width`` in the next four and ``4 * width`` in the last; max pooling
    over what is left of frequency and time; then a dense layer with batch normalisation,
    ReLU and dropout, and the output layer. In "Evaluation of CNN-based automatic music
    tagging models" the residual variant trained on short (3.7 s) chunks was the best
    simple tagger on MagnaTagATune, MTG-Jamendo and the Million Song Dataset. The paper
    uses 128 channels on 128 mel bands; the default here is narrower for CPUs.

    Parameters
    ----------
    n_outputs : int
        Number of outputs (classes or tags); the network returns logits.
    width : int, default=32
        Channels of the first blocks (the paper: 128).
    residual : bool, default=True
        Residual blocks (the paper's ShortChunkCNN_Res) or plain convolution blocks.
    dropout : float, default=0.5
        Dropout after the dense layer (the paper: 0.5).

    Examples
    --------
    >>> import torch
    >>> from sklearn_music.models import ShortChunkCNN
    >>> ShortChunkCNN(n_outputs=5, width=4)(torch.zeros(2, 1, 64, 64)).shape
    torch.Size([2, 5])
    """

    def __init__(self, n_outputs, *, width=32, residual=True, dropout=0.5):
        super().__init__()
        check_module_params(n_outputs=n_outputs, width=width, dropout=dropout)
        channels = [width, width, 2 * width, 2 * width, 2 * width, 2 * width, 4 * width]
        block = ResidualBlock if residual else ConvBlock
        self.features = nn.Sequential(*[
            block(c_in, c_out) for c_in, c_out in zip([1] + channels[:-1], channels)
        ])
        self.dense = nn.Sequential(
            nn.Linear(channels[-1], channels[-1]),
            nn.BatchNorm1d(channels[-1]),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(channels[-1], n_outputs),
        )

    def forward(self, x):
        x = self.features(as_image(x))
        return self.dense(torch.amax(x, dim=(2, 3)))
