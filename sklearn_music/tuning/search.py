"""StudySearchCV: cross-validated hyper-parameter search over a whole Pipeline, run as an
Optuna study that is stored, resumable, shareable between processes, and prunes.
"""

import hashlib
import json
import os
import socket
import time
import warnings
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import optuna
from optuna.pruners import BasePruner, MedianPruner
from optuna.samplers import BaseSampler, TPESampler
from optuna.storages import BaseStorage
from optuna.study import MaxTrialsCallback
from optuna.trial import FixedTrial, TrialState
from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context, clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing, check_random_state, indexable
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet

from .fingerprint import check_fingerprint, search_fingerprint
from .pruning import EpochPruning
from .spaces import default_space, sample_params, space_name
from .storage import FINISHED, count_finished, open_study

__all__ = ["StudySearchCV"]


def _find_net(estimator):
    """``(parameter prefix, net)`` of the skorch network in ``estimator``, or None."""
    if isinstance(estimator, NeuralNet):
        return "", estimator
    if not hasattr(estimator, "get_params"):
        return None
    for name, value in estimator.get_params(deep=True).items():
        if isinstance(value, NeuralNet):
            return f"{name}__", value
    return None


def _validates(net):
    """Whether the net scores a validation split after each epoch."""
    fraction = getattr(net, "validation_fraction", None)
    return fraction > 0 if fraction is not None else net.train_split is not None


def _check_refit(search, attr):
    if not search.refit:
        raise AttributeError(f"{attr!r} needs refit=True: with refit=False the search "
                             "fits no best_estimator_")


def _best_has(attr):
    def check(self):
        _check_refit(self, attr)
        getattr(self.best_estimator_ if hasattr(self, "best_estimator_") else self.estimator,
                attr)
        return True

    return check


class _StopAfterFailures:
    """Optuna callback: stop the study after ``limit`` failed trials in a row."""

    def __init__(self, limit):
        self.limit = limit
        self.in_a_row = 0

    def __call__(self, study, trial):
        self.in_a_row = self.in_a_row + 1 if trial.state == TrialState.FAIL else 0
        if self.stopped:
            study.stop()

    @property
    def stopped(self):
        return self.in_a_row >= self.limit


def _default_name(estimator, space, scoring, fingerprint):
    """``<final step>-<space and scoring digest>-<setup digest>``: a name per search."""
    setup = json.dumps(fingerprint, sort_keys=True).encode()
    return f"{space_name(estimator, space, scoring)}-{hashlib.sha1(setup).hexdigest()[:8]}"


