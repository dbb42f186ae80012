"""Search spaces: what to tune in a Pipeline, and how to draw it from an Optuna trial.

A *space* maps parameter names, as ``Pipeline.set_params`` takes them
(``"clf__C"``, ``"mel__n_mels"``, ``"cnn__module__width"``), to either

- an Optuna distribution (``FloatDistribution(1e-3, 1e2, log=True)``,
  ``IntDistribution(13, 40)``, ``CategoricalDistribution(["simple", "resnet"])``), or
- a list of choices, as in ``GridSearchCV``'s grids; the choices may be any values, such as
  tuples of statistics for :class:`~sklearn_music.Pooling`. Optuna records the choices of
  a list by their ``repr`` when it cannot store them (tuples) or cannot tell them apart
  (choices that compare equal but differ in type, such as ``1`` and ``1.0``, which
  scikit-learn reads differently in ``max_features``).

A space may also be a function ``space(trial) -> dict of parameters``, for parameters
that depend on one another.

:func:`default_space` builds a space for any estimator, nested Pipelines and
FeatureUnions included, from the defaults of each step it knows (:data:`DEFAULT_SPACES`).
"""

import hashlib
import json
from collections.abc import Mapping
from itertools import combinations

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    distribution_to_json,
)

from .._describe import describe

__all__ = ["DEFAULT_SPACES", "default_space", "sample_params", "to_distributions",
           "space_name"]

_CNN_SPACE = {
    "lr": FloatDistribution(1e-4, 1e-2, log=True),
    "batch_size": CategoricalDistribution([16, 32, 64]),
    "dropout": FloatDistribution(0.0, 0.5),
    "weight_decay": FloatDistribution(1e-5, 1e-1, log=True),
    "module__width": CategoricalDistribution([8, 16, 32]),
    "architecture": CategoricalDistribution(["simple", "resnet", "shortchunk"]),
}
_FOREST_SPACE = {
    "n_estimators": IntDistribution(100, 600, step=100),
    "max_features": CategoricalDistribution(["sqrt", "log2", 0.5]),
    "min_samples_leaf": IntDistribution(1, 8, log=True),
}
_LINEAR_SPACE = {"C": FloatDistribution(1e-3, 1e2, log=True)}

#: Default spaces by class name, for the classes of scikit-learn and sklearn-music.
#: Ranges suit standardised pooled features (classical models) and log-mel
#: spectrograms (CNNs); :func:`default_space` prefixes them with each step's name.
DEFAULT_SPACES = {
    # sklearn-music
    "CNNClassifier": _CNN_SPACE,
    "CNNTagger": _CNN_SPACE,
    "MelSpectrogram": {
        "n_mels": CategoricalDistribution([32, 64, 96, 128]),
        "hop_length": CategoricalDistribution([256, 512, 1024]),
    },
    "MFCC": {"n_mfcc": IntDistribution(13, 40)},
    "Pooling": {
        "stats": [("mean",), ("mean", "std"), ("mean", "std", "min", "max"),
                  ("mean", "std", "p10", "p50", "p90")],
    },
    # scikit-learn
    "SVC": {
        "C": FloatDistribution(1e-2, 1e3, log=True),
        "gamma": FloatDistribution(1e-4, 1.0, log=True),
    },
    "LinearSVC": _LINEAR_SPACE,
    "LogisticRegression": _LINEAR_SPACE,
    "RandomForestClassifier": _FOREST_SPACE,
    "ExtraTreesClassifier": _FOREST_SPACE,
    "HistGradientBoostingClassifier": {
        "learning_rate": FloatDistribution(1e-2, 0.3, log=True),
        "max_leaf_nodes": IntDistribution(8, 64, log=True),
        "min_samples_leaf": IntDistribution(5, 50, log=True),
        "l2_regularization": FloatDistribution(1e-6, 10.0, log=True),
    },
    "KNeighborsClassifier": {
        "n_neighbors": IntDistribution(1, 30, log=True),
        "weights": CategoricalDistribution(["uniform", "distance"]),
    },
    "MLPClassifier": {
        "alpha": FloatDistribution(1e-6, 1e-1, log=True),
        "learning_rate_init": FloatDistribution(1e-4, 1e-2, log=True),
    },
}

