"""Frame-level feature arrays that remember the names of their feature rows.

Frame-level transformers return 3-D arrays ``(n_clips, n_features, n_frames)``. Nothing in
NumPy can carry the names of the ``n_features`` rows, yet :class:`~sklearn_music.Pooling`
needs them to name its columns (``mfcc_3_mean``) when a Pipeline is asked for pandas
output. :class:`FrameArray` is a plain ``ndarray`` with one extra attribute,
``feature_names``, kept through indexing along the clip axis (cross-validation splits),
pickling, and ``np.concatenate``/``np.hstack`` along the feature axis (FeatureUnion).
Any other operation returns an array whose names are dropped rather than wrong, reordering
the axes (``transpose``, ``swapaxes``, ``.T``, ``np.moveaxis``) among them, even where the
shape does not show it.
"""

import numpy as np

__all__ = ["FrameArray", "stack_frames"]


class FrameArray(np.ndarray):
    """A 3-D array of frame-level features with named feature rows.

    Parameters
    ----------
    data : array-like of shape (n_clips, n_features, n_frames)
        The features. Frames missing because a clip is shorter than the longest one are NaN.
    feature_names : sequence of str or None
        One name per feature row.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music._frames import FrameArray
    >>> a = FrameArray(np.zeros((2, 3, 4)), ["a", "b", "c"])
    >>> list(a[1:].feature_names)
    ['a', 'b', 'c']
    >>> list(np.hstack([a, a]).feature_names)
    ['a', 'b', 'c', 'a', 'b', 'c']
    """

    def __new__(cls, data, feature_names=None):
        obj = np.asarray(data).view(cls)
        if feature_names is not None:
            feature_names = np.asarray(feature_names, dtype=object)
            if obj.ndim != 3 or len(feature_names) != obj.shape[1]:
                raise ValueError(
                    f"{len(feature_names)} feature names for an array of shape {obj.shape}"
                )
        obj.feature_names = feature_names
        return obj

    def __array_finalize__(self, obj):
        names = getattr(obj, "feature_names", None)
        # Names stay valid only while the feature axis is untouched.
        if names is not None and (self.ndim != 3 or self.shape[1] != len(names)):
            names = None
        self.feature_names = names

    def __getitem__(self, key):
        result = super().__getitem__(key)
        if isinstance(result, FrameArray) and not _keeps_feature_axis(key):
            result.feature_names = None
        return result

    # np.transpose, np.moveaxis, np.rollaxis, np.swapaxes and np.matrix_transpose call
    # these methods; .T and .mT do not, and are redirected to them.
    def transpose(self, *axes):
        return self._reordered(super().transpose(*axes))

    def swapaxes(self, axis1, axis2):
        return self._reordered(super().swapaxes(axis1, axis2))

    @property
    def T(self):
        return self.transpose()

    @property
    def mT(self):
        return self.swapaxes(-2, -1)

    def _reordered(self, view):
        """``view`` of this array with its axes reordered: names only if none moved."""
        if view.strides != self.strides:  # unlike the shape, even when the lengths are equal
            view.feature_names = None
        return view

    def __array_function__(self, func, types, args, kwargs):
        if func in (np.concatenate, np.hstack):
            return _concatenate_named(func, args, kwargs)
        return super().__array_function__(func, types, args, kwargs)

    def __reduce__(self):
        reconstruct, args, state = super().__reduce__()
        return reconstruct, args, (state, self.feature_names)

    def __setstate__(self, state):
        array_state, names = state
        super().__setstate__(array_state)
        self.feature_names = names


def _keeps_feature_axis(key):
    """Whether indexing with ``key`` leaves axes 1 and 2 whole."""
    if not isinstance(key, tuple):
        return not (isinstance(key, (int, np.integer)))
    if len(key) == 0:
        return True
    first, rest = key[0], key[1:]
    if isinstance(first, (int, np.integer)) or first is None or first is Ellipsis:
        return False
    return all(isinstance(k, slice) and k == slice(None) for k in rest[:1])


def _concatenate_named(func, args, kwargs):
    arrays = list(args[0])
    axis = kwargs.get("axis", args[1] if len(args) > 1 else (1 if func is np.hstack else 0))
    plain = [np.asarray(a) for a in arrays]
    result = func(plain, *args[1:], **kwargs)
    if result.ndim != 3:
        return result
    names = [getattr(a, "feature_names", None) for a in arrays]
    if axis in (1, -2) and all(n is not None for n in names):
        return FrameArray(result, np.concatenate(names))
    if axis == 0 and all(n is not None for n in names):
        if all(list(n) == list(names[0]) for n in names):
            return FrameArray(result, names[0])
    return result


def stack_frames(frames, *, feature_names=None, n_frames=None):
    """Stack per-clip feature matrices into one 3-D :class:`FrameArray`.

    Parameters
    ----------
    frames : list of ndarray of shape (n_features, n_frames_i)
        One matrix per clip.
    feature_names : sequence of str, default=None
        Names of the feature rows.
    n_frames : int, default=None
        Crop or zero-pad every clip to this many frames. When None, clips shorter than the
        longest are padded with NaN, marking frames that do not exist; :class:`Pooling`
        ignores them.

    Returns
    -------
    FrameArray of shape (n_clips, n_features, n_frames)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music._frames import stack_frames
    >>> X = stack_frames([np.ones((2, 3)), np.ones((2, 1))])
    >>> X.shape, bool(np.isnan(X[1, 0, 2]))
    ((2, 2, 3), True)
    """
    if len(frames) == 0:
        n_features = 0 if feature_names is None else len(feature_names)
        return FrameArray(np.zeros((0, n_features, n_frames or 0), np.float32), feature_names)
    n_features = frames[0].shape[0]
    for i, f in enumerate(frames):
        if f.shape[0] != n_features:
            raise ValueError(
                f"clip {i} has {f.shape[0]} feature rows, clip 0 has {n_features}: every "
                "clip's matrix must have the same rows, (n_features, n_frames_i)"
            )
    length = n_frames if n_frames is not None else max(f.shape[1] for f in frames)
    fill = 0.0 if n_frames is not None else np.nan
    dtype = np.result_type(*[f.dtype for f in frames], np.float32)
    out = np.full((len(frames), n_features, length), fill, dtype=dtype)
    for i, f in enumerate(frames):
        width = min(f.shape[1], length)
        out[i, :, :width] = f[:, :width]
    return FrameArray(out, feature_names)
