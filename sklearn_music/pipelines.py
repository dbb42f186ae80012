"""Ready-made pipelines for the common jobs, built from the public transformers.

They are ordinary scikit-learn objects: inspect them, change a step with ``set_params``,
or copy the code into your own Pipeline.
"""

from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from .features import (MFCC, AudioFeatureUnion, Chroma, KeyFeatures, Pooling, SpectralFeatures,
                       TempoFeatures)
from .io import AudioLoader

__all__ = ["FEATURE_SETS", "make_feature_union", "make_classical_pipeline",
           "make_cnn_pipeline", "extract_with_progress"]

def _spectral_features(*, sr, **kwargs):
    """SpectralFeatures at ``sr`` with as many of its default octave contrast bands as lie
    below the Nyquist frequency: six at 22,050 Hz, five at 8,000 to 12,800 Hz."""
    defaults = SpectralFeatures()
    n_bands = defaults.n_bands
    while n_bands > 1 and defaults.fmin * 2 ** (n_bands - 1) >= sr / 2:
        n_bands -= 1
    return SpectralFeatures(sr=sr, n_bands=n_bands, **kwargs)


_FRAME_FEATURES = {"mfcc": MFCC, "chroma": Chroma, "spectral": _spectral_features}
_CLIP_FEATURES = {"tempo": TempoFeatures, "key": KeyFeatures}
FEATURE_SETS = tuple(_FRAME_FEATURES) + tuple(_CLIP_FEATURES)


def make_feature_union(*, sr=22050, features=("mfcc", "chroma", "spectral", "tempo"),
                       stats=("mean", "std"), n_jobs=None, memory=None):
    """Pooled frame-level features and clip-level features side by side, with names.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate of the waveforms (or of the files, loaded at it).
    features : sequence of str, default=("mfcc", "chroma", "spectral", "tempo")
        Any of "mfcc", "chroma", "spectral" (pooled over frames) and "tempo", "key"
        (one row per clip already), each with its transformer's defaults, except that
        the spectral contrast keeps only the octave bands below ``sr / 2`` (fewer
        than six at 12,800 Hz and below).
    stats : sequence of str, default=("mean", "std")
        Statistics that :class:`~sklearn_music.Pooling` takes over the frames.
    n_jobs : int or None, default=None
        Clips processed in parallel (all features of a clip in one task).
    memory : str, joblib.Memory or None, default=None
        Cache of every transformer's per-clip features (a folder or a
        :class:`joblib.Memory`), so that a second run, a cross-validation or a search
        reads them back; None caches nothing.

    Returns
    -------
    AudioFeatureUnion
        A FeatureUnion that computes its features in one pass over the clips (one
        decode and one STFT per clip). Its ``get_feature_names_out`` gives names like
        ``mfcc_3_mean``; call ``set_output(transform="pandas")`` for a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.pipelines import make_feature_union
    >>> union = make_feature_union(sr=8000, features=("mfcc", "tempo"))
    >>> waves = np.random.default_rng(0).uniform(-1, 1, (2, 8000)).astype(np.float32)
    >>> table = union.set_output(transform="pandas").fit_transform(waves)
    >>> table.shape[0], "mfcc_3_mean" in table.columns
    (2, True)
    """
    unknown = [f for f in features if f not in FEATURE_SETS]
    if unknown or not features:
        raise ValueError(f"features must be a non-empty subset of {FEATURE_SETS}, "
                         f"got {list(features)}")
    parts = []
    for name in features:
        if name in _FRAME_FEATURES:
            step = make_pipeline(_FRAME_FEATURES[name](sr=sr, n_jobs=n_jobs, memory=memory),
                                 Pooling(stats=tuple(stats)))
        else:
            step = _CLIP_FEATURES[name](sr=sr, n_jobs=n_jobs, memory=memory)
        parts.append((name, step))
    return AudioFeatureUnion(parts, n_jobs=n_jobs, verbose_feature_names_out=False)


