"""Features of datasets that do not fit in memory: streamed in chunks into a file on disk."""

import json
import os
from numbers import Integral

import joblib
import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ._atomic import atomic_path
from ._input import is_path_list, path_list

__all__ = ["extract_to_disk"]

# Parameters that change how, not what, a transformer computes (nested ones included).
_NO_OUTPUT_EFFECT = ("n_jobs", "memory", "verbose")


def _fingerprint(X, transformer, paths):
    """What the file's rows depend on: the clips (and files' status) and the transformer."""
    if paths is not None:
        clips = [(p, *_status(p)) for p in paths]
    else:
        clips = joblib.hash(X)
    params = {
        name: value for name, value in transformer.get_params().items()
        if name.split("__")[-1] not in _NO_OUTPUT_EFFECT and not hasattr(value, "get_params")
    }  # fmt: skip
    return joblib.hash((clips, type(transformer).__qualname__, params))


def _status(path):
    try:
        st = os.stat(path)
    except OSError:
        return (None, None)  # missing: the transformer reports it when it gets there
    return (st.st_size, st.st_mtime_ns)


def _is_fitted(transformer):
    try:
        check_is_fitted(transformer)
    except NotFittedError:
        return False
    return True


def _as_rows(output):
    return np.asarray(output.to_numpy() if hasattr(output, "to_numpy") else output)


def extract_to_disk(X, transformer, path, *, chunk_size=64, progress=False):
    """Transform X chunk by chunk into a ``.npy`` file, in bounded memory, resumably.

    Each chunk of ``chunk_size`` clips is transformed, written into the file (a
    memory-mapped array of shape ``(n_clips, ...)``) and flushed before the next one is
    read, so memory holds one chunk whatever the size of the dataset. Progress is
    recorded beside the file (``path + ".json"``); after an interruption the same call
    continues with the first chunk not written.

    Parameters
    ----------
    X : sequence of str, or waveforms
        Audio file paths (the usual case: each is decoded only when its chunk comes),
        or waveforms.
    transformer : transformer
        Gives a fixed number of values per clip: for example a
        :func:`~sklearn_music.pipelines.make_feature_union`, or a
        :class:`~sklearn_music.MelSpectrogram` with ``n_frames``. A transformer that is
        not fitted is fitted on the first chunk it transforms, which is right for the
        feature transformers and :class:`~sklearn_music.Pooling`: they learn nothing
        from data.
        Its own ``n_jobs`` (and the active joblib backend, Dask included) parallelises
        the clips of a chunk.
    path : str or os.PathLike
        The ``.npy`` file to write.
    chunk_size : int, default=64
        Clips per chunk.
    progress : bool, default=False
        Show a progress bar (tqdm, on stderr).

    Returns
    -------
    numpy.memmap of shape (n_clips, ...)
        The features, read-only, mapped from the file.
        ``path + ".json"`` also holds their ``feature_names`` when the transformer
        names its output.

    Raises
    ------
    ValueError
        A chunk's features have a different shape from the first chunk's (frames of
        clips of different lengths: pool them, or fix ``n_frames``).

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from sklearn_music import MFCC
    >>> from sklearn_music.extraction import extract_to_disk
    >>> X = np.random.default_rng(0).uniform(-0.5, 0.5, (5, 4000)).astype(np.float32)
    >>> out = os.path.join(tempfile.mkdtemp(), "mfcc.npy")
    >>> extract_to_disk(X, MFCC(n_mfcc=4), out, chunk_size=2).shape
    (5, 4, 8)
    """
    if not isinstance(chunk_size, Integral) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    path = os.fspath(path)
    paths = path_list(X) if is_path_list(X) else None
    if paths is not None:
        X = paths
    n_clips = len(X)
    record = path + ".json"
    fingerprint = _fingerprint(X, transformer, paths)
    state = {"fingerprint": fingerprint, "n_clips": n_clips, "done": 0}
    if os.path.exists(record) and os.path.exists(path):
        with open(record) as f:
            previous = json.load(f)
        if previous.get("fingerprint") == fingerprint and previous.get("n_clips") == n_clips:
            state = previous
    if state["done"] == n_clips and n_clips > 0:
        return np.load(path, mmap_mode="r")

    from tqdm.auto import tqdm

    out = None if state["done"] == 0 else np.lib.format.open_memmap(path, mode="r+")
    fit = not _is_fitted(transformer)
    with tqdm(total=n_clips, initial=state["done"], unit="clip", desc="features",
              disable=not progress) as bar:  # fmt: skip
        for start in range(state["done"], n_clips, chunk_size):
            chunk = X[start : start + chunk_size]
            output = transformer.fit_transform(chunk) if fit else transformer.transform(chunk)
            rows, fit = _as_rows(output), False
            if out is None:
                out = np.lib.format.open_memmap(path, mode="w+", dtype=rows.dtype,
                                                shape=(n_clips, *rows.shape[1:]))  # fmt: skip
                state["feature_names"] = _feature_names(transformer)
            if rows.shape[1:] != out.shape[1:]:
                raise ValueError(
                    f"clips {start}-{start + len(rows) - 1} give features of shape "
                    f"{rows.shape[1:]}, the first chunk {out.shape[1:]}: extract_to_disk "
                    "needs a fixed number of values per clip (pool frames with Pooling, or "
                    "set n_frames)"
                )
            out[start : start + len(rows)] = rows
            out.flush()
            state["done"] = start + len(rows)
            with atomic_path(record) as tmp, open(tmp, "w") as f:
                json.dump(state, f)
            bar.update(len(rows))
    if out is None:  # no clips at all
        np.save(path, np.zeros((0,), np.float32))
    del out
    return np.load(path, mmap_mode="r")


def _feature_names(transformer):
    try:
        return [str(name) for name in transformer.get_feature_names_out()]
    except (AttributeError, NotFittedError, ValueError):
        return None