_PACKAGES = ("sklearn", "sklearn_music")
_OPTUNA_CHOICE_TYPES = (type(None), bool, int, float, str)


def _defaults_for(estimator):
    """The default space of one estimator (unprefixed), or None."""
    for cls in type(estimator).__mro__:
        if cls.__module__.split(".")[0] in _PACKAGES and cls.__name__ in DEFAULT_SPACES:
            space = dict(DEFAULT_SPACES[cls.__name__])
            if cls.__name__.startswith("CNN") and not isinstance(estimator.architecture, str):
                # a user's own network: its constructor may take no width
                space.pop("architecture")
                space.pop("module__width")
            return space
    return None


def default_space(estimator, overrides=None):
    """The default search space of an estimator and of every step nested in it.

    Each step of a known class (:data:`DEFAULT_SPACES`: sklearn-music's CNNs and feature
    transformers, and scikit-learn's common classifiers) contributes its parameters,
    prefixed by its path in the estimator (``"clf__C"``,
    ``"features__mfcc__mfcc__n_mfcc"``); other steps contribute nothing.

    Parameters
    ----------
    estimator : estimator
        Usually a Pipeline.
    overrides : mapping or None, default=None
        Changes to the defaults, by full parameter name: a distribution or a list of
        choices replaces or adds an entry, None removes it.

    Returns
    -------
    space : dict
        Parameter name -> Optuna distribution or list of choices.

    Examples
    --------
    >>> from optuna.distributions import FloatDistribution
    >>> from sklearn.pipeline import Pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.svm import SVC
    >>> from sklearn_music.tuning import default_space
    >>> pipe = Pipeline([("scale", StandardScaler()), ("svm", SVC())])
    >>> sorted(default_space(pipe))
    ['svm__C', 'svm__gamma']
    >>> space = default_space(pipe, {"svm__C": FloatDistribution(0.1, 10.0, log=True),
    ...                              "svm__gamma": None})
    >>> space
    {'svm__C': FloatDistribution(high=10.0, log=True, low=0.1, step=None)}
    """
    steps = [("", estimator)]
    if hasattr(estimator, "get_params"):
        steps += [(f"{name}__", value) for name, value in estimator.get_params(deep=True).items()
                  if hasattr(value, "get_params") and not isinstance(value, type)]
    space = {}
    for prefix, step in steps:
        for name, spec in (_defaults_for(step) or {}).items():
            space[prefix + name] = spec
    for name, spec in (overrides or {}).items():
        if spec is None:
            space.pop(name, None)
        else:
            space[name] = _check_spec(name, spec)
    return space


def _check_spec(name, spec):
    if isinstance(spec, BaseDistribution):
        return spec
    if isinstance(spec, list) and spec:
        return spec
    raise TypeError(
        f"the search space entry {name!r} must be an Optuna distribution or a non-empty "
        f"list of choices, got {spec!r}"
    )


def _labels(choices):
    """How Optuna records a list of choices: the choices themselves when it can store
    them all (None, bool, int, float, str) and tell them apart, else their reprs.

    Optuna finds a choice by ``==``, so 1, 1.0 and True would all be recorded as the
    first of them.
    """
    if all(isinstance(c, _OPTUNA_CHOICE_TYPES) for c in choices) and not any(
        a == b and type(a) is not type(b) for a, b in combinations(choices, 2)
    ):
        return list(choices)
    labels = [repr(c) for c in choices]
    if len(set(labels)) < len(labels):
        raise ValueError(f"choices {choices!r} have equal reprs, so Optuna cannot tell "
                         "them apart")
    return labels


