"""Caching of per-clip results, keyed by what the clip holds and what is computed from it.

Two layers: a bounded in-process cache (least recently used entries go first, its size
set by ``set_config(cache_memory=...)``) in front of a disk cache kept by a
:class:`joblib.Memory`. A key joins

- the clip's content: the SHA-256 of the audio file's bytes, or of the float32 samples
  of a waveform in memory, or the key :class:`KeyedWaveforms` carries from
  ``AudioLoader(cache=True)``;
- the estimator's class and every parameter that changes its output;
- the versions of sklearn-music and of the libraries whose numbers it reproduces.

A file's digest is remembered against its path, size, inode, modification and
status-change times, so an edited file (even one restored to its old modification
time) is read and hashed again, never served stale.
"""

import hashlib
import os
import sys
import threading
from collections import OrderedDict
from functools import lru_cache

import joblib
import numpy as np

from ._config import get_config
from ._input import check_audio_file

__all__ = ["KeyedWaveforms", "ResultStore", "estimator_key", "file_digest", "memory_cache",
           "waveform_digest"]  # fmt: skip

_MAX_DIGESTS = 1 << 16


@lru_cache(maxsize=1)
def _versions():
    import librosa
    import soundfile
    import soxr

    return (sys.modules["sklearn_music"].__version__, librosa.__version__,
            soundfile.__libsndfile_version__, soxr.__version__)  # fmt: skip


def estimator_key(estimator, params):
    """A key for the output of ``estimator`` with ``params`` (a dict), any clip."""
    cls = type(estimator)
    return joblib.hash((f"{cls.__module__}.{cls.__qualname__}", params, _versions()))


_digests = OrderedDict()
_digests_lock = threading.Lock()


def file_digest(path):
    """SHA-256 of a file's bytes, remembered while the file's status stays the same.

    Raises
    ------
    AudioError
        The file is missing, a folder, or empty.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.bin")
    >>> _ = open(path, "wb").write(b"abc")
    >>> file_digest(path)[:12]
    'ba7816bf8f01'
    """
    path = os.path.abspath(os.fspath(path))
    check_audio_file(path)
    st = os.stat(path)
    status = (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    with _digests_lock:
        if status in _digests:
            _digests.move_to_end(status)
            return _digests[status]
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha.update(block)
    digest = sha.hexdigest()
    with _digests_lock:
        _digests[status] = digest
        while len(_digests) > _MAX_DIGESTS:
            _digests.popitem(last=False)
    return digest


def waveform_digest(y):
    """SHA-256 of a waveform's float32 samples."""
    return hashlib.sha256(np.ascontiguousarray(y, dtype=np.float32).data).hexdigest()


class _MemoryCache:
    """Arrays by key, at most ``get_config()["cache_memory"]`` MiB, least recent dropped."""

    def __init__(self):
        self._items = OrderedDict()
        self._nbytes = 0
        self._lock = threading.Lock()

    @property
    def limit(self):
        """Bytes it may hold: ``get_config()["cache_memory"]`` MiB."""
        return int(get_config()["cache_memory"] * 2**20)

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value):
        value = np.array(value, copy=True)
        value.flags.writeable = False
        limit = self.limit
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._nbytes -= old.nbytes
            if value.nbytes > limit:
                return
            self._items[key] = value
            self._nbytes += value.nbytes
            while self._nbytes > limit:
                _, dropped = self._items.popitem(last=False)
                self._nbytes -= dropped.nbytes

    def clear(self):
        with self._lock:
            self._items.clear()
            self._nbytes = 0

    @property
    def nbytes(self):
        return self._nbytes


memory_cache = _MemoryCache()


def _stored_result(key, value):
    """What the disk cache keeps under ``key``: ``value``, recorded the first time."""
    if value is None:  # a lookup of a key that is not stored: do not record anything
        raise LookupError(key)
    return value


_memorized = {}


def _disk(memory):
    """The joblib-cached form of :func:`_stored_result` for ``memory``, or None."""
    location = getattr(memory, "location", "")
    if location is None:  # joblib.Memory(None): caching in memory only
        return None
    if not isinstance(memory, joblib.Memory):
        return memory.cache(_stored_result, ignore=["value"])
    # One MemorizedFunc per store, so joblib checks the function's code once a process.
    ident = (location, memory.backend, memory.mmap_mode, repr(memory.compress))
    if ident not in _memorized:
        _memorized[ident] = memory.cache(_stored_result, ignore=["value"])
    return _memorized[ident]


