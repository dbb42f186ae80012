"""Normalising the X that users pass: audio file paths or waveforms in memory."""

import os

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.utils import check_array

from .exceptions import AudioError

__all__ = ["MAX_SAMPLE", "as_waveforms", "check_audio_file", "is_path_list", "path_list",
           "sample_problem", "waveform_problem"]

#: Larger samples are not audio. Integer PCM stored unscaled in a float file reaches 2**31;
#: far beyond, the mono mix of float32 samples overflows (from 1.7e38) and so do the
#: features, which square sums of samples in float32 (the RMS from about 4e17).
MAX_SAMPLE = 1e10


def check_audio_file(path):
    """Raise AudioError unless ``path`` is an existing, non-empty file."""
    if not os.path.exists(path):
        raise AudioError("no such file", path)
    if os.path.isdir(path):
        raise AudioError("is a folder, not an audio file", path)
    if os.path.getsize(path) == 0:
        raise AudioError("file is empty (0 bytes)", path)


def _is_path(x):
    return isinstance(x, (str, os.PathLike))


def is_path_list(X):
    """Whether X is a non-empty 1-D collection of file paths.

    Examples
    --------
    >>> from sklearn_music._input import is_path_list
    >>> is_path_list(["a.wav", "b.flac"]), is_path_list([[0.0, 1.0]])
    (True, False)
    >>> is_path_list(np.array([["a.wav"], ["b.flac"]], dtype=object))  # one column
    True
    """
    if isinstance(X, (str, os.PathLike)):
        raise TypeError(
            f"X must be a list of audio files or waveforms, got the single path {X!r}; "
            "wrap it in a list"
        )
    if sparse.issparse(X):
        return False
    if hasattr(X, "iloc") and X.ndim == 2 and X.shape[1] > 1:
        return False  # a table: waveforms, one per row (its column labels are no paths)
    X = _one_column(X)
    if isinstance(X, np.ndarray):
        return X.ndim == 1 and X.dtype.kind in "OUS" and X.size > 0 and all(map(_is_path, X))
    try:
        items = list(X)
    except TypeError:
        return False
    return len(items) > 0 and all(map(_is_path, items))


def _one_column(X):
    """The column of a one-column table of paths: a DataFrame, or a NumPy array of shape
    (n_clips, 1) as ``ColumnTransformer`` passes a column of an array; X otherwise."""
    if getattr(X, "ndim", 1) != 2 or X.shape[1] != 1:
        return X
    if hasattr(X, "iloc"):
        return X.iloc[:, 0]
    if isinstance(X, np.ndarray) and X.dtype.kind in "OUS":
        return X[:, 0]
    return X


def path_list(X):
    """The paths of X (a collection of paths or a one-column table of them) as str."""
    return [os.fspath(p) for p in _one_column(X)]


def _is_ragged(X):
    """Whether X is checked clip by clip: clips of different lengths, or not 1-D ones."""
    if sparse.issparse(X):
        return False
    if isinstance(X, np.ndarray) and X.dtype != object:
        return X.ndim > 2
    if hasattr(X, "to_numpy"):
        X = X.to_numpy()
    try:
        X = np.asarray(X)
    except ValueError:  # NumPy refuses ragged nested sequences
        return True
    return X.dtype == object or X.ndim > 2


def _as_float32(samples):
    """Samples as float32; integer PCM scaled to [-1, 1) as soundfile reads it."""
    if samples.dtype.kind in "iu":
        full_scale = 2.0 ** (8 * samples.dtype.itemsize - 1)
        centre = full_scale if samples.dtype.kind == "u" else 0.0
        return ((samples - centre) / full_scale).astype(np.float32)
    return samples.astype(np.float32, copy=False)


def _check_clip(item, i):
    if _is_path(item):
        raise ValueError(
            f"X mixes file paths and waveforms (item {i} is {item!r}); give one kind only"
        )
    if np.iscomplexobj(item):
        raise ValueError(f"Complex data not supported: clip {i} must be real-valued")
    try:
        w = _as_float32(np.asarray(item))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Clip {i} is not a numeric waveform: {exc}") from None
    if w.ndim != 1:
        raise ValueError(
            f"Clip {i} must be a 1-D waveform, got shape {w.shape}; mix it to mono first "
            "(y.mean(axis=0) for librosa's (n_channels, n_samples), y.mean(axis=1) for "
            "soundfile's and scipy's (n_samples, n_channels))"
        )
    return w


def as_waveforms(X, *, sr, n_jobs=None):
    """Return X as a list of 1-D float32 waveforms, loading files when X holds paths.

    Parameters
    ----------
    X : array-like
        One of: a 1-D collection of audio file paths; a 2-D array (n_clips, n_samples);
        a list of 1-D arrays, possibly of different lengths. Float samples are taken as
        they are (full scale is [-1, 1], as librosa and soundfile give). Integer samples
        are PCM (as ``scipy.io.wavfile.read`` returns them) and are scaled to [-1, 1) the
        way soundfile reads them as float: signed ones divided by their full scale
        (int16 by 32768, int32 by 2**31), unsigned ones centred first (uint8, 8-bit WAV:
        ``(x - 128) / 128``).
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
        X is not one of the accepted forms (for example a 1-D array of numbers, a sparse
        matrix or complex values).
    """
    from .io import load_audio  # io builds on this module

    if is_path_list(X):
        loaded = Parallel(n_jobs=n_jobs)(delayed(load_audio)(p, sr=sr) for p in path_list(X))
        return [y for y, _ in loaded]
    if hasattr(X, "dtypes") and getattr(X, "ndim", 1) == 2 and not all(
        dtype.kind in "biuf" for dtype in X.dtypes
    ):
        raise ValueError(
            f"X is a table of {X.shape[1]} columns {list(X.columns)[:5]}, not all of them "
            "samples: give the column of audio paths alone (X['path']), or select it with "
            "a ColumnTransformer"
        )
    if _is_ragged(X):
        waves = [_check_clip(item, i) for i, item in enumerate(X)]
        if not waves:
            raise ValueError("Found array with 0 sample(s): X holds no clips")
    else:
        try:
            X = check_array(X, dtype="numeric", input_name="X", ensure_all_finite=False)
        except ValueError as exc:
            if "0 feature(s)" in str(exc):  # clips of zero samples: an audio problem
                raise AudioError(f"waveforms have no samples: {exc}") from None
            raise
        waves = list(_as_float32(X))
    for i, w in enumerate(waves):
        problem = waveform_problem(w, i)
        if problem is not None:
            raise problem
    return waves


def waveform_problem(w, i):
    """The AudioError of waveform ``w`` (clip ``i``) if it is empty, not finite or holds
    samples beyond ±:data:`MAX_SAMPLE`, or None."""
    if w.size == 0:
        return AudioError(f"waveform {i} has no samples")
    problem = sample_problem(w)
    return None if problem is None else AudioError(f"waveform {i} {problem}")


def sample_problem(y):
    """What makes samples no audio (NaN or infinite, or beyond ±:data:`MAX_SAMPLE`), or
    None: the end of an error message about a waveform or a file."""
    peak = float(np.max(np.abs(y))) if y.size else 0.0  # NaN if any sample is NaN
    if not np.isfinite(peak):
        return "holds NaN or infinite samples"
    if peak > MAX_SAMPLE:
        return (f"holds samples as large as {peak:.3g}, beyond ±{MAX_SAMPLE:.0e}: not audio "
                "(audio samples are near ±1; features of such samples overflow float32)")
    return None
