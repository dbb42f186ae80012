"""What a stored study was run on, so that a search resumes only its own study.

A study's name alone cannot tell searches apart: the default name covers the final
step's class, the space and the scoring, and a name given in a config file stays the
same when the config changes. So :class:`~sklearn_music.tuning.StudySearchCV` records
a *fingerprint* of its setup in the study's user attributes (``study.user_attrs``) when
it creates the study, and compares it whenever it opens the study again: another
estimator or estimator parameter, another space, scoring, folds or data is a
ValueError naming what differs, before any trial runs.

The fingerprint is built from descriptions and digests that are the same in every
process and on every machine (lambdas, described by their bytecode, need the same Python
version), so that processes sharing a study agree on it.
"""

import json
import os
from collections.abc import Mapping

import joblib
import numpy as np
from optuna.trial import TrialState

from .._input import is_path_list, path_list
from .._describe import NO_OUTPUT_EFFECT, by_class, describe
from .spaces import describe_scoring, describe_space

__all__ = ["search_fingerprint", "check_fingerprint"]

#: The user attribute of a study that holds its fingerprint.
ATTRIBUTE = "sklearn_music_search"

#: Parameters (nested ones included) that change how fast, where or how loudly a model
#: is fitted, not its scores: a search resumed with other values is the same search.
IGNORED_PARAMS = (*NO_OUTPUT_EFFECT, "cache", "device", "checkpoint_dir")

# The parts of a fingerprint that are digests, in the words of an error message.
_DIGESTS = {"cv": "the cross-validation folds (cv or the number of samples) differ",
            "X": "the data X differs", "y": "the target y differs",
            "groups": "the groups differ"}
_SHOWN = 5  # entries of a part listed in an error message


def _text(value):
    """A value's description as text: JSON, where "1", 1, 1.0 and true differ."""
    return json.dumps(describe(value), sort_keys=True)


def _plain(value):
    """A value's description as text, a string as it is."""
    described = describe(value)
    return described if isinstance(described, str) else json.dumps(described, sort_keys=True)


def _data(X):
    """A digest of X. A list of paths counts relative to the paths' common folder, so
    the same files under another folder or mount point match."""
    if is_path_list(X):
        paths = [os.path.abspath(p) for p in path_list(X)]
        root = os.path.commonpath(paths) if len(paths) > 1 else os.path.dirname(paths[0])
        return joblib.hash([os.path.relpath(p, root) for p in paths])
    return joblib.hash(X)


def _labels(values):
    """A digest of y or groups, the same for a list, an array or a Series (whose strings
    NumPy holds as objects, a list's as unicode): the values as Python objects."""
    return "None" if values is None else joblib.hash(np.asarray(values).tolist())


def search_fingerprint(estimator, space, scoring, splits, X, y=None, groups=None):
    """The fingerprint of a search: what its trials' scores depend on.

    Parameters
    ----------
    estimator : estimator
        The estimator tuned; its parameters count, except those the space draws and
        those in :data:`IGNORED_PARAMS` (``n_jobs``, ``memory``, ``verbose``, ``cache``,
        ``device``, ``checkpoint_dir``).
    space : mapping or callable
    scoring : str, callable or None
    splits : list of (train, test) index arrays
        The folds: a digest of their indices covers ``cv`` and the number of samples.
    X, y, groups : array-like or None
        The data, by digest.

    Returns
    -------
    fingerprint : dict
        JSON-able: strings, and dicts of strings for the parameters and the space.

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> from sklearn_music.tuning.fingerprint import search_fingerprint
    >>> folds, X, y = [([0, 1], [2, 3])], [[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1]
    >>> one = search_fingerprint(SVC(), {"C": [1.0, 10.0]}, "f1_macro", folds, X, y)
    >>> one == search_fingerprint(SVC(C=3.0), {"C": [1.0, 10.0]}, "f1_macro", folds, X, y)
    True
    >>> one["estimator"], one["params"]["kernel"], one["scoring"]
    ('sklearn.svm._classes.SVC', '"rbf"', 'f1_macro')
    """
    tuned = set(space) if isinstance(space, Mapping) else set()
    params = {name: _text(by_class(value))
              for name, value in estimator.get_params(deep=True).items()
              if name not in tuned and name.split("__")[-1] not in IGNORED_PARAMS}
    described = describe_space(space)
    return {
        "estimator": _plain(type(estimator)),
        "params": params,
        "space": ({name: spec if isinstance(spec, str) else json.dumps(spec)
                   for name, spec in described.items()}
                  if isinstance(described, dict) else described),
        "scoring": describe_scoring(scoring),
        "cv": joblib.hash([[np.asarray(part, dtype=np.int64) for part in split]
                           for split in splits]),
        "X": _data(X),
        "y": _labels(y),
        "groups": _labels(groups),
    }


