"""PyTorch networks for spectrograms, used by :class:`~sklearn_music.CNNClassifier` and
:class:`~sklearn_music.CNNTagger`.

Each network takes a batch of spectrograms ``(batch, 1, n_mels, n_frames)`` (or
``(batch, n_mels, n_frames)``), returns logits ``(batch, n_outputs)``, and pools globally,
so it accepts any number of mel bands and frames. Each is built as
``Network(n_outputs, width=..., dropout=...)``.
"""

from .augment import SpecAugment
from .resnet import ResNet
from .shortchunk import ShortChunkCNN
from .simple import SimpleCNN

__all__ = ["SimpleCNN", "ResNet", "ShortChunkCNN", "SpecAugment", "ARCHITECTURES"]

#: Networks by the name ``architecture=`` takes.
ARCHITECTURES = {"simple": SimpleCNN, "resnet": ResNet, "shortchunk": ShortChunkCNN}
