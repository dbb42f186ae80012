"""Pooling: summary statistics over time, from 3-D frames to a 2-D table of named features."""

import re
import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_array
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

__all__ = ["Pooling"]

_STATS = ("mean", "std", "min", "max", "median")
_PERCENTILE = re.compile(r"p(\d{1,2}(?:\.\d+)?|100)$")


def _percentile(stat):
    """The percentile of a ``"pNN"`` statistic, or None for a named statistic."""
    match = _PERCENTILE.match(stat)
    return None if match is None else float(match.group(1))


def _pool(X, stat):
    """One statistic over the last axis of X (n_clips, n_features, n_frames), NaN-aware."""
    has_nan = np.isnan(X).any()
    q = _percentile(stat)
    if q is not None:
        return (np.nanpercentile if has_nan else np.percentile)(X, q, axis=-1)
    functions = {
        "mean": (np.mean, np.nanmean), "std": (np.std, np.nanstd), "min": (np.min, np.nanmin),
        "max": (np.max, np.nanmax), "median": (np.median, np.nanmedian),
    }  # fmt: skip
    return functions[stat][int(bool(has_nan))](X, axis=-1)


def _ndim(X):
    """Dimensions of an array-like, or None when it is not one."""
    if hasattr(X, "ndim"):
        return X.ndim
    try:
        return np.asarray(X).ndim
    except ValueError:  # ragged nested lists; check_array explains
        return None


class Pooling(TransformerMixin, BaseEstimator):
    """Summarise frame-level features over time: 3-D frames in, a 2-D named table out.

    Parameters
    ----------
    stats : tuple of str, default=("mean", "std")
        Statistics over each clip's frames, computed per feature row: any of ``"mean"``,
        ``"std"`` (population, ``ddof=0``), ``"min"``, ``"max"``, ``"median"``, and
        percentiles written ``"pNN"`` (``"p10"``, ``"p90"``, ``"p2.5"``; 0 to 100).

    Attributes
    ----------
    n_features_in_ : int
        Feature rows of the frames seen in fit.
    feature_names_in_ : ndarray of str of shape (n_features_in_,)
        Names of those rows, when the frames carried them (the output of a
        sklearn_music frame transformer, or a DataFrame's columns for 2-D input).

    See Also
    --------
    MFCC, Chroma, SpectralFeatures, MelSpectrogram : Frame-level transformers to pool.

    Notes
    -----
    Output columns are grouped by statistic, in the order of ``stats``: for frames with
    rows ``mfcc_0 ... mfcc_19`` and ``stats=("mean", "std")``, the columns are
    ``mfcc_0_mean ... mfcc_19_mean, mfcc_0_std ... mfcc_19_std``; with
    ``set_output(transform="pandas")`` they name the DataFrame's columns.

    NaN frames are missing frames (the padding after a short clip in a batch of clips of
    different lengths) and are ignored; a row with no frame at all gives NaN.

    A 2-D input (n_clips, n_features) is read as one frame per clip: the clip-level
    features themselves, so the mean, median, minimum, maximum and every percentile
    equal the input and the standard deviation is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music import MFCC, Pooling
    >>> X = np.random.default_rng(0).uniform(-0.5, 0.5, (3, 22050)).astype(np.float32)
    >>> frames = MFCC(n_mfcc=4).fit_transform(X)
    >>> pool = Pooling(stats=("mean", "p90")).fit(frames)
    >>> pool.transform(frames).shape
    (3, 8)
    >>> list(pool.get_feature_names_out()[[0, 4]])
    ['mfcc_0_mean', 'mfcc_0_p90']
    """

    _parameter_constraints = {"stats": [tuple, list]}

    def __init__(self, stats=("mean", "std")):
        self.stats = stats

    def _check_stats(self):
        if len(self.stats) == 0:
            raise ValueError("stats is empty; give at least one statistic, e.g. ('mean',)")
        for stat in self.stats:
            if not isinstance(stat, str) or (stat not in _STATS and _percentile(stat) is None):
                raise ValueError(
                    f"unknown statistic {stat!r} in stats: use {', '.join(_STATS)} or a "
                    "percentile 'pNN' such as 'p10' (0 <= NN <= 100)"
                )
        if len(set(self.stats)) != len(self.stats):
            raise ValueError(f"stats lists a statistic twice: {tuple(self.stats)!r}")

    def _validate_frames(self, X, reset):
        """Return X as a float 3-D array; record or check the number and names of rows."""
        names = getattr(X, "feature_names", None)
        ndim = _ndim(X)
        if ndim is not None and ndim > 3:
            raise ValueError(
                "Pooling expects frames of shape (n_clips, n_features, n_frames) or a 2-D "
                f"table (n_clips, n_features), got an array with {ndim} dimensions"
            )
        if ndim == 3:
            X = check_array(X, allow_nd=True, dtype=(np.float64, np.float32),
                            ensure_all_finite="allow-nan", input_name="X")  # fmt: skip
            if reset:
                self.n_features_in_ = X.shape[1]
                if names is not None:
                    self.feature_names_in_ = np.asarray(names, dtype=object)
                elif hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
            else:
                self._check_frames_match(X, names)
            return X
        X = validate_data(self, X, reset=reset, dtype=(np.float64, np.float32),
                          ensure_all_finite="allow-nan")  # fmt: skip
        return X[:, :, None]

    def _check_frames_match(self, X, names):
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} feature rows, but Pooling was fitted on "
                f"{self.n_features_in_}"
            )
        fitted = getattr(self, "feature_names_in_", None)
        if names is not None and fitted is not None and list(names) != list(fitted):
            raise ValueError(
                "the feature rows of X are named differently from those seen in fit "
                f"(first: {names[0]!r} vs {fitted[0]!r}); pool the same features in fit and "
                "transform"
            )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the statistics and remember the number and names of the feature rows.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_features, n_frames) or (n_clips, n_features)
            Frame-level features, NaN where a clip has no frame.
        y : None
            Ignored.

        Returns
        -------
        self : Pooling
        """
        self._check_stats()
        self._validate_frames(X, reset=True)
        return self

    def transform(self, X):
        """Compute every statistic of every feature row over the frames of each clip.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_features, n_frames) or (n_clips, n_features)
            Frame-level features, NaN where a clip has no frame.

        Returns
        -------
        ndarray of shape (n_clips, n_features * len(stats))
            Columns grouped by statistic (see Notes); float32 input gives float32.
        """
        check_is_fitted(self, "n_features_in_")
        X = self._validate_frames(X, reset=False)
        with warnings.catch_warnings():
            # Rows without any frame are NaN by design, not a surprise worth a warning.
            warnings.filterwarnings("ignore", "(Mean of empty|All-NaN|Degrees of freedom)",
                                    RuntimeWarning)  # fmt: skip
            pooled = [_pool(X, stat) for stat in self.stats]
        return np.concatenate(pooled, axis=1).astype(X.dtype, copy=False)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: ``<feature>_<stat>``, grouped by statistic.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Names of the feature rows. None uses ``feature_names_in_`` when fit saw names,
            else ``x0, x1, ...``.

        Returns
        -------
        ndarray of str of shape (n_features_in_ * len(stats),)
        """
        check_is_fitted(self, "n_features_in_")
        names = _check_feature_names_in(self, input_features)
        return np.asarray([f"{name}_{stat}" for stat in self.stats for name in names], object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
