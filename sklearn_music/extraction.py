"""Features of datasets that do not fit in memory: streamed in chunks into a file on disk."""

import json
import os
from numbers import Integral

import joblib
import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from ._atomic import atomic_path
from ._describe import NO_OUTPUT_EFFECT, by_class, describe
from ._input import is_path_list, path_list, waveform_problem
from .exceptions import AudioError
from .screening import check_on_error, dropped_table, warn_dropped

__all__ = ["extract_to_disk", "load_extracted"]


def _fingerprint(X, transformer, paths):
    """What the file's rows depend on: the clips (and files' status) and the transformer."""
    if paths is not None:
        clips = [(p, *_status(p)) for p in paths]
    else:
        clips = joblib.hash(X)
    params = {
        name: describe(by_class(value)) for name, value in transformer.get_params().items()
        if name.split("__")[-1] not in NO_OUTPUT_EFFECT
    }  # fmt: skip  (described: a lambda in a FunctionTransformer cannot be pickled)
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


def extract_to_disk(X, transformer, path, *, chunk_size=64, on_error="raise",
                    progress=False):  # fmt: skip
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
    on_error : {"raise", "skip", "warn"}, default="raise"
        What a clip that cannot be used (an
        :class:`~sklearn_music.exceptions.AudioError`) does. "raise": the error stops
        the job. "skip": the job goes on; the clip's row is filled with NaN and the clip
        is listed in the record (see :func:`load_extracted`). "warn": the same, and one
        :class:`~sklearn_music.exceptions.SkippedClipsWarning` names the clips left out.
        A chunk that fails is transformed again clip by clip, so only the clips that
        fail are left out.
    progress : bool, default=False
        Show a progress bar (tqdm, on stderr).

    Returns
    -------
    numpy.memmap of shape (n_clips, ...)
        The features, read-only, mapped from the file: row ``i`` belongs to clip ``i``.
        Rows of clips left out are NaN. ``path + ".json"`` also holds the
        ``feature_names`` when the transformer names its output, and the clips left
        out; :func:`load_extracted` reads them back.

    Raises
    ------
    AudioError
        With ``on_error="raise"``: a clip cannot be used (also when an earlier run with
        "skip" or "warn" left clips out of this file). With any ``on_error``: no clip at
        all could be used.
    ValueError
        A chunk's features have a different shape from the first chunk's (frames of
        clips of different lengths: pool them, or fix ``n_frames``).

    See Also
    --------
    load_extracted : The features with the positions of the clips kept and left out.
    sklearn_music.screen_audio : Drop unusable clips and their labels before a Pipeline.

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
    check_on_error(on_error)
    path = os.fspath(path)
    paths = path_list(X) if is_path_list(X) else None
    if paths is not None:
        X = paths
    n_clips = len(X)
    record = path + ".json"
    fingerprint = _fingerprint(X, transformer, paths)
    state = {"fingerprint": fingerprint, "n_clips": n_clips, "done": 0, "dropped": []}
    if os.path.exists(record) and os.path.exists(path):
        with open(record) as f:
            previous = json.load(f)
        if previous.get("fingerprint") == fingerprint and previous.get("n_clips") == n_clips:
            state = {"dropped": [], **previous}  # records of older versions have none
    if on_error == "raise" and state["dropped"]:
        first = state["dropped"][0]
        raise AudioError(first["error"], first["path"])
    if state["done"] == n_clips and n_clips > 0:
        _warn(state, on_error)
        return np.load(path, mmap_mode="r")

    from tqdm.auto import tqdm

    if state["done"] == 0 and os.path.exists(record):
        _save(record, state)  # the old record must not vouch for the array rewritten below
    out = None if state["done"] == 0 else np.lib.format.open_memmap(path, mode="r+")
    transform = _Transform(transformer, fit=not _is_fitted(transformer))
    with tqdm(total=n_clips, initial=state["done"], unit="clip", desc="features",
              disable=not progress) as bar:  # fmt: skip
        for start in range(state["done"], n_clips, chunk_size):
            chunk = X[start : start + chunk_size]
            rows, errors = transform.chunk(chunk, keep_going=on_error != "raise")
            state["dropped"] += [
                {"index": start + k, "path": None if paths is None else paths[start + k],
                 "error": _reason(error, chunk[k : k + 1], start + k)}
                for k, error in errors.items()
            ]  # fmt: skip
            if out is None and rows:
                first = next(iter(rows.values()))
                dtype = first.dtype  # NaN marks the rows of clips left out:
                if on_error != "raise":
                    dtype = np.result_type(dtype, np.float32)
                out = np.lib.format.open_memmap(path, mode="w+", dtype=dtype,
                                                shape=(n_clips, *first.shape))  # fmt: skip
                out[[d["index"] for d in state["dropped"]]] = np.nan
                state["feature_names"] = _feature_names(transformer)
            state["done"] = start + len(chunk)
            if out is not None:  # a record needs its file: none before the first rows
                _write(out, start, len(chunk), rows)
                out.flush()
                _save(record, state)
            bar.update(len(chunk))
    if out is None and n_clips > 0:
        first = state["dropped"][0]
        raise AudioError(f"none of the {n_clips} clips could be used; the first: "
                         f"{first['path'] or 'clip ' + str(first['index'])}: {first['error']}")
    if out is None:  # no clips at all
        np.save(path, np.zeros((0,), np.float32))
    del out
    _warn(state, on_error)
    return np.load(path, mmap_mode="r")


