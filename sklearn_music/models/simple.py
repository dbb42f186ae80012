"""The homework CNN: stacked convolution–batch-norm–ReLU–pooling blocks."""

from torch import nn

from ._blocks import ConvBlock, GlobalPoolHead, as_image
from ._checks import check_module_params

__all__ = ["SimpleCNN"]


class SimpleCNN(nn.Module):
    """A plain CNN for log-mel spectrograms, as in the NSynth instrument homework.

    ``n_blocks`` blocks of 3x3 convolution, batch normalisation, ReLU and 2x2 max pooling,
    doubling the channels from ``width`` up to ``8 * width``, then global pooling, dropout
    and a linear layer. Global pooling makes it indifferent to the number of mel bands and
    frames (designed for 64x64 log-mels).

    Parameters
    ----------
    n_outputs : int
        Number of outputs (classes or tags); the network returns logits.
    width : int, default=16
        Channels of the first block.
    n_blocks : int, default=4
        Number of convolution blocks.
    dropout : float, default=0.3
        Dropout before the output layer.

    Examples
    --------
    >>> import torch
    >>> from sklearn_music.models import SimpleCNN
    >>> SimpleCNN(n_outputs=11, width=4)(torch.zeros(2, 1, 64, 64)).shape
    torch.Size([2, 11])
    """

    def __init__(self, n_outputs, *, width=16, n_blocks=4, dropout=0.3):
        super().__init__()
        check_module_params(n_outputs=n_outputs, width=width, dropout=dropout,
                            n_blocks=n_blocks)
        channels = [width * 2 ** min(i, 3) for i in range(n_blocks)]
        self.features = nn.Sequential(*[
            ConvBlock(c_in, c_out) for c_in, c_out in zip([1] + channels[:-1], channels)
        ])
        self.head = GlobalPoolHead(channels[-1], n_outputs, dropout)

    def forward(self, x):
        return self.head(self.features(as_image(x)))
