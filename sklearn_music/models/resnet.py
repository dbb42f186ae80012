"""A small ResNet for spectrograms: residual blocks with skip connections."""

from torch import nn

from ._blocks import ConvBlock, GlobalPoolHead, ResidualBlock, as_image
from ._checks import check_module_params

__all__ = ["ResNet"]


class ResNet(nn.Module):
    """A residual CNN for log-mel spectrograms (He et al. 2016, sized for CPUs).

    A 3x3 convolution stem with 2x2 pooling, then ``n_stages`` residual blocks (two 3x3
    convolutions and a skip connection each) doubling the channels from ``width`` up to
    ``8 * width`` and halving both axes, then global pooling, dropout and a linear layer.
    The skip connections let gradients pass through every block, so it trains reliably
    from few epochs; global pooling makes it indifferent to the spectrogram size.

    Parameters
    ----------
    n_outputs : int
        Number of outputs (classes or tags); the network returns logits.
    width : int, default=16
        Channels of the stem and the first stage.
    n_stages : int, default=4
        Number of residual blocks.
    dropout : float, default=0.3
        Dropout before the output layer.

    Examples
    --------
    >>> import torch
    >>> from sklearn_music.models import ResNet
    >>> ResNet(n_outputs=3, width=4)(torch.zeros(2, 1, 64, 40)).shape
    torch.Size([2, 3])
    """

    def __init__(self, n_outputs, *, width=16, n_stages=4, dropout=0.3):
        super().__init__()
        check_module_params(n_outputs=n_outputs, width=width, dropout=dropout,
                            n_stages=n_stages)
        channels = [width * 2 ** min(i, 3) for i in range(n_stages)]
        self.stem = ConvBlock(1, width)
        self.stages = nn.Sequential(*[
            ResidualBlock(c_in, c_out)
            for c_in, c_out in zip([width] + channels[:-1], channels)
        ])
        self.head = GlobalPoolHead(channels[-1], n_outputs, dropout)

    def forward(self, x):
        return self.head(self.stages(self.stem(as_image(x))))