class StudySearchCV(MetaEstimatorMixin, BaseEstimator):
    """Tune a whole Pipeline (features and model together) with an Optuna study.

    Each trial draws parameters from ``space``, sets them on a clone of the estimator,
    and scores it by cross-validation (macro F1 by default); the study's sampler (TPE)
    picks the next parameters from the results so far. Then the best parameters are
    refitted on all the data, as in ``GridSearchCV``.

    The study lives in ``storage``, a SQLite file by default, where every trial is
    written as it finishes: a search that is killed resumes where it stopped when it is
    run again, and ``n_trials`` is the number of finished trials wanted in the study, so
    a rerun only runs what is missing (and a finished study just refits). Any number
    of processes, on any number of machines, can run the same search on one database
    (PostgreSQL, MySQL): they share the trials and each stops when the study has
    ``n_trials``; each may finish one trial past it.

    A study resumes only the search that created it: the study records the search's
    setup (the estimator's parameters outside the space, the space, the scoring, the
    folds, and digests of ``X``, ``y`` and ``groups``; see
    :mod:`sklearn_music.tuning.fingerprint`), and a search with another setup that opens
    it raises a ValueError naming what differs, before running any trial. Its best
    score would not be this search's, nor its parameters this space's.

    Trials are pruned when the study's pruner finds them worse than the median of the
    others at the same step. For a skorch network (:class:`~sklearn_music.CNNClassifier`,
    :class:`~sklearn_music.CNNTagger`) with a validation split, a step is an epoch:
    :class:`~sklearn_music.tuning.EpochPruning` reports the validation score after each
    epoch of each fold (fold ``k`` at steps ``k * max_epochs + epoch``). For other
    estimators a step is a fold: the mean score of the folds so far is reported after
    each one.

    Parameters
    ----------
    estimator : estimator
        The Pipeline (or any estimator) to tune.
    space : mapping, callable or None, default=None
        Parameter name -> Optuna distribution or list of choices, or a function
        ``space(trial) -> dict of parameters`` (see :mod:`sklearn_music.tuning.spaces`).
        None uses :func:`~sklearn_music.tuning.default_space` of ``estimator``.
    scoring : str, callable or None, default="auto"
        A scikit-learn scorer (higher is better); None uses the estimator's ``score``.
        "auto" is macro F1 (``"f1_macro"``) for classifiers, which weighs rare classes as
        much as common ones, and the estimator's ``score`` for anything else (Acc1 for
        :class:`~sklearn_music.TempoEstimator`, R² for a regressor).
    cv : int, cross-validation generator or iterable, default=5
        As in ``GridSearchCV``: an int is a (stratified, for classifiers) k-fold without
        shuffling, so every trial and every process sees the same folds.
    n_trials : int, default=20
        Finished (completed or pruned) trials wanted in the study, counting those of
        earlier runs and of other processes.
    timeout : float or None, default=None
        Stop starting trials after this many seconds of this call.
    storage : "sqlite", str, optuna storage or None, default="sqlite"
        "sqlite" stores the study in ``<study_name>.db`` in the current directory; a
        SQLAlchemy URL (``"sqlite:///studies.db"``,
        ``"postgresql://user:password@host/db"``) or an ``optuna.storages`` object
        stores it there; None keeps it in memory (nothing to resume). For a URL, a
        trial whose process died is marked failed two minutes later and its parameters
        are queued to run again.
    study_name : str or None, default=None
        None names the study after the final step's class, a digest of the space and
        scoring and a digest of the whole setup (estimator parameters, folds, data), so
        running the same search again resumes it and any other search, such as the same
        search on each outer fold of a nested cross-validation, gets a study of its own.
        Two searches given the same name on other estimators or data cannot share the
        study: give them other names.
    sampler : optuna.samplers.BaseSampler or None, default=None
        None is a ``TPESampler`` seeded from ``random_state`` and the number of trials
        already in the study (a resumed search does not redraw the killed run's
        parameters).
    pruner : optuna.pruners.BasePruner or None, default=None
        None is a ``MedianPruner`` that prunes from the 6th trial on, after 3 epochs for
        networks; ``optuna.pruners.NopPruner()`` never prunes.
    error_score : "raise" or float, default=np.nan
        Score of a fold whose fit fails, with a ``FitFailedWarning``; a trial with a NaN
        score is recorded as failed and does not count towards ``n_trials`` (the search
        stops after ``n_trials`` failed trials in a row). "raise" stops the search with
        the error.
    refit : bool, default=True
        Fit the best parameters on all the data, as ``best_estimator_``.
    random_state : int, RandomState instance or None, default=None
        Seeds the default sampler. Give each process of a shared study its own seed.

    Attributes
    ----------
    study_ : optuna.Study
        The study, with every trial of every run and process.
    study_name_ : str
        Its name.
    best_trial_ : optuna.trial.FrozenTrial
        The best completed trial.
    best_params_ : dict
        The parameters it set on the estimator.
    best_score_ : float
        Its mean cross-validated score.
    best_estimator_ : estimator
        The estimator with ``best_params_``, fitted on all the data (with ``refit``).
    refit_time_ : float
        Seconds the refit took.
    cv_results_ : dict of lists
        One entry per finished trial of the study: ``number``, ``state``,
        ``mean_test_score``, ``std_test_score``, ``split<k>_test_score``, ``params`` and
        ``param_<name>``; pass it to ``pandas.DataFrame``.
    n_trials_ : int
        Finished trials in the study after this fit.
    scorer_ : callable
        The scorer.
    n_splits_ : int
        Folds per trial.

    See Also
    --------
    sklearn_music.tuning.default_space : The default spaces.
    optuna_integration.OptunaSearchCV : Optuna's own search estimator; it takes
        :func:`~sklearn_music.tuning.to_distributions` of a space.

    Examples
    --------
    >>> from optuna.distributions import IntDistribution
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn_music.tuning import StudySearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> search = StudySearchCV(KNeighborsClassifier(),
    ...                        {"n_neighbors": IntDistribution(1, 15),
    ...                         "weights": ["uniform", "distance"]},
    ...                        cv=3, n_trials=4, storage=None, random_state=0)
    >>> search.fit(X, y).n_trials_
    4
    >>> sorted(search.best_params_)
    ['n_neighbors', 'weights']
    >>> search.predict(X[:2]).tolist()
    [0, 0]
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"])],
        "space": [Mapping, callable, None],
        "scoring": [StrOptions(set(get_scorer_names()) | {"auto"}), callable, None],
        "cv": ["cv_object"],
        "n_trials": [Interval(Integral, 1, None, closed="left")],
        "timeout": [Interval(Real, 0, None, closed="neither"), None],
        "storage": [str, BaseStorage, None],
        "study_name": [str, None],
        "sampler": [BaseSampler, None],
        "pruner": [BasePruner, None],
        "error_score": [StrOptions({"raise"}), Real],
        "refit": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator, space=None, *, scoring="auto", cv=5, n_trials=20,
                 timeout=None, storage="sqlite", study_name=None, sampler=None, pruner=None,
                 error_score=np.nan, refit=True, random_state=None):
        self.estimator = estimator
        self.space = space
        self.scoring = scoring
        self.cv = cv
        self.n_trials = n_trials
        self.timeout = timeout
        self.storage = storage
        self.study_name = study_name
        self.sampler = sampler
        self.pruner = pruner
        self.error_score = error_score
        self.refit = refit
        self.random_state = random_state

    # ------------------------------------------------------------------- fitting
    def _space(self):
        space = default_space(self.estimator) if self.space is None else self.space
        if not callable(space) and not space:
            raise ValueError(
                f"nothing to tune: the search space is empty (no step of "
                f"{type(self.estimator).__name__} has a default space); pass space="
            )
        return space

    def _open(self, fingerprint):
        net = _find_net(self.estimator)
        pruner = self.pruner or MedianPruner(n_startup_trials=5,
                                             n_warmup_steps=3 if net else 0)
        study = open_study(self.storage, self.study_name_, pruner=pruner)
        check_fingerprint(study, fingerprint)
        if self.sampler is not None:
            study.sampler = self.sampler
        else:
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            entropy = np.random.SeedSequence([seed, len(study.get_trials(deepcopy=False))])
            study.sampler = TPESampler(seed=int(entropy.generate_state(1)[0]))
        return study

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, groups=None):
        """Run the study until it holds ``n_trials`` finished trials, then refit.

        Failed trials do not count: trials are run until ``n_trials`` have finished,
        unless ``timeout`` passes, the sampler has nothing left to try, or ``n_trials``
        trials in a row fail (a ``UserWarning``; a ValueError when none completed).
        The study must be this search's: a stored study that another search ran (other
        estimator parameters, space, scoring, folds or data) is a ValueError, raised
        before any trial runs.

        Parameters
        ----------
        X : array-like of shape (n_clips, ...)
            What the estimator's ``fit`` takes: audio paths, waveforms, features.
        y : array-like of shape (n_clips,) or (n_clips, n_tags), default=None
        groups : array-like of shape (n_clips,), default=None
            Group labels for a group-aware ``cv`` (``GroupKFold``): artists, instruments.

        Returns
        -------
        self : StudySearchCV
        """
        space = self._space()
        X, y, groups = indexable(X, y, groups)
        scoring = self.scoring
        if scoring == "auto":
            scoring = "f1_macro" if is_classifier(self.estimator) else None
        self.scorer_ = check_scoring(self.estimator, scoring)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(cv.split(X, y, groups))
        self.n_splits_ = len(splits)
        fingerprint = search_fingerprint(self.estimator, space, scoring, splits, X, y, groups)
        self.study_name_ = self.study_name or _default_name(self.estimator, space, scoring,
                                                            fingerprint)
        study = self._open(fingerprint)
        failures = _StopAfterFailures(self.n_trials)
        if count_finished(study) < self.n_trials:
            study.optimize(
                lambda trial: self._evaluate(trial, space, X, y, splits),
                timeout=self.timeout,
                callbacks=[MaxTrialsCallback(self.n_trials, states=FINISHED), failures],
            )
        self.study_ = study
        self.n_trials_ = count_finished(study)
        try:
            self.best_trial_ = study.best_trial
        except ValueError:
            errors = [t.user_attrs["fit_error"] for t in study.get_trials(deepcopy=False)
                      if "fit_error" in t.user_attrs]
            reason = f"; the last fit failed with {errors[-1]}" if errors else ""
            raise ValueError(
                f"no trial of study {self.study_name_!r} completed{reason}"
            ) from None
        if failures.stopped:
            warnings.warn(f"study {self.study_name_!r} stopped after {failures.limit} failed "
                          f"trials in a row, with {self.n_trials_} of the {self.n_trials} "
                          "finished trials wanted", UserWarning, stacklevel=2)
        self.best_params_ = sample_params(FixedTrial(self.best_trial_.params), space)
        self.best_score_ = self.best_trial_.value
        if self.refit:
            start = time.perf_counter()
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_)
            self.best_estimator_.fit(X, y)
            self.refit_time_ = time.perf_counter() - start
        return self

    def _evaluate(self, trial, space, X, y, splits):
        """The objective: mean cross-validated score of one parameter draw."""
        params = sample_params(trial, space)
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
        scores, fit_times = [], []
        for fold, (train, test) in enumerate(splits):
            model = clone(self.estimator).set_params(**params)
            by_epoch = self._attach_pruning(model, trial, fold)
            start = time.perf_counter()
            try:
                model.fit(_safe_indexing(X, train), None if y is None else _safe_indexing(y, train))
                score = self.scorer_(model, _safe_indexing(X, test),
                                     None if y is None else _safe_indexing(y, test))
            except optuna.TrialPruned:
                raise
            except Exception as exc:
                if self.error_score == "raise":
                    raise
                error = f"{type(exc).__name__}: {exc}"
                trial.set_user_attr("fit_error", error)
                warnings.warn(f"trial {trial.number}, fold {fold}: fit failed with {error}; "
                              f"its score is {self.error_score}", FitFailedWarning,
                              stacklevel=2)
                score = self.error_score
            fit_times.append(time.perf_counter() - start)
            scores.append(float(score))
            trial.set_user_attr(f"split{fold}_test_score", scores[-1])
            if not by_epoch and np.isfinite(scores).all():
                trial.report(float(np.mean(scores)), fold)
                if trial.should_prune():
                    raise optuna.TrialPruned(f"pruned after fold {fold} with a mean score "
                                             f"of {np.mean(scores):.4f}")
        trial.set_user_attr("std_test_score", float(np.std(scores)))
        trial.set_user_attr("mean_fit_time", float(np.mean(fit_times)))
        return float(np.mean(scores))

    @staticmethod
    def _attach_pruning(model, trial, fold):
        """Give the model's network an EpochPruning callback; False if it has none."""
        found = _find_net(model)
        if found is None or not _validates(found[1]):
            return False
        prefix, net = found
        callback = EpochPruning(trial, step_offset=fold * net.max_epochs)
        model.set_params(**{f"{prefix}callbacks": [*(net.callbacks or []),
                                                   ("optuna_pruning", callback)]})
        return True

    # ------------------------------------------------------------------- results
    @property
    def cv_results_(self):
        """One entry per finished trial of the study (see the class's Attributes)."""
        check_is_fitted(self, "study_")
        trials = self.study_.get_trials(deepcopy=False, states=FINISHED)
        names = sorted({name for t in trials for name in t.params})
        results = {"number": [t.number for t in trials],
                   "state": [t.state.name for t in trials],
                   "mean_test_score": [t.value for t in trials],
                   "std_test_score": [t.user_attrs.get("std_test_score") for t in trials],
                   "params": [t.params for t in trials]}
        for k in range(self.n_splits_):
            results[f"split{k}_test_score"] = [t.user_attrs.get(f"split{k}_test_score")
                                              for t in trials]
        for name in names:
            results[f"param_{name}"] = [t.params.get(name) for t in trials]
        return results

    @property
    def n_features_in_(self):
        """Features seen by ``best_estimator_`` in fit."""
        _check_refit(self, "n_features_in_")
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.n_features_in_

    @property
    def classes_(self):
        """Class labels of ``best_estimator_``."""
        _check_refit(self, "classes_")
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.classes_

    @available_if(_best_has("predict"))
    def predict(self, X):
        """``best_estimator_.predict(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X)

    @available_if(_best_has("predict_proba"))
    def predict_proba(self, X):
        """``best_estimator_.predict_proba(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_proba(X)

    @available_if(_best_has("decision_function"))
    def decision_function(self, X):
        """``best_estimator_.decision_function(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.decision_function(X)

    @available_if(_best_has("transform"))
    def transform(self, X):
        """``best_estimator_.transform(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.transform(X)

    def score(self, X, y=None):
        """The search's score (``scoring``) of ``best_estimator_`` on (X, y).

        Parameters
        ----------
        X : array-like
        y : array-like, default=None

        Returns
        -------
        score : float

        Raises
        ------
        AttributeError
            The search was fitted with ``refit=False``.
        """
        _check_refit(self, "score")
        check_is_fitted(self, "best_estimator_")
        return self.scorer_(self.best_estimator_, X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self.estimator.__sklearn_tags__()
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.input_tags = inner.input_tags
        tags.target_tags = inner.target_tags
        return tags
