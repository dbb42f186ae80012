"""One pass over the clips: every clip decoded and analysed once for all features asked of it.

:func:`transform_clips` is what every feature transformer's ``transform`` runs, alone or
for all the transformers of an :class:`~sklearn_music.AudioFeatureUnion` at once:

1. with a ``memory``, look each (clip, transformer) up in the cache and keep the hits;
2. for every clip with something left to compute, decode it once (when X holds paths),
   build one :class:`~sklearn_music.features._context.ClipContext` and let each
   transformer take what it needs from it; clips go to joblib workers (``n_jobs``, any
   joblib backend, Dask included), results come back as they finish and are cached;
   a clip longer than five minutes is decoded and analysed in blocks instead, in
   bounded memory (:mod:`~sklearn_music.features._stream`);
3. transformers that analyse batches of clips at once (the torch backend of
   :class:`~sklearn_music.MelSpectrogram`) get the clips they miss in batches;
4. each transformer stacks its per-clip results into its output.

Only the features asked for are computed, and nothing is computed twice for a clip.
"""

import threading
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
from joblib import Parallel, delayed
from threadpoolctl import ThreadpoolController

from .._cache import KeyedWaveforms, file_digest, waveform_digest
from .._input import as_waveforms, is_path_list, path_list
from ..io import load_audio
from . import _stream
from ._context import ClipContext

__all__ = ["ClipSet", "analyse_clip", "shared_output", "sharing_outputs", "transform_clips"]

_BATCH_SAMPLES = 1 << 23  # samples per batch of the batched backends (~6 min at 22 kHz)


class ClipSet:
    """The clips of X: audio file paths, or waveforms in memory.

    Parameters
    ----------
    X : array-like
        Paths, a 2-D array of waveforms, or a list of 1-D waveforms, as feature
        transformers accept them. Waveforms are validated (finite, 1-D) unless they are
        :class:`~sklearn_music._cache.KeyedWaveforms`, which ``AudioLoader`` validated.
    """

    def __init__(self, X):
        self.paths = path_list(X) if is_path_list(X) else None
        self.keys = None
        if self.paths is not None:
            return
        if isinstance(X, KeyedWaveforms) and X.ndim == 2 and X.clip_keys is not None:
            self.waves, self.keys = list(X.view(np.ndarray)), list(X.clip_keys)
        elif isinstance(X, list) and X and all(
            isinstance(w, KeyedWaveforms) and w.ndim == 1 and w.clip_keys for w in X
        ):
            self.waves, self.keys = [w.view(np.ndarray) for w in X], [w.clip_keys[0] for w in X]
        else:
            self.waves = as_waveforms(X, sr=None)

    def __len__(self):
        return len(self.paths) if self.paths is not None else len(self.waves)

    def source(self, i):
        """Clip ``i`` as given: a path or a waveform."""
        return self.paths[i] if self.paths is not None else self.waves[i]

    def waveform(self, i, sr):
        """Clip ``i`` as a waveform at ``sr`` (files are decoded)."""
        return load_audio(self.paths[i], sr=sr)[0] if self.paths is not None else self.waves[i]

    def content_ids(self):
        """One id per clip that changes whenever what the clip holds changes."""
        if self.paths is not None:
            return ["file-" + file_digest(p) for p in self.paths]
        if self.keys is not None:
            return ["clip-" + k for k in self.keys]
        return ["wave-" + waveform_digest(w) for w in self.waves]


@lru_cache(maxsize=1)
def _thread_pools():
    return ThreadpoolController()


