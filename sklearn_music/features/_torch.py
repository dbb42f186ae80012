"""Mel spectrograms of batches of clips with PyTorch, on the CPU or a GPU.

The same frames, window and mel filterbank as librosa (:func:`librosa.filters.mel`);
the FFT runs in single precision, so values differ from librosa's by float32 rounding:
within 1e-3 dB down to 80 dB below a clip's peak (the default ``top_db`` floor), up to
0.02 dB in the quietest bands beyond it, and 1e-4 relative in power (measured on GTZAN
clips, ``tests/test_torch_backend.py``).
"""

import librosa
import numpy as np
import torch

from ._context import frame_count, pad_for_stft

__all__ = ["mel_spectrograms", "resolve_device"]


def resolve_device(device):
    """The torch device named by ``device``; ``"auto"`` is CUDA when available, else CPU.

    Raises
    ------
    ValueError
        ``device`` names no torch device.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device must be 'auto' or a torch device such as 'cpu' or 'cuda:0', got {device!r}"
        ) from exc


def mel_spectrograms(waves, *, sr, n_fft, hop_length, n_mels, fmin, fmax, power, to_db,
                     top_db, n_frames, device):  # fmt: skip
    """Mel spectrograms of 1-D float32 waveforms, computed in batches of equal length.

    Parameters are those of :class:`~sklearn_music.MelSpectrogram`.

    Returns
    -------
    list of ndarray of shape (n_mels, n_frames_i), float32
        In the order of ``waves``.
    """
    device = resolve_device(device)
    weights = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    filterbank = torch.from_numpy(weights).to(device)
    window = torch.hann_window(n_fft, periodic=True, dtype=torch.float32, device=device)
    out = [None] * len(waves)
    by_length = {}
    for i, w in enumerate(waves):
        by_length.setdefault(len(w), []).append(i)
    with torch.no_grad():
        for length, indices in by_length.items():
            batch = torch.from_numpy(np.stack([pad_for_stft(waves[i], n_fft) for i in indices]))
            spec = torch.stft(batch.to(device), n_fft, hop_length=hop_length, window=window,
                              center=True, pad_mode="constant", return_complex=True)  # fmt: skip
            mel = filterbank @ spec.abs().pow(power)
            mel = mel[..., : frame_count(length, hop_length)]
            if n_frames is not None:
                mel = _fix_frames(mel, n_frames)
            if to_db:
                mel = _power_to_db(mel.pow(2.0 / power), top_db)
            for i, m in zip(indices, mel.cpu().numpy()):
                out[i] = m
    return out


def _fix_frames(mel, n_frames):
    """Crop or zero-pad the last axis to ``n_frames``."""
    if mel.shape[-1] >= n_frames:
        return mel[..., :n_frames]
    return torch.nn.functional.pad(mel, (0, n_frames - mel.shape[-1]))


def _power_to_db(mel, top_db):
    """:func:`librosa.power_to_db` (``ref=1``, ``amin=1e-10``) of each clip of a batch."""
    db = 10.0 * torch.log10(torch.clamp(mel, min=1e-10))
    if top_db is not None:
        floor = db.amax(dim=(-2, -1), keepdim=True) - top_db
        db = torch.maximum(db, floor)
    return db
