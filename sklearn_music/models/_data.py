"""From spectrogram arrays to what the networks see: lengths, onsets, normalisation, crops,
chunks.

Clips of different lengths arrive as one array padded with NaN along the frame axis
(see :func:`~sklearn_music._frames.stack_frames`). Training draws a random crop of
``chunk_frames`` frames from each clip; inference cuts every clip into chunks of that
length and averages the network's outputs over a clip's chunks. Crops and chunks are
normalised as they are cut, so no normalised copy of the whole array is ever held.
"""

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = ["frame_lengths", "trim_leading", "band_statistics", "normalise", "ClipDataset",
           "chunk", "BLOCK"]

#: Clips processed at once where a whole array would need a float64 or normalised copy.
BLOCK = 256


def frame_lengths(X):
    """Number of real frames of each clip of a NaN-padded array.

    Parameters
    ----------
    X : ndarray of shape (n_clips, n_bands, n_frames)

    Returns
    -------
    lengths : ndarray of shape (n_clips,), dtype int64

    Raises
    ------
    ValueError
        X holds infinite values, a NaN inside a frame that has real values, a NaN frame
        before a real one, or a clip with no real frame.
    """
    if np.isinf(X).any():
        raise ValueError("X contains infinity; spectrogram values must be finite")
    missing = np.isnan(X)
    empty = missing.all(axis=1)  # (n_clips, n_frames): frames that do not exist
    partial = missing.any(axis=1) & ~empty
    if partial.any():
        clip, frame = np.argwhere(partial)[0]
        raise ValueError(
            f"X contains NaN inside frame {frame} of clip {clip}; NaN may only pad whole "
            "frames at the end of clips shorter than the longest"
        )
    lengths = (~empty).sum(axis=1)
    gaps = empty & (np.arange(X.shape[2])[None, :] < lengths[:, None])
    if gaps.any():
        clip, frame = np.argwhere(gaps)[0]
        raise ValueError(
            f"X contains NaN in frame {frame} of clip {clip}, before real frames; NaN may "
            "only pad the end of a clip"
        )
    if (lengths == 0).any():
        raise ValueError(f"clip {int(np.argmin(lengths))} of X has no frames (all NaN)")
    return lengths.astype(np.int64)


def trim_leading(X, lengths, below_db):
    """Start each clip at its first frame within ``below_db`` dB of its loudest frame.

    The frames before it (silence, or a noise floor) are dropped and the clip's end is
    filled with its quietest level, so every clip keeps its length and its NaN padding.
    A frame's level is its loudest band.

    Parameters
    ----------
    X : ndarray of shape (n_clips, n_bands, n_frames)
        NaN-padded spectrograms in dB.
    lengths : ndarray of shape (n_clips,)
        Real frames of every clip.
    below_db : float
        How far below the clip's loudest frame its first kept frame may be.

    Returns
    -------
    X : ndarray
        X itself when no clip starts late, else a trimmed copy.
    """
    level = np.where(np.isnan(X), -np.inf, X).max(axis=1)
    start = np.argmax(level >= level.max(axis=1, keepdims=True) - below_db, axis=1)
    if not start.any():
        return X
    X = X.copy()
    for i in np.flatnonzero(start):
        n, s = int(lengths[i]), int(start[i])
        quietest = np.nanmin(X[i, :, :n])
        X[i, :, :n - s] = X[i, :, s:n]
        X[i, :, n - s:n] = quietest
    return X