class ResultStore:
    """Per-clip results of one estimator: this process's memory cache, then the disk.

    Parameters
    ----------
    memory : joblib.Memory or object with the joblib.Memory interface
        Its location holds the disk layer; ``joblib.Memory(None)`` keeps results in
        memory only.
    """

    def __init__(self, memory):
        self._disk = _disk(memory)

    def get(self, key):
        """The stored value, or None."""
        value = memory_cache.get(key)
        if value is None and self._disk is not None:
            if not self._disk.check_call_in_cache(key, None):
                return None
            try:
                value = self._disk(key, None)
            except LookupError:  # dropped from the disk since the check
                return None
            memory_cache.put(key, value)
        return value

    def put(self, key, value):
        """Store ``value`` in both layers."""
        memory_cache.put(key, value)
        if self._disk is not None:
            self._disk(key, value)


class KeyedWaveforms(np.ndarray):
    """Read-only waveforms that carry a content key per clip.

    ``AudioLoader(cache=True)`` returns them so that feature transformers with a
    ``memory`` can find cached features by the key of the file and loading parameters,
    without hashing the samples again. The keys survive only what cannot change the
    samples: selecting whole clips (``X[train]``, ``X[2:5]``, ``X[0]``) and pickling.
    Anything else (a copy, arithmetic, cropping samples) gives an array without keys,
    which is then hashed like any waveform.

    Parameters
    ----------
    data : array-like of shape (n_clips, n_samples) or (n_samples,)
    clip_keys : sequence of str
        One key per clip (one for a single 1-D clip).

    Examples
    --------
    >>> import numpy as np
    >>> X = KeyedWaveforms(np.zeros((3, 4), np.float32), ["a", "b", "c"])
    >>> X[[2, 0]].clip_keys, X[1].clip_keys, X[:, :2].clip_keys
    (('c', 'a'), ('b',), None)
    >>> X.flags.writeable, (X * 2).clip_keys
    (False, None)
    """

    def __new__(cls, data, clip_keys):
        base = np.ascontiguousarray(data)
        if base.flags.owndata:
            base.flags.writeable = False
        elif not _frozen(base):  # a view of memory that may still change: copy it
            base = base.copy()
            base.flags.writeable = False
        obj = base.view(cls)
        clip_keys = tuple(clip_keys)
        if len(clip_keys) != (len(obj) if obj.ndim == 2 else 1):
            raise ValueError(f"{len(clip_keys)} keys for waveforms of shape {obj.shape}")
        obj.clip_keys = clip_keys
        return obj

    def __array_finalize__(self, obj):
        self.clip_keys = None  # only __getitem__ hands keys on, when it keeps whole clips

    def __getitem__(self, item):
        result = super().__getitem__(item)
        rows = _whole_rows(item)
        if self.clip_keys is None or self.ndim != 2 or rows is None:
            return result
        keys = np.asarray(self.clip_keys, dtype=object)[rows]
        if isinstance(result, np.ndarray) and result.ndim in (1, 2):
            if result.flags.owndata:  # a fancy-indexing copy: freeze it, no second copy
                result.flags.writeable = False
            plain = result.view(np.ndarray)
            return KeyedWaveforms(plain, [keys] if result.ndim == 1 else keys)
        return result

    def __reduce__(self):
        reconstruct, args, state = super().__reduce__()
        return reconstruct, args, (state, self.clip_keys)

    def __setstate__(self, state):
        array_state, keys = state
        super().__setstate__(array_state)
        self.flags.writeable = False
        self.clip_keys = keys


def _frozen(a):
    """Whether ``a`` and every array it is a view of are read-only."""
    while isinstance(a, np.ndarray):
        if a.flags.writeable:
            return False
        a = a.base
    return True


def _whole_rows(item):
    """The row selection of ``item`` when it keeps every sample of the rows, else None."""
    if isinstance(item, tuple):
        if len(item) == 2 and (item[1] is Ellipsis or isinstance(item[1], slice)
                               and item[1] == slice(None)):
            item = item[0]
        elif len(item) == 1:
            item = item[0]
        else:
            return None
    if item is None or item is Ellipsis or isinstance(item, (bool, np.bool_)):
        return None
    if isinstance(item, (int, np.integer, slice)):
        return item
    rows = np.asarray(item)
    return rows if rows.ndim == 1 and rows.dtype.kind in "iub" else None