def make_classical_pipeline(*, sr=22050, duration=None, features=("mfcc", "chroma",
                            "spectral", "tempo"), stats=("mean", "std"), estimator=None,
                            class_weight="balanced", n_jobs=None, memory=None):
    """Audio files to labels: load, pooled features, standardise, classify.

    Parameters
    ----------
    sr : int, default=22050
    duration : float or None, default=None
        Seconds of each file to use (cropped or padded); None uses whole files.
    features, stats : see :func:`make_feature_union`
    estimator : classifier, default=None
        The last step; an RBF SVM (``C=10``) by default.
    class_weight : "balanced", dict or None, default="balanced"
        The default SVM's ``class_weight``: "balanced" makes every class count alike,
        however many clips it has. Ignored when ``estimator`` is given.
    n_jobs : int or None, default=None
        Files decoded and processed in parallel.
    memory : str, joblib.Memory or None, default=None
        Cache features per clip (see :func:`make_feature_union`) and keep decoded clips
        in memory (``AudioLoader(cache=True)``): a grid search over the classifier then
        analyses each clip once, and decodes each file once when the decoded clips fit
        in ``set_config(cache_memory=...)`` (1024 MiB by default; GTZAN at 30 s and
        22,050 Hz needs 2,523 MiB), however many candidates and folds it fits. None
        caches nothing.

    Returns
    -------
    Pipeline
        Steps ``load``, ``features``, ``scale`` and ``clf``.

    Examples
    --------
    >>> from sklearn_music.pipelines import make_classical_pipeline
    >>> [name for name, _ in make_classical_pipeline(duration=30.0).steps]
    ['load', 'features', 'scale', 'clf']
    """
    if estimator is None:
        estimator = SVC(C=10.0, class_weight=class_weight)
    return Pipeline([
        ("load", AudioLoader(sr=sr, duration=duration, n_jobs=n_jobs, cache=memory is not None)),
        ("features", make_feature_union(sr=sr, features=features, stats=stats, n_jobs=n_jobs,
                                        memory=memory)),
        ("scale", StandardScaler()),
        ("clf", estimator),
    ])


def make_cnn_pipeline(*, sr=16000, duration=4.0, n_mels=64, n_frames=None, hop_length=512,
                      architecture="resnet", n_jobs=None, memory=None, **cnn_params):
    """Audio files to labels with a CNN on log-mel spectrograms.

    Parameters
    ----------
    sr : int, default=16000
    duration : float or None, default=4.0
        Seconds of each file; None keeps whole files (the CNN crops at random in training
        and averages chunks at prediction).
    n_mels : int, default=64
    n_frames : int or None, default=None
        Crop or pad the spectrogram to this many frames (64 for the 64x64 homework).
    hop_length : int, default=512
    architecture : str or nn.Module class, default="resnet"
    n_jobs : int or None, default=None
    memory : str, joblib.Memory or None, default=None
        Cache the spectrogram of each clip (see :func:`make_feature_union`), so that
        cross-validation and searches compute it once.
    **cnn_params
        Passed to :class:`~sklearn_music.CNNClassifier` (max_epochs, lr, random_state, ...).

    Returns
    -------
    Pipeline
        Steps ``load``, ``mel`` and ``cnn``.

    Examples
    --------
    >>> from sklearn_music.pipelines import make_cnn_pipeline
    >>> pipe = make_cnn_pipeline(n_frames=64, max_epochs=5)
    >>> pipe.named_steps["cnn"].max_epochs, pipe.named_steps["mel"].n_mels
    (5, 64)
    """
    from .features import MelSpectrogram
    from .neural import CNNClassifier

    return Pipeline([
        ("load", AudioLoader(sr=sr, duration=duration, n_jobs=n_jobs, cache=memory is not None)),
        ("mel", MelSpectrogram(sr=sr, n_mels=n_mels, n_frames=n_frames,
                               hop_length=hop_length, n_jobs=n_jobs, memory=memory)),
        ("cnn", CNNClassifier(architecture=architecture, **cnn_params)),
    ])


def extract_with_progress(transformer, X, *, progress=True, batch_size=16):
    """Transform X in batches of clips, showing a progress bar.

    Parameters
    ----------
    transformer : fitted transformer
        For example a fitted :func:`make_feature_union`; with pandas output configured the
        batches are joined into one DataFrame.
    X : list of paths, 2-D array or list of waveforms
    progress : bool, default=True
        Show a tqdm progress bar (on stderr).
    batch_size : int, default=16

    Returns
    -------
    ndarray or pandas.DataFrame
        What ``transformer.transform(X)`` gives. Frame-level features of clips of
        different lengths are padded with NaN to the most frames of any clip, as in one
        transform (each batch alone is padded to its own longest clip).

    Raises
    ------
    ValueError
        X holds no clips.
    """
    import numpy as np
    import pandas as pd
    from tqdm.auto import tqdm

    from ._frames import stack_frames

    if len(X) == 0:
        raise ValueError("X holds no clips: extract_with_progress needs at least one")
    if hasattr(transformer, "fit") and not _is_fitted(transformer):
        transformer.fit(X[:1])
    parts = []
    with tqdm(total=len(X), unit="clip", desc="features", disable=not progress) as bar:
        for start in range(0, len(X), batch_size):
            parts.append(transformer.transform(X[start:start + batch_size]))
            bar.update(len(parts[-1]))
    if isinstance(parts[0], pd.DataFrame):
        return pd.concat(parts, ignore_index=True)
    if np.ndim(parts[0]) == 3:  # (clips, features, frames): the batches' frames may differ
        clips = [clip for part in parts for clip in np.asarray(part)]
        return stack_frames(clips, feature_names=getattr(parts[0], "feature_names", None))
    return np.concatenate(parts)


def _is_fitted(estimator):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True
