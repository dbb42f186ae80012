"""Reading the X of the MIR estimators: audio paths or waveforms, checked once; warnings
about the clips they could not analyse."""

import warnings

import numpy as np

from .._input import as_waveforms, is_path_list

__all__ = ["MIN_SECONDS", "check_clips", "warn_clips", "warn_short_clips"]

#: Clips shorter than one analysis window (2048 samples at 22050 Hz: librosa's STFT window,
#: the NNLS frame, a chord frame) hold too few periods to tell semitones apart: the keys of
#: eight synthesized triads came out right at 93 ms and wrong at 46 ms, with each chroma.
MIN_SECONDS = 2048 / 22050


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


def warn_clips(flags, condition, consequence, *, stacklevel):
    """One warning counting the clips where ``flags`` is true and naming up to ten.

    The message reads "<k> of <n> clips <condition> (indices [...]): <consequence>";
    ``stacklevel`` counts from the caller, as for :func:`warnings.warn`.
    """
    where = np.flatnonzero(flags)
    if where.size:
        more = " ..." if where.size > 10 else ""
        warnings.warn(
            f"{where.size} of {len(flags)} clips {condition} (indices {where[:10].tolist()}"
            f"{more}): {consequence}", UserWarning, stacklevel=stacklevel + 1,
        )  # fmt: skip


def warn_short_clips(waves, sr, consequence, *, stacklevel):
    """:func:`warn_clips` for the clips shorter than :data:`MIN_SECONDS`."""
    warn_clips([len(y) < MIN_SECONDS * sr for y in waves],
               f"last less than one analysis window, {1000 * MIN_SECONDS:.0f} ms",
               consequence, stacklevel=stacklevel + 1)  # fmt: skip