def check_fingerprint(study, fingerprint):
    """Record ``fingerprint`` in a new study, or check it against the recorded one.

    Processes of one search that open a new study at the same moment may each record
    the fingerprint (the same one); each then compares its own with the recorded one.

    Parameters
    ----------
    study : optuna.Study
    fingerprint : dict
        From :func:`search_fingerprint`.

    Raises
    ------
    ValueError
        The study records another setup (naming what differs), or holds trials but no
        setup (a study made by another program).

    Examples
    --------
    >>> import optuna
    >>> from sklearn.svm import SVC
    >>> from sklearn_music.tuning.fingerprint import check_fingerprint, search_fingerprint
    >>> folds, X, y = [([0, 1], [2, 3])], [[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1]
    >>> study = optuna.create_study(study_name="demo")
    >>> check_fingerprint(study, search_fingerprint(SVC(), {"C": [1.0]}, "f1_macro",
    ...                                             folds, X, y))
    >>> check_fingerprint(study, search_fingerprint(SVC(kernel="linear"), {"C": [1.0]},
    ...                                             "accuracy", folds, X, y))
    Traceback (most recent call last):
    ...
    ValueError: study 'demo' holds the trials of another search: the estimator's \
parameters: kernel was "rbf", now "linear"; the scoring was 'f1_macro', now 'accuracy'. \
Use another study name, or delete the study (optuna.delete_study, or its SQLite file) to \
start it again.
    """
    recorded = study.user_attrs.get(ATTRIBUTE)
    if recorded is None:
        started = [t for t in study.get_trials(deepcopy=False)
                   if t.state != TrialState.WAITING]
        if started:
            raise ValueError(
                f"study {study.study_name!r} holds {len(started)} trials but no record of "
                "the search that ran them (it was made by another program); use another "
                "study name"
            )
        study.set_user_attr(ATTRIBUTE, fingerprint)
        recorded = study.user_attrs[ATTRIBUTE]  # another process may have been first
    differences = _differences(recorded, fingerprint)
    if differences:
        raise ValueError(
            f"study {study.study_name!r} holds the trials of another search: "
            f"{'; '.join(differences)}. Use another study name, or delete the study "
            "(optuna.delete_study, or its SQLite file) to start it again."
        )


def _short(text, size=60):
    return text if len(text) <= size else f"{text[:size - 3]}..."


def _change(name, before, now):
    if name not in before:
        return f"{name} added"
    return f"{name} removed" if name not in now else f"{name} changed"


def _differences(recorded, current):
    """What differs between two fingerprints, in words."""
    differences = []
    if recorded.get("estimator") != current["estimator"]:
        differences.append(f"the estimator was {recorded.get('estimator')}, now "
                           f"{current['estimator']}")
    before, now = recorded.get("space", {}), current["space"]
    if before != now:
        if isinstance(before, dict) and isinstance(now, dict):
            changes = [_change(name, before, now) for name in sorted(before.keys() | now.keys())
                       if before.get(name) != now.get(name)]
            differences.append(f"the search space: {', '.join(changes)}")
        else:
            differences.append(f"the search space was {_short(str(before))}, now "
                               f"{_short(str(now))}")
    drawn = {name for space in (before, now) if isinstance(space, dict) for name in space}
    before, now = recorded.get("params", {}), current["params"]
    names = sorted(name for name in (before.keys() | now.keys()) - drawn
                   if before.get(name) != now.get(name))
    if names:
        changes = [f"{name} was {_short(before.get(name, '(absent)'))}, now "
                   f"{_short(now.get(name, '(absent)'))}" for name in names[:_SHOWN]]
        more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
        differences.append(f"the estimator's parameters: {', '.join(changes)}{more}")
    if recorded.get("scoring") != current["scoring"]:
        differences.append(f"the scoring was {recorded.get('scoring')!r}, now "
                           f"{current['scoring']!r}")
    differences += [words for part, words in _DIGESTS.items()
                    if recorded.get(part) != current[part]]
    return differences