@contextmanager
def one_blas_thread():
    """BLAS on one thread inside the block, when it runs in the main thread.

    A clip's matrix products are small: on a busy machine, BLAS threads waiting for each
    other made them several times slower (the NNLS chroma's, three times slower than
    frame-by-frame solving). The limit is process-wide, so other threads leave it alone:
    blocks that overlapped in threads (a threading backend, Dask's worker threads) left
    BLAS on one thread for good, each restoring the limit it had found, and OpenBLAS
    ignored a restore from a thread other than the one that set the limit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with _thread_pools().limit(limits=1, user_api="blas"):
        yield


def analyse_clip(source, transformers):
    """The features of one clip (a path or a waveform) for each transformer, in float32.

    The clip is decoded once per sample rate asked for, and its spectrograms are shared
    through one :class:`ClipContext` per sample rate; a clip longer than
    :data:`~sklearn_music.features._stream.STREAM_SECONDS` is decoded and analysed in
    blocks instead (:func:`~sklearn_music.features._stream.analyse_in_blocks`), in
    bounded memory. BLAS runs on one thread (:func:`one_blas_thread`); the features of a
    clip are the same in this process, in joblib's and in Dask's workers (tested).
    """
    by_sr = {}
    for j, transformer in enumerate(transformers):
        by_sr.setdefault(transformer.sr, []).append(j)
    out = [None] * len(transformers)
    with one_blas_thread():
        for sr, js in by_sr.items():
            group = [transformers[j] for j in js]
            if _stream.is_long(source, sr):
                values = _stream.analyse_in_blocks(source, group, sr)
            else:
                y = source if isinstance(source, np.ndarray) else load_audio(source, sr=sr)[0]
                ctx = ClipContext(y, sr)
                values = [transformer._features_from(ctx) for transformer in group]
            for j, value in zip(js, values):
                out[j] = np.asarray(value, dtype=np.float32)
    return out


def transform_clips(transformers, X, *, n_jobs=None):
    """The output of each transformer on X, each clip decoded and analysed once.

    Parameters
    ----------
    transformers : list of AudioFeatureTransformer
        With validated parameters.
    X : array-like
        Paths or waveforms.
    n_jobs : int or None, default=None
        Clips analysed in parallel by joblib; the active joblib backend is used
        (``joblib.parallel_config(backend="dask")`` runs them on a Dask cluster).

    Returns
    -------
    list
        One output per transformer, as its ``transform`` returns it.
    """
    clips = ClipSet(X)
    n = len(clips)
    results = [[None] * n for _ in transformers]
    stores = [t._result_store() for t in transformers]
    keys = [None] * len(transformers)
    if any(store is not None for store in stores):
        ids = clips.content_ids()
        for j, (transformer, store) in enumerate(zip(transformers, stores)):
            if store is not None:
                prefix = transformer._cache_key()
                keys[j] = [f"{prefix}-{clip_id}" for clip_id in ids]
                results[j] = [store.get(key) for key in keys[j]]

    def record(j, i, value):
        results[j][i] = value
        if stores[j] is not None:
            stores[j].put(keys[j][i], value)

    per_clip = [j for j, t in enumerate(transformers) if not t._analyses_batches()]
    todo = [(i, [j for j in per_clip if results[j][i] is None]) for i in range(n)]
    todo = [(i, js) for i, js in todo if js]
    if todo:
        tasks = (delayed(analyse_clip)(clips.source(i), [transformers[j] for j in js])
                 for i, js in todo)  # fmt: skip
        done = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
        for (i, js), values in zip(todo, done):
            for j, value in zip(js, values):
                record(j, i, value)
    for j, transformer in enumerate(transformers):
        if transformer._analyses_batches():
            missing = [i for i in range(n) if results[j][i] is None]
            for batch, waves in _waveform_batches(clips, missing, transformer.sr):
                for i, value in zip(batch, transformer._features_batch(waves)):
                    record(j, i, np.asarray(value, dtype=np.float32))
    return [t._stack(r) for t, r in zip(transformers, results)]


def _waveform_batches(clips, indices, sr):
    """The clips at ``indices`` decoded, in groups of about ``_BATCH_SAMPLES`` samples."""
    batch, waves, size = [], [], 0
    for i in indices:
        batch.append(i)
        waves.append(clips.waveform(i, sr))
        size += len(waves[-1])
        if size >= _BATCH_SAMPLES:
            yield batch, waves
            batch, waves, size = [], [], 0
    if batch:
        yield batch, waves


# Outputs computed by an AudioFeatureUnion for its parts, while it runs them:
# {(id(X), transformer key): output}.
_shared = {}


@contextmanager
def sharing_outputs(X, transformers, outputs):
    """Let each transformer's ``transform(X)`` return its output computed already."""
    entries = [(id(X), t._cache_key()) for t in transformers]
    _shared.update(zip(entries, outputs))
    try:
        yield
    finally:
        for entry in entries:
            _shared.pop(entry, None)


def shared_output(X, transformer):
    """The output of ``transformer`` on this very X computed by a running union, or None."""
    if not _shared:
        return None
    return _shared.get((id(X), transformer._cache_key()))
