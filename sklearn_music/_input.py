"""Normalising the X that users pass: audio file paths or waveforms in memory."""

import os

import numpy as np
from joblib import Parallel, delayed

from .exceptions import AudioError

__all__ = ["as_waveforms", "is_path_list"]


def _is_path(x):
    return isinstance(x, (str, os.PathLike))


def is_path_list(X):
    """Whether X is a non-empty 1-D collection of file paths.

    Examples
    --------
    >>> from sklearn_music._input import is_path_list
    >>> is_path_list(["a.wav", "b.flac"]), is_path_list([[0.0, 1.0]])
    (True, False)
    """
    if isinstance(X, (str, os.PathLike)):
        raise TypeError(
            f"X must be a list of audio files or waveforms, got the single path {X!r}; "
            "wrap it in a list"
        )
    if hasattr(X, "to_numpy") and getattr(X, "ndim", 1) == 2 and X.shape[1] == 1:
        X = X.iloc[:, 0]  # a one-column DataFrame of paths
    if isinstance(X, np.ndarray):
        return X.ndim == 1 and X.dtype.kind in "OUS" and X.size > 0 and all(map(_is_path, X))
    try:
        items = list(X)
    except TypeError:
        return False
    return len(items) > 0 and all(map(_is_path, items))


def as_waveforms(X, *, sr, n_jobs=None):
    """Return X as a list of 1-D float32 waveforms, loading files when X holds paths.

    Parameters
    ----------
    X : array-like
        One of: a 1-D collection of audio file paths; a 2-D float array (n_clips, n_samples);
        a list of 1-D arrays, possibly of different lengths.
    sr : int
        Sample rate that files are loaded at. Waveforms in memory are assumed to be at it.
    n_jobs : int or None, default=None
        Files decoded in parallel.

    Returns
    -------
    list of ndarray of shape (n_samples_i,), dtype float32

    Raises
    ------
    AudioError
        A file cannot be loaded, or a waveform holds NaN or infinite values (the message
        gives the clip's index).
    ValueError
        X is not one of the accepted forms.
    """
    from .io import load_audio  # io builds on this module

    if is_path_list(X):
        if hasattr(X, "ndim") and getattr(X, "ndim", 1) == 2:
            X = X.iloc[:, 0]
        loaded = Parallel(n_jobs=n_jobs)(delayed(load_audio)(p, sr=sr) for p in list(X))
        return [y for y, _ in loaded]
    if isinstance(X, np.ndarray) and X.dtype.kind in "fiub":
        if X.ndim != 2:
            raise ValueError(
                "Expected waveforms as a 2-D array of shape (n_clips, n_samples), a list of "
                f"1-D arrays, or a list of audio file paths; got an array of shape {X.shape}"
                + (". Use X.reshape(1, -1) for a single clip." if X.ndim == 1 else "")
            )
        waves = list(np.asarray(X, dtype=np.float32))
    else:
        if hasattr(X, "to_numpy"):
            X = X.to_numpy()
        try:
            items = list(X)
        except TypeError:
            raise ValueError(
                "Expected a list of audio file paths or waveforms, got "
                f"{type(X).__name__}"
            ) from None
        waves = []
        for i, item in enumerate(items):
            if _is_path(item):
                raise ValueError(
                    f"X mixes file paths and waveforms (item {i} is {item!r}); "
                    "give one kind only"
                )
            try:
                w = np.asarray(item, dtype=np.float32)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"Clip {i} is not a numeric waveform: {exc}") from None
            if w.ndim != 1:
                raise ValueError(
                    f"Clip {i} must be a 1-D waveform, got shape {w.shape}; mix it to mono "
                    "first (e.g. y.mean(axis=0))"
                )
            waves.append(w)
    for i, w in enumerate(waves):
        if w.size == 0:
            raise AudioError(f"waveform {i} has no samples")
        if not np.all(np.isfinite(w)):
            raise AudioError(f"waveform {i} holds NaN or infinite samples")
    return waves