def band_statistics(X, rows):
    """Mean and standard deviation of each band over all real frames of some clips.

    Parameters
    ----------
    X : ndarray of shape (n_clips, n_bands, n_frames)
        NaN-padded spectrograms.
    rows : ndarray of int
        The clips to use.

    Returns
    -------
    mean, scale : ndarray of shape (n_bands,), dtype float32
        ``scale`` is 1 where a band is constant, so normalising never divides by zero.
    """
    # One read of the clips: block means and squared deviations are merged as they come
    # (Chan, Golub and LeVeque's pairwise update), so no block is visited twice.
    count, mean, squares = 0, 0.0, 0.0
    for start in range(0, len(rows), BLOCK):
        block = X[rows[start:start + BLOCK]].astype(np.float64)
        real = ~np.isnan(block[:, :1, :])  # (clips, 1, frames): frames that exist
        n = int(real.sum())  # every clip has a frame (frame_lengths checked)
        block_mean = np.where(real, block, 0.0).sum(axis=(0, 2)) / n
        block_squares = (np.where(real, block - block_mean[:, None], 0.0) ** 2).sum(axis=(0, 2))
        delta = block_mean - mean
        total = count + n
        mean = mean + delta * (n / total)
        squares = squares + block_squares + delta ** 2 * (count * n / total)
        count = total
    scale = np.sqrt(squares / count)
    scale[scale < 10 * np.finfo(np.float32).eps * np.maximum(np.abs(mean), 1.0)] = 1.0
    return mean.astype(np.float32), scale.astype(np.float32)


def normalise(X, mean, scale):
    """Standardise each band; frames that do not exist become 0 (the band mean)."""
    Z = (X - mean[:, None]) / scale[:, None]
    return np.nan_to_num(Z, nan=0.0).astype(np.float32, copy=False)


class ClipDataset(Dataset):
    """Normalised crops of ``chunk_frames`` frames of some clips, with their targets.

    Parameters
    ----------
    X : ndarray of shape (n_clips, n_bands, n_frames)
        NaN-padded spectrograms (all clips; ``rows`` picks this dataset's).
    rows : ndarray of int
        The clips of this dataset.
    lengths : ndarray of shape (n_clips,)
        Real frames of every clip of X.
    y : ndarray of shape (n_clips,) or (n_clips, n_tags)
        Targets of every clip of X.
    mean, scale : ndarray of shape (n_bands,)
        Band normalisation.
    chunk_frames : int
        Frames per example; shorter clips are zero-padded.
    random_crop : bool
        Crop at a random position (training) or in the middle (validation).
    """

    def __init__(self, X, rows, lengths, y, mean, scale, chunk_frames, random_crop):
        self.X = X
        self.rows = rows
        self.lengths = lengths
        self.y = y
        self.mean = mean
        self.scale = scale
        self.chunk_frames = chunk_frames
        self.random_crop = random_crop

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        row = self.rows[i]
        spare = int(self.lengths[row]) - self.chunk_frames
        start = 0
        if spare > 0:
            start = int(torch.randint(spare + 1, ())) if self.random_crop else spare // 2
        crop = normalise(self.X[row, :, start:start + self.chunk_frames], self.mean,
                         self.scale)
        crop = _pad_frames(crop, self.chunk_frames)
        return torch.from_numpy(crop[None]), torch.as_tensor(self.y[row])


def _pad_frames(S, n_frames):
    missing = n_frames - S.shape[-1]
    if missing <= 0:
        return S
    return np.pad(S, [(0, 0)] * (S.ndim - 1) + [(0, missing)])


def chunk(Z, lengths, chunk_frames):
    """Cut every clip into chunks of ``chunk_frames`` frames covering all its frames.

    Chunks follow each other without overlap; the last one ends on the clip's last frame
    (overlapping the one before). Clips shorter than a chunk give one zero-padded chunk.

    Parameters
    ----------
    Z : ndarray of shape (n_clips, n_bands, n_frames)
        Normalised spectrograms, 0 beyond each clip's length.
    lengths : ndarray of shape (n_clips,)
    chunk_frames : int

    Returns
    -------
    chunks : ndarray of shape (n_chunks, 1, n_bands, chunk_frames)
    owner : ndarray of shape (n_chunks,)
        The clip each chunk comes from.
    """
    Z = _pad_frames(Z, chunk_frames)
    starts, owner = [], []
    for i, length in enumerate(lengths):
        last = max(int(length) - chunk_frames, 0)
        clip_starts = list(range(0, last, chunk_frames)) + [last]
        starts.extend(clip_starts)
        owner.extend([i] * len(clip_starts))
    owner = np.asarray(owner, dtype=np.int64)
    if len(owner) == len(Z) and not any(starts):
        return Z[:, None, :, :chunk_frames], owner
    chunks = np.stack([Z[i, :, s:s + chunk_frames] for i, s in zip(owner, starts)])
    return chunks[:, None], owner