def _save(record, state):
    with atomic_path(record) as tmp, open(tmp, "w") as f:
        json.dump(state, f)


class _Transform:
    """Transforms clips, fitting the transformer on the first clips that succeed."""

    def __init__(self, transformer, fit):
        self.transformer = transformer
        self.fit = fit

    def __call__(self, clips):
        t = self.transformer
        rows = _as_rows(t.fit_transform(clips) if self.fit else t.transform(clips))
        self.fit = False
        return rows

    def chunk(self, clips, *, keep_going):
        """Rows ``{k: row}`` of the clips that succeed and errors ``{k: AudioError}``.

        The chunk is transformed at once; when that fails and ``keep_going``, clip by
        clip, to leave out only the clips that fail.
        """
        try:
            return dict(enumerate(self(clips))), {}
        except AudioError:
            if not keep_going:
                raise
        rows, errors = {}, {}
        for k in range(len(clips)):
            try:
                rows[k] = self(clips[k : k + 1])[0]
            except AudioError as error:
                errors[k] = error
        return rows, errors


def _reason(error, clip, index):
    """What is wrong with a clip, for the record (waveforms: by their index in X)."""
    if error.path is None and not is_path_list(clip):
        found = waveform_problem(np.asarray(clip, dtype=np.float32)[0], index)
        if found is not None:
            return found.reason
    return error.reason


def _write(out, start, n, rows):
    """Write the rows of clips start..start+n-1; clips without a row get NaN."""
    for k, row in rows.items():
        if row.shape != out.shape[1:]:
            raise ValueError(
                f"clip {start + k} gives features of shape {row.shape}, the first clips "
                f"{out.shape[1:]}: extract_to_disk needs a fixed number of values per clip "
                "(pool frames with Pooling, or set n_frames)"
            )
    for k in range(n):
        out[start + k] = rows[k] if k in rows else np.nan


def _dropped(state):
    """The record's clips left out, as the ``dropped`` DataFrame."""
    return dropped_table([(d["index"], d["path"], d["error"]) for d in state["dropped"]])


def _warn(state, on_error):
    if on_error == "warn":
        warn_dropped(_dropped(state), state["n_clips"], stacklevel=3)


def load_extracted(path):
    """The features that :func:`extract_to_disk` wrote, with the clips kept and left out.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npy`` file that :func:`extract_to_disk` completed.

    Returns
    -------
    result : Bunch
        ``features`` : numpy.memmap of shape (n_clips, ...)
            Read-only; rows of clips left out are NaN.
        ``feature_names`` : list of str or None
            Names of the features, when the transformer names its output.
        ``kept`` : ndarray of int
            Positions of the clips whose rows hold features: ``features[kept]`` and
            ``y[kept]`` are aligned.
        ``dropped`` : pandas.DataFrame
            One row per clip left out, with columns ``index``, ``path`` (None for a
            waveform) and ``error``, as :func:`~sklearn_music.screen_audio` gives.

    Raises
    ------
    FileNotFoundError
        ``path`` or its record ``path + ".json"`` is missing.
    ValueError
        The extraction stopped before the last clip: run the same
        :func:`extract_to_disk` call again to finish it.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from sklearn_music import MFCC
    >>> from sklearn_music.extraction import extract_to_disk, load_extracted
    >>> X = np.random.default_rng(0).uniform(-0.5, 0.5, (3, 4000)).astype(np.float32)
    >>> X[1, 10] = np.nan
    >>> out = os.path.join(tempfile.mkdtemp(), "mfcc.npy")
    >>> _ = extract_to_disk(X, MFCC(n_mfcc=4), out, on_error="skip")
    >>> data = load_extracted(out)
    >>> data.kept, data.features[data.kept].shape
    (array([0, 2]), (2, 4, 8))
    >>> data.dropped["error"].tolist()
    ['waveform 1 holds NaN or infinite samples']
    """
    path = os.fspath(path)
    record = path + ".json"
    for needed in (path, record):
        if not os.path.exists(needed):
            raise FileNotFoundError(f"{needed}: no such file; is {path} the output of "
                                    "extract_to_disk?")  # fmt: skip
    with open(record) as f:
        state = json.load(f)
    if state["done"] < state["n_clips"]:
        raise ValueError(f"{path}: the extraction stopped after {state['done']} of "
                         f"{state['n_clips']} clips; run the same extract_to_disk call "
                         "again to finish it")  # fmt: skip
    dropped = _dropped({"dropped": [], **state})
    return Bunch(
        features=np.load(path, mmap_mode="r"),
        feature_names=state.get("feature_names"),
        kept=np.setdiff1d(np.arange(state["n_clips"]), dropped["index"]).astype(np.intp),
        dropped=dropped,
    )


def _feature_names(transformer):
    try:
        return [str(name) for name in transformer.get_feature_names_out()]
    except (AttributeError, NotFittedError, ValueError):
        return None
