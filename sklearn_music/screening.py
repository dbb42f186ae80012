"""Leaving out clips that cannot be used, with X, y and groups kept aligned.

Transformers in a Pipeline must return one row per input clip (a Pipeline that dropped
rows would give fewer predictions than inputs, silently misaligned), so a bad file makes
them raise :class:`~sklearn_music.exceptions.AudioError`. :func:`screen_audio` is the step
before the Pipeline that finds such clips, drops them from X and from the labels and
groups together, and records what it dropped.
"""

import warnings
from numbers import Integral

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.utils import Bunch, _safe_indexing, check_array, check_consistent_length
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._input import (_as_float32, _check_clip, _is_ragged, is_path_list, path_list,
                     waveform_problem)
from .exceptions import AudioError, SkippedClipsWarning

__all__ = ["screen_audio"]

ON_ERROR = ("raise", "skip", "warn")
_LISTED = 10  # clips named in a warning; the rest are counted


def check_on_error(on_error):
    """Raise a ValueError unless ``on_error`` is one of "raise", "skip" or "warn"."""
    if not isinstance(on_error, str) or on_error not in ON_ERROR:
        raise ValueError(f"on_error must be 'raise', 'skip' or 'warn', got {on_error!r}")


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like", None],
        "groups": ["array-like", None],
        "on_error": [StrOptions(set(ON_ERROR))],
        "sr": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": [Integral, None],
        "progress": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def screen_audio(X, y=None, *, groups=None, on_error="skip", sr=None, n_jobs=None,
                 progress=False):  # fmt: skip
    """Drop the clips that cannot be used, and their labels and groups with them.

    Every file is decoded in full (a file cut short or corrupt past its first seconds is
    found, not only one whose header is wrong); waveforms already in memory are checked
    for samples that are NaN or infinite and for being empty. The clips that pass, their
    labels and their groups come back in their order, so that X and y stay aligned for
    ``Pipeline.fit``, ``cross_val_score`` or ``predict``.

    Parameters
    ----------
    X : array-like of str of shape (n_clips,), or waveforms
        Audio file paths, or waveforms in memory (a 2-D float array or a list of 1-D
        arrays).
    y : array-like of shape (n_clips,) or (n_clips, n_outputs), default=None
        Labels: 1-D, a 2-D multi-label indicator array, or a pandas Series or DataFrame
        (which keeps its index).
    groups : array-like of shape (n_clips,), default=None
        Group labels for cross-validation (e.g. artist or album).
    on_error : {"skip", "warn", "raise"}, default="skip"
        What a clip that cannot be used does. "skip": it is dropped, silently, and listed
        in ``dropped``. "warn": the same, and one
        :class:`~sklearn_music.exceptions.SkippedClipsWarning` says how many clips were
        dropped and names them. "raise": the
        :class:`~sklearn_music.exceptions.AudioError` of the first such clip is raised.
    sr : int or None, default=None
        Sample rate that files are decoded at while checking them; None keeps each file's
        own rate (fastest: no resampling).
    n_jobs : int or None, default=None
        Files decoded in parallel (joblib); None means 1, -1 all cores.
    progress : bool, default=False
        Show a progress bar (tqdm, on stderr).

    Returns
    -------
    result : Bunch
        ``X``
            The clips kept, of the type given (a list, an ndarray, a pandas object with
            its index).
        ``y``, ``groups``
            The labels and groups of the clips kept, of the types given; None when not
            given.
        ``kept`` : ndarray of int
            Positions of the clips kept in the X given.
        ``dropped`` : pandas.DataFrame
            One row per clip dropped, with columns ``index`` (position in the X given),
            ``path`` (None for a waveform) and ``error`` (what is wrong with it).

    Raises
    ------
    AudioError
        With ``on_error="raise"``: the first clip that cannot be used, named.
    ValueError
        X holds no clips or is not a collection of paths or waveforms, or X, y and groups
        differ in length.

    See Also
    --------
    sklearn_music.extraction.extract_to_disk : Streamed extraction that can also go on
        past bad clips.

    Notes
    -----
    The transformers themselves never drop clips: a Pipeline must give one prediction per
    input. Screen the clips once, before fitting or predicting, and use the ``X`` and
    ``y`` returned.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> from sklearn_music import screen_audio
    >>> folder = tempfile.mkdtemp()
    >>> paths = [os.path.join(folder, f"{i}.wav") for i in range(3)]
    >>> for p in paths:
    ...     sf.write(p, np.zeros(800), 8000)
    >>> open(paths[1], "w").close()  # an empty file
    >>> data = screen_audio(paths, ["cello", "flute", "oboe"])
    >>> data.y, data.kept
    (['cello', 'oboe'], array([0, 2]))
    >>> data.dropped["error"].tolist()
    ['file is empty (0 bytes)']
    """
    check_consistent_length(X, y, groups)
    if _len(X) == 0:
        raise ValueError("Found array with 0 sample(s): X holds no clips")
    paths = path_list(X) if is_path_list(X) else None
    if paths is not None:
        problems = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_file_problem)(p, sr) for p in paths
        )
    else:
        problems = (waveform_problem(w, i) for i, w in enumerate(_waveform_items(X)))

    from tqdm.auto import tqdm

    errors = {}
    with tqdm(total=_len(X), unit="clip", desc="screening", disable=not progress) as bar:
        for i, error in enumerate(problems):
            if error is not None:
                if on_error == "raise":
                    raise error
                errors[i] = error
            bar.update()
    kept = np.asarray([i for i in range(_len(X)) if i not in errors], dtype=np.intp)
    dropped = dropped_table(
        [(i, None if paths is None else paths[i], errors[i].reason) for i in sorted(errors)]
    )
    if on_error == "warn":
        warn_dropped(dropped, _len(X), stacklevel=3)  # past validate_params' wrapper
    return Bunch(
        X=_safe_indexing(X, kept),
        y=None if y is None else _safe_indexing(y, kept),
        groups=None if groups is None else _safe_indexing(groups, kept),
        kept=kept,
        dropped=dropped,
    )


def _len(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _file_problem(path, sr):
    """The AudioError that decoding the whole file raises, or None."""
    from .io import load_audio  # io imports the input helpers this module shares

    try:
        load_audio(path, sr=sr)
    except AudioError as error:
        return error
    return None


def _waveform_items(X):
    """The clips of waveforms X, one by one, as float32 arrays (not yet checked)."""
    if _is_ragged(X):
        return [_check_clip(item, i) for i, item in enumerate(X)]
    return list(_as_float32(check_array(X, dtype="numeric", input_name="X",
                                        ensure_all_finite=False, ensure_min_features=0)))


def dropped_table(rows):
    """The ``dropped`` DataFrame of (index, path, error) rows."""
    table = pd.DataFrame(rows, columns=["index", "path", "error"])
    return table.astype({"index": np.intp, "path": object, "error": object})


def warn_dropped(dropped, n_clips, *, stacklevel=1):
    """One SkippedClipsWarning naming the clips in ``dropped`` (when there are any).

    ``stacklevel=1`` points the warning at the function that calls this one, 2 at its
    caller, and so on.
    """
    if dropped.empty:
        return
    head = dropped.head(_LISTED)
    named = [
        f"{i} ({error})" if path is None else f"{i} ({path}: {error})"
        for i, path, error in zip(head["index"], head["path"], head["error"])
    ]
    more = len(dropped) - len(named)
    warnings.warn(
        f"left out {len(dropped)} of {n_clips} clips that could not be used: "
        + ", ".join(named) + (f" and {more} more" if more else ""),
        SkippedClipsWarning,
        stacklevel=stacklevel + 1,
    )