def sample_params(trial, space):
    """Draw one value per entry of ``space`` from an Optuna trial.

    Parameters
    ----------
    trial : optuna.trial.Trial or optuna.trial.FixedTrial
    space : mapping or callable
        See the module's description.

    Returns
    -------
    params : dict
        Ready for ``estimator.set_params(**params)``.

    Examples
    --------
    >>> from optuna.distributions import FloatDistribution
    >>> from optuna.trial import FixedTrial
    >>> from sklearn_music.tuning import sample_params
    >>> space = {"svm__C": FloatDistribution(0.1, 10.0, log=True),
    ...          "pool__stats": [("mean",), ("mean", "std")]}
    >>> sample_params(FixedTrial({"svm__C": 2.0, "pool__stats": "('mean', 'std')"}), space)
    {'svm__C': 2.0, 'pool__stats': ('mean', 'std')}
    """
    if callable(space):
        return dict(space(trial))
    params = {}
    for name, spec in space.items():
        spec = _check_spec(name, spec)
        if isinstance(spec, FloatDistribution):
            params[name] = trial.suggest_float(name, spec.low, spec.high, step=spec.step,
                                               log=spec.log)
        elif isinstance(spec, IntDistribution):
            params[name] = trial.suggest_int(name, spec.low, spec.high, step=spec.step,
                                             log=spec.log)
        elif isinstance(spec, CategoricalDistribution):
            params[name] = trial.suggest_categorical(name, list(spec.choices))
        elif isinstance(spec, list):
            labels = _labels(spec)
            params[name] = spec[labels.index(trial.suggest_categorical(name, labels))]
        else:
            raise TypeError(f"the search space entry {name!r} is a "
                            f"{type(spec).__name__}, which sample_params cannot draw from")
    return params


def to_distributions(space):
    """A space as a dict of Optuna distributions only, for ``OptunaSearchCV``.

    Lists of choices become ``CategoricalDistribution``. ``OptunaSearchCV`` passes the
    drawn values to ``set_params`` as they are, so choices Optuna cannot store (tuples,
    such as :class:`~sklearn_music.Pooling`'s ``stats``) or cannot tell apart (``1`` and
    ``1.0``, ``True`` and ``1``) raise an error: drop them, or use
    :class:`~sklearn_music.tuning.StudySearchCV`, which takes them.

    Parameters
    ----------
    space : mapping

    Returns
    -------
    distributions : dict of str -> optuna.distributions.BaseDistribution

    Examples
    --------
    >>> from sklearn_music.tuning import to_distributions
    >>> to_distributions({"svm__kernel": ["rbf", "linear"]})
    {'svm__kernel': CategoricalDistribution(choices=('rbf', 'linear'))}
    """
    if not isinstance(space, Mapping):
        raise TypeError(f"to_distributions needs a mapping, got {type(space).__name__}")
    distributions = {}
    for name, spec in space.items():
        spec = _check_spec(name, spec)
        if isinstance(spec, list):
            if _labels(spec) != spec:
                raise ValueError(
                    f"the choices of {name!r} ({spec!r}) are not all None, bool, int, float "
                    "or str, or some compare equal but differ in type (1 and 1.0), which "
                    "OptunaSearchCV cannot tell apart; drop the entry or use StudySearchCV"
                )
            spec = CategoricalDistribution(spec)
        distributions[name] = spec
    return distributions


def space_name(estimator, space, scoring):
    """A short, stable name for a search: the final step's class and a digest of the
    space and scoring, so rerunning the same search reopens the same study.

    Functions (a callable space or scorer) count by ``module.qualname``, lambdas and
    nested functions also by their code (:func:`~sklearn_music._describe.describe`),
    scikit-learn scorers by their repr. The study itself records the whole setup
    (estimator, data, folds), so that a search never resumes another's study.

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> from sklearn_music.tuning import default_space, space_name
    >>> space_name(SVC(), default_space(SVC()), "f1_macro")[:4]
    'svc-'
    """
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    text = json.dumps([describe_space(space), describe_scoring(scoring)], sort_keys=True)
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    return f"{type(final).__name__.lower()}-{digest}"


def describe_scoring(scoring):
    """A JSON-able description of a scoring: a name (or None) as text, a callable by
    :func:`~sklearn_music._describe.describe`."""
    return describe(scoring) if callable(scoring) else str(scoring)


def describe_space(space):
    """A JSON-able description of a space: its function's name, or each entry's
    distribution or recorded choices."""
    if callable(space):
        return describe(space)
    described = {}
    for name, spec in sorted(space.items()):
        spec = _check_spec(name, spec)
        described[name] = (distribution_to_json(spec) if isinstance(spec, BaseDistribution)
                           else _labels(spec))
    return described
