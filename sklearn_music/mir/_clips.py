"""Reading the X of the MIR estimators: audio paths or waveforms, checked once."""

from .._input import as_waveforms, is_path_list

__all__ = ["check_clips"]


def check_clips(estimator, X, *, load=True, reset=False):
    """Return X as waveforms at ``estimator.sr`` (or None for paths when ``load=False``).

    Waveforms given in memory are always checked (finite, real, 1-D each), so that
    ``fit`` fails early on bad input without reading any file. With ``reset=True`` (in
    ``fit``) a 2-D array also records ``n_features_in_`` (its number of samples), as
    scikit-learn expects.
    """
    paths = is_path_list(X)
    if paths and not load:
        return None
    waves = as_waveforms(X, sr=estimator.sr, n_jobs=getattr(estimator, "n_jobs", None))
    if reset and not paths and len(getattr(X, "shape", ())) == 2:
        estimator.n_features_in_ = X.shape[1]
    return waves
