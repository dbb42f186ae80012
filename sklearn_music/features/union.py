"""AudioFeatureUnion: a FeatureUnion that reads and analyses each clip once for all its parts."""

from contextlib import contextmanager

from joblib import parallel_config
from sklearn.pipeline import FeatureUnion, Pipeline

from ._base import AudioFeatureTransformer
from ._engine import sharing_outputs, transform_clips

__all__ = ["AudioFeatureUnion"]


def _audio_head(part):
    """The feature transformer that receives the union's X in ``part``, or None."""
    if isinstance(part, AudioFeatureTransformer):
        return part
    if isinstance(part, Pipeline) and part.steps:
        first = part.steps[0][1]
        return first if isinstance(first, AudioFeatureTransformer) else None
    return None


def _with_index_of(X, table):
    """``table`` (pandas output) indexed as X, a pandas column of paths, when it is one,
    as scikit-learn's transformers keep their input's index: a ColumnTransformer with
    pandas output joins its parts' tables on their index."""
    if hasattr(table, "iloc") and hasattr(X, "iloc") and len(X) == len(table):
        table.index = X.index
    return table


class AudioFeatureUnion(FeatureUnion):
    """A FeatureUnion whose audio features are computed in one pass over the clips.

    It behaves as :class:`sklearn.pipeline.FeatureUnion` and gives the same output, with
    one difference in how: the feature transformers that receive X (a part that is one,
    or the first step of a part that is a Pipeline, such as ``MFCC -> Pooling``) are
    computed together, clip by clip. Each clip is decoded once (when X holds paths) and
    its STFT, mel spectrogram and tuning estimate are computed once and shared: MFCC,
    chroma, spectral descriptors and tempo features cost one STFT per clip instead of
    one per feature, and each transformer's cached features (its ``memory``) are read
    instead of computed. The rest of each part (Pooling, ...) then runs as usual.

    Parameters
    ----------
    transformer_list : list of (str, transformer)
        As in :class:`~sklearn.pipeline.FeatureUnion`; parts may also be ``"drop"`` or
        ``"passthrough"``.
    n_jobs : int or None, default=None
        Clips analysed in parallel by joblib (all parts of a clip in one task); None
        means 1, -1 all cores. The active joblib backend is used, so
        ``joblib.parallel_config(backend="dask")`` spreads clips over a Dask cluster.
    transformer_weights : dict or None, default=None
        Multiplicative weights of the parts' outputs, by name.
    verbose : bool, default=False
        Print the time each part takes.
    verbose_feature_names_out : bool, default=True
        Prefix output feature names with the part's name.

    Attributes
    ----------
    named_transformers : Bunch
        The parts, by name.

    See Also
    --------
    sklearn_music.pipelines.make_feature_union : The GTZAN feature set as one of these.

    Notes
    -----
    The shared pass computes every part's audio features before the parts run; the parts
    then run one after the other in this process and take their outputs from it, so
    ``n_jobs`` parallelises clips rather than parts.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_music import MFCC, AudioFeatureUnion, Chroma, Pooling, TempoFeatures
    >>> union = AudioFeatureUnion([
    ...     ("mfcc", make_pipeline(MFCC(n_mfcc=4), Pooling())),
    ...     ("chroma", make_pipeline(Chroma(tuning=0.0), Pooling(stats=("mean",)))),
    ...     ("tempo", TempoFeatures()),
    ... ], verbose_feature_names_out=False)
    >>> X = np.random.default_rng(0).uniform(-0.5, 0.5, (2, 22050)).astype(np.float32)
    >>> union.fit_transform(X).shape
    (2, 38)
    >>> list(union.get_feature_names_out()[[0, 8, 20]])
    ['mfcc_0_mean', 'chroma_C_mean', 'tempo']
    """

    def fit(self, X, y=None, **fit_params):
        """Fit every part on X, its audio features computed in one pass.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths or waveforms.
        y : array-like or None, default=None
            Targets, passed to the parts.
        **fit_params : dict
            Passed to the parts' ``fit``.

        Returns
        -------
        self : AudioFeatureUnion
        """
        with self._one_pass(X, fitting=True):
            return super().fit(X, y, **fit_params)

    def fit_transform(self, X, y=None, **params):
        """Fit every part on X and concatenate their outputs.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths or waveforms.
        y : array-like or None, default=None
            Targets, passed to the parts.
        **params : dict
            Passed to the parts' ``fit_transform``.

        Returns
        -------
        ndarray or DataFrame of shape (n_clips, n_output_features)
        """
        with self._one_pass(X):
            return _with_index_of(X, super().fit_transform(X, y, **params))

    def transform(self, X, **params):
        """Transform X by every part and concatenate their outputs.

        Parameters
        ----------
        X : array-like of str of shape (n_clips,), or waveforms
            Audio file paths or waveforms.
        **params : dict
            Routed to the parts' ``transform`` (metadata routing).

        Returns
        -------
        ndarray or DataFrame of shape (n_clips, n_output_features)
        """
        with self._one_pass(X):
            return _with_index_of(X, super().transform(X, **params))

    def _hstack(self, Xs):
        # Joined by position: a part that kept X's index (a clip-level transformer) and
        # one that could not (Pooling after a frame transformer) were joined on their
        # index, giving twice the rows. The union's table then takes X's index.
        return super()._hstack([X.reset_index(drop=True) if hasattr(X, "iloc") else X
                                for X in Xs])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True  # audio file paths
        tags.transformer_tags.preserves_dtype = ["float32"]  # features are float32
        return tags

    @contextmanager
    def _one_pass(self, X, *, fitting=False):
        """Compute the audio features of all parts at once, for the parts to pick up.

        When ``fitting``, only the heads of Pipelines are computed: the steps after a
        head are fitted on its output, while a bare feature transformer's fit only
        validates and needs no features.
        """
        heads = []
        for _, part in self.transformer_list:
            if fitting and not (isinstance(part, Pipeline) and len(part.steps) > 1):
                continue
            head = _audio_head(part)
            if head is not None and all(head is not h for h in heads):
                heads.append(head)
        if not heads:
            yield
            return
        for head in heads:
            head._validate_params()
            head._check_params()
        outputs = transform_clips(heads, X, n_jobs=self.n_jobs)
        # The parts run here, in order, so that they find the outputs just computed.
        with sharing_outputs(X, heads, outputs), parallel_config(backend="sequential"):
            yield
