"""The common machinery of feature transformers: input handling, caching, one-pass analysis."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_memory

from .._cache import KeyedWaveforms, ResultStore, estimator_key
from .._frames import stack_frames
from .._input import as_waveforms, is_path_list
from ._engine import shared_output, transform_clips

__all__ = ["AudioFeatureTransformer", "ClipTransformer", "FrameTransformer"]


class AudioFeatureTransformer(TransformerMixin, BaseEstimator):
    """Base class of transformers that compute features from audio, one clip at a time.

    Subclasses extend ``_parameter_constraints``, implement ``_features_from(ctx)``
    returning the features of the clip of a
    :class:`~sklearn_music.features._context.ClipContext` (taking its spectrograms from
    the context, so that transformers analysing the same clip share them),
    ``_feature_names()`` and ``_stack(list)``; relations between parameters are checked
    in ``_check_params``. These transformers are stateless: ``fit`` only validates, and
    ``transform`` works without it, so a Pipeline can be cloned and refitted without
    recomputing anything but the features.

    With a ``memory``, each clip's features are cached under the clip's content and the
    transformer's class and output-changing parameters (every parameter except
    ``n_jobs`` and ``memory``), so a later call, another fold or a search candidate
    with the same feature parameters reads them back instead of computing them.
    """

    _parameter_constraints = {
        "sr": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "memory": [None, str, HasMethods(["cache"])],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters (and X when it holds waveforms); nothing is learned.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths, a 2-D float array (n_clips, n_samples), or a list of
            1-D waveforms.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The transformer.
        """
        self._check_params()
        checked = (isinstance(X, KeyedWaveforms) and X.clip_keys is not None  # loaded by us
                   or shared_output(X, self) is not None)  # fmt: skip
        if not checked and not is_path_list(X):
            as_waveforms(X, sr=self.sr)
        if isinstance(X, np.ndarray) and X.ndim == 2:
            self.n_features_in_ = X.shape[1]
        self.n_output_features_ = len(self._feature_names())
        return self

    def transform(self, X):
        """Compute the features of every clip.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths (loaded at ``sr``) or waveforms at ``sr``.

        Returns
        -------
        ndarray
            The features; see the class docstring for the shape.
        """
        shared = shared_output(X, self)
        if shared is not None:
            return shared
        self._validate_params()
        self._check_params()
        return transform_clips([self], X, n_jobs=self.n_jobs)[0]

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : None
            Ignored: the names come from the transformer's own parameters.

        Returns
        -------
        ndarray of str
        """
        self._validate_params()
        self._check_params()
        return np.asarray(self._feature_names(), dtype=object)

    def _check_params(self):
        """Check relations between parameters; subclasses raise ValueError on conflicts."""

    def _output_params(self):
        """The parameters that can change the output: all but ``n_jobs`` and ``memory``."""
        params = self.get_params(deep=False)
        return {k: v for k, v in params.items() if k not in ("n_jobs", "memory")}

    def _cache_key(self):
        """A key for this transformer's output, whatever the clip."""
        return estimator_key(self, self._output_params())

    def _result_store(self):
        """Where the per-clip features are cached, or None without a ``memory``."""
        return None if self.memory is None else ResultStore(check_memory(self.memory))

    def _analyses_batches(self):
        """Whether features come from ``_features_batch(waves)`` rather than per clip."""
        return False

    def _stream_plan(self):
        """How a long clip is analysed in blocks (see :mod:`~sklearn_music.features._stream`).

        A :class:`~sklearn_music.features._stream.FrameWise` or
        :class:`~sklearn_music.features._stream.FromMels` description of what
        ``_features_from`` reads of the clip, or None: it is given the whole clip.
        """
        return None

    def _check_frequency_range(self, fmin, fmax):
        """Raise ValueError unless 0 <= fmin < fmax <= sr / 2 (fmax None means sr / 2)."""
        nyquist = self.sr / 2
        top = nyquist if fmax is None else fmax
        if top > nyquist:
            raise ValueError(f"fmax={fmax} Hz is above the Nyquist frequency sr/2={nyquist} Hz")
        if fmin >= top:
            raise ValueError(f"fmin={fmin} Hz must be below fmax={top} Hz")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.requires_fit = False
        return tags


class ClipTransformer(AudioFeatureTransformer):
    """Base class of transformers with one row of named features per clip: 2-D output.

    ``_features_from(ctx)`` returns a 1-D vector; the output is float32 of shape
    (n_clips, n_output_features_) and follows ``set_output`` (pandas, polars).
    """

    def _stack(self, features):
        n_out = len(self._feature_names())
        return np.asarray(features, dtype=np.float32).reshape(len(features), n_out)


class FrameTransformer(AudioFeatureTransformer):
    """Base class of transformers whose output is 3-D: (n_clips, n_features, n_frames).

    Clips of different lengths give different numbers of frames; the missing frames of the
    shorter clips are NaN (see :func:`~sklearn_music._frames.stack_frames`), unless the
    subclass has an ``n_frames`` parameter that fixes the length.
    """

    def __init_subclass__(cls, **kwargs):
        # pandas cannot hold 3-D frames: never wrap their output in a DataFrame.
        super().__init_subclass__(auto_wrap_output_keys=None, **kwargs)

    def _stack(self, features):
        return stack_frames(
            [f.astype(np.float32, copy=False) for f in features],
            feature_names=self._feature_names(),
            n_frames=getattr(self, "n_frames", None),
        )

    def set_output(self, *, transform=None):
        """Accept the Pipeline-wide output setting; frames stay 3-D NumPy arrays.

        pandas and polars hold 2-D tables only, so a frame-level transformer keeps its
        output as it is and :class:`~sklearn_music.Pooling` builds the named table.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None
            Ignored.

        Returns
        -------
        self : object
        """
        return self
