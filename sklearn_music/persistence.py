"""Saving and loading trained models safely.

:func:`save_model` writes atomically (a temporary file renamed into place), so an
interrupted save never leaves a half-written model or destroys the previous one, and it
records the library versions the model was trained with; :func:`load_model` reports a
mismatch clearly instead of failing later in an obscure way.
"""

import os
import warnings
from datetime import datetime, timezone

import joblib
import sklearn

from ._atomic import atomic_path

__all__ = ["save_model", "load_model", "VersionMismatchWarning"]

_FORMAT = "sklearn-music-model"


class VersionMismatchWarning(UserWarning):
    """A model was saved with other versions of sklearn-music or scikit-learn."""


def _versions():
    from . import __version__

    return {"sklearn_music": __version__, "sklearn": sklearn.__version__}


def save_model(model, path, *, metadata=None, compress=3):
    """Save a fitted estimator or Pipeline with joblib, atomically.

    Parameters
    ----------
    model : estimator
        Usually a fitted Pipeline.
    path : str or os.PathLike
        Destination file (``.joblib`` by convention).
    metadata : dict, default=None
        Anything JSON-like to keep beside the model (class names, training data, scores).
    compress : int, default=3
        joblib compression level.

    Returns
    -------
    path : str

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn_music.persistence import save_model, load_model
    >>> clf = DummyClassifier().fit([[0], [1]], ["a", "b"])
    >>> path = save_model(clf, os.path.join(tempfile.mkdtemp(), "m.joblib"))
    >>> load_model(path).predict([[0]])
    array(['a'], dtype='<U1')
    """
    payload = {
        "format": _FORMAT,
        "versions": _versions(),
        "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "metadata": dict(metadata or {}),
        "model": model,
    }
    with atomic_path(path) as tmp:
        joblib.dump(payload, tmp, compress=compress)
    return os.fspath(path)


def load_model(path, *, return_metadata=False):
    """Load a model written by :func:`save_model`.

    Parameters
    ----------
    path : str or os.PathLike
    return_metadata : bool, default=False
        Also return the saved metadata (versions, time, user metadata).

    Returns
    -------
    model : estimator
    info : dict
        Only when ``return_metadata`` is True.

    Warns
    -----
    VersionMismatchWarning
        The model was saved with another version of sklearn-music or scikit-learn.

    Raises
    ------
    ValueError
        The file is not a model saved by :func:`save_model`.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such model file")
    try:
        payload = joblib.load(path)
    except Exception as exc:  # joblib/pickle raise many types for a damaged file
        raise ValueError(f"{path}: cannot read the model file, not a joblib file or "
                         f"damaged ({type(exc).__name__}: {exc})") from exc
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise ValueError(f"{path}: not a model saved by sklearn_music.save_model")
    saved, current = payload["versions"], _versions()
    if saved != current:
        differences = ", ".join(
            f"{name} {saved.get(name)} (now {current[name]})"
            for name in current
            if saved.get(name) != current[name]
        )
        warnings.warn(
            f"{path} was saved with {differences}; predictions may differ or fail. "
            "Retrain the model with the installed versions to be safe.",
            VersionMismatchWarning,
            stacklevel=2,
        )
    if return_metadata:
        info = {k: v for k, v in payload.items() if k != "model"}
        return payload["model"], info
    return payload["model"]
