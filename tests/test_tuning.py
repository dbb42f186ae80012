"""Tests of sklearn_music.tuning: spaces, the stored and resumable search, pruning by fold
and by epoch, plots, the TOML config, and a search killed and resumed in a subprocess."""

import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import optuna
import pytest
import torch
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import FixedTrial, TrialState
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import cross_validate
from sklearn.pipeline import Pipeline, make_pipeline, make_union
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_music import CNNClassifier, TempoEstimator
from sklearn_music.features import MFCC, Pooling
from sklearn_music.models import SimpleCNN
from sklearn_music.tuning import (
    EpochPruning,
    StudySearchCV,
    default_space,
    load_config,
    sample_params,
    save_study_plots,
    space_name,
    to_distributions,
)
from sklearn_music.tuning.storage import count_finished

WORKER = Path(__file__).with_name("tuning_worker.py")
C_SPACE = {"logisticregression__C": FloatDistribution(1e-3, 1e2, log=True)}


@pytest.fixture(autouse=True, scope="module")
def quiet_single_thread():
    """One torch thread (tiny nets on 2 shared cores run ~40x faster) and no trial logs."""
    threads, verbosity = torch.get_num_threads(), optuna.logging.get_verbosity()
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    yield
    torch.set_num_threads(threads)
    optuna.logging.set_verbosity(verbosity)


@pytest.fixture(scope="module")
def table():
    return make_classification(n_samples=60, n_features=5, n_informative=3,
                               n_classes=3, random_state=0)


@pytest.fixture(scope="module")
def spectrograms():
    """Tiny labelled 'spectrograms': class a is louder in the two lowest bands."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 8, 8)).astype(np.float32)
    y = np.repeat(["a", "b"], 16)
    X[y == "a", :2] += 2.0
    return X, y


def _logistic():
    return make_pipeline(StandardScaler(), LogisticRegression())


# ------------------------------------------------------------------------------ spaces
def test_default_space_prefixes_every_known_step():
    pipe = Pipeline([
        ("features", make_union(make_pipeline(MFCC(), Pooling()))),
        ("scale", StandardScaler()),
        ("svm", SVC()),
    ])
    space = default_space(pipe)
    assert sorted(space) == [
        "features__pipeline__mfcc__n_mfcc",
        "features__pipeline__pooling__stats",
        "svm__C",
        "svm__gamma",
    ]
    assert space["svm__C"].log
    params = sample_params(optuna.create_study().ask(), space)
    pipe.set_params(**params)  # every name is one that set_params takes
    assert pipe.get_params()["svm__C"] == params["svm__C"]


def test_default_space_of_cnn_has_the_issue_parameters():
    space = default_space(CNNClassifier())
    assert {"lr", "batch_size", "dropout", "weight_decay", "module__width",
            "architecture"} <= set(space)
    assert space["lr"].log and space["weight_decay"].log
    # a user's own network may take no width, and its class must stay
    assert {"architecture", "module__width"}.isdisjoint(default_space(CNNClassifier(SimpleCNN)))


def test_default_space_overrides_replace_add_and_remove():
    pipe = make_pipeline(StandardScaler(), SVC())
    space = default_space(pipe, {"svc__C": FloatDistribution(0.1, 1.0),
                                 "svc__kernel": ["rbf", "linear"], "svc__gamma": None})
    assert space == {"svc__C": FloatDistribution(0.1, 1.0), "svc__kernel": ["rbf", "linear"]}
    with pytest.raises(TypeError, match="svc__C"):
        default_space(pipe, {"svc__C": (0.1, 1.0)})
    with pytest.raises(TypeError, match="svc__C"):
        default_space(pipe, {"svc__C": []})


def test_unknown_estimators_get_an_empty_space():
    assert default_space(StandardScaler()) == {}
    with pytest.raises(ValueError, match="nothing to tune"):
        StudySearchCV(StandardScaler(), storage=None).fit(np.zeros((4, 2)))


def test_sample_params_decodes_choices_optuna_cannot_store():
    space = {"pool__stats": [("mean",), ("mean", "std")], "k": IntDistribution(1, 9),
             "arch": CategoricalDistribution(["simple", "resnet"])}
    trial = FixedTrial({"pool__stats": "('mean', 'std')", "k": 3, "arch": "resnet"})
    assert sample_params(trial, space) == {"pool__stats": ("mean", "std"), "k": 3,
                                           "arch": "resnet"}
    study = optuna.create_study()
    params = sample_params(study.ask(), space)
    assert params["pool__stats"] in space["pool__stats"]
    assert sample_params(FixedTrial({"x": 2}), lambda t: {"a__b": t.suggest_int("x", 1, 5)}) \
        == {"a__b": 2}


def test_to_distributions_feeds_optuna_search_cv(table, tmp_path):
    from optuna_integration import OptunaSearchCV

    X, y = table
    space = to_distributions({**C_SPACE, "logisticregression__fit_intercept": [True, False]})
    assert space["logisticregression__fit_intercept"] == CategoricalDistribution([True, False])
    study = optuna.create_study(storage=f"sqlite:///{tmp_path}/o.db", study_name="o",
                                direction="maximize")
    with pytest.warns(optuna.exceptions.ExperimentalWarning):
        search = OptunaSearchCV(_logistic(), space, cv=2, n_trials=3, study=study,
                                scoring="f1_macro", random_state=0)
    search.fit(X, y)
    assert len(optuna.load_study(study_name="o", storage=f"sqlite:///{tmp_path}/o.db")
               .trials) == 3
    with pytest.raises(ValueError, match="pool__stats"):
        to_distributions({"pool__stats": [("mean",), ("mean", "std")]})


def test_space_name_is_stable_and_tells_searches_apart():
    space = default_space(SVC())
    assert space_name(SVC(), space, "f1_macro") == space_name(SVC(C=3), dict(space), "f1_macro")
    assert space_name(SVC(), space, "f1_macro") != space_name(SVC(), space, "accuracy")
    assert space_name(SVC(), space, "f1_macro").startswith("svc-")


def _macro_f1(estimator, X, y):
    return f1_score(y, estimator.predict(X), average="macro")


def _copy(function):
    """The same function as another object, at another address: as another process has it."""
    return types.FunctionType(function.__code__, function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)


def test_functions_are_named_by_what_they_are_not_where_they_live():
    space = default_space(SVC())
    named = space_name(SVC(), space, _macro_f1)
    assert space_name(SVC(), space, _copy(_macro_f1)) == named  # a rerun resumes
    scorers = [make_scorer(f1_score, average=average) for average in ("macro", "macro", "micro")]
    names = [space_name(SVC(), space, scorer) for scorer in scorers]  # by their repr
    assert names[0] == names[1] != names[2] and named not in names
    small = lambda trial: {"svc__C": trial.suggest_float("C", 0.1, 1.0)}  # noqa: E731
    large = lambda trial: {"svc__C": trial.suggest_float("C", 1.0, 10.0)}  # noqa: E731
    assert space_name(SVC(), small, "f1_macro") != space_name(SVC(), large, "f1_macro")
    assert space_name(SVC(), _copy(small), "f1_macro") == space_name(SVC(), small, "f1_macro")


def test_choices_that_compare_equal_but_differ_in_type_stay_apart():
    space = {"rf__max_features": [1, 1.0], "b": [True, 1], "kernel": ["rbf", "linear"]}
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    drawn = {(repr(p["rf__max_features"]), repr(p["b"]))
             for p in (sample_params(study.ask(), space) for _ in range(20))}
    assert drawn == {("1", "True"), ("1", "1"), ("1.0", "True"), ("1.0", "1")}
    params = sample_params(FixedTrial({"rf__max_features": "1.0", "b": "1", "kernel": "rbf"}),
                           space)
    assert [type(params[k]) for k in ("rf__max_features", "b")] == [float, int]
    assert to_distributions({"k": [1, 2.5, None]}) == {"k": CategoricalDistribution([1, 2.5,
                                                                                     None])}
    with pytest.raises(ValueError, match="compare equal but differ in type"):
        to_distributions({"rf__max_features": [1, 1.0]})


# ------------------------------------------------------------------------------ search
def test_search_finds_a_good_model_and_delegates(table):
    X, y = table
    search = StudySearchCV(_logistic(), C_SPACE, cv=3, n_trials=6, storage=None,
                           random_state=0).fit(X, y)
    assert search.n_trials_ == 6 and len(search.study_.trials) == 6
    assert search.best_score_ == max(t.value for t in search.study_.trials
                                     if t.state == TrialState.COMPLETE)
    assert search.best_score_ > 0.6  # chance is 1/3
    assert set(search.best_params_) == set(C_SPACE)
    assert search.best_estimator_[-1].C == search.best_params_["logisticregression__C"]
    assert search.predict(X).shape == (60,)
    assert search.predict_proba(X).shape == (60, 3)
    assert search.score(X, y) > 0.6
    results = search.cv_results_
    assert len(results["mean_test_score"]) == 6
    assert {"split0_test_score", "split2_test_score", "param_logisticregression__C"} <= set(
        results)
    assert all(":" in t.user_attrs["worker"] for t in search.study_.trials)


def test_scoring_defaults_to_macro_f1(table):
    X, y = table
    search = StudySearchCV(_logistic(), C_SPACE, cv=3, n_trials=1, storage=None,
                           refit=False).fit(X, y)
    trial = search.study_.trials[0]
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    model = _logistic().set_params(**search.best_params_)
    expected = cross_val_score(model, X, y, cv=StratifiedKFold(3), scoring="f1_macro")
    assert trial.value == pytest.approx(expected.mean())
    assert not hasattr(search, "predict") and not hasattr(search, "best_estimator_")


def test_same_seed_same_search(table):
    X, y = table
    runs = [StudySearchCV(_logistic(), C_SPACE, cv=2, n_trials=4, storage=None,
                          random_state=3).fit(X, y) for _ in range(2)]
    assert [t.params for t in runs[0].study_.trials] == [t.params for t in runs[1].study_.trials]


def test_sqlite_by_default_and_rerun_resumes(table, tmp_path, monkeypatch):
    X, y = table
    monkeypatch.chdir(tmp_path)
    first = StudySearchCV(_logistic(), C_SPACE, cv=2, n_trials=3, random_state=0).fit(X, y)
    assert Path(f"{first.study_name_}.db").is_file()
    before = {t.number: (t.params, t.value) for t in first.study_.trials}

    more = StudySearchCV(_logistic(), C_SPACE, cv=2, n_trials=5, random_state=0).fit(X, y)
    assert more.study_name_ == first.study_name_
    assert more.n_trials_ == 5 and len(more.study_.trials) == 5
    assert {t.number: (t.params, t.value) for t in more.study_.trials[:3]} == before
    params = [t.params["logisticregression__C"] for t in more.study_.trials]
    assert len(set(params)) == 5, "the resumed run redrew the first run's parameters"

    again = StudySearchCV(_logistic(), C_SPACE, cv=2, n_trials=5, random_state=0).fit(X, y)
    assert len(again.study_.trials) == 5  # nothing left to run: it only refits
    assert again.best_params_ == more.best_params_
    loaded = joblib.load(joblib.dump(again, tmp_path / "search.joblib")[0])
    np.testing.assert_array_equal(loaded.predict(X), again.predict(X))


def test_failed_fits_warn_and_do_not_count(table):
    X, y = table
    space = {"logisticregression__C": [1.0, -1.0]}  # C must be positive
    sampler = optuna.samplers.GridSampler({"logisticregression__C": [1.0, -1.0]}, seed=0)
    with pytest.warns(FitFailedWarning, match=r"trial \d, fold \d: fit failed with "
                                              "InvalidParameterError"):
        search = StudySearchCV(_logistic(), space, cv=2, n_trials=2, storage=None,
                               sampler=sampler, refit=False).fit(X, y)
    states = {t.params["logisticregression__C"]: t.state for t in search.study_.trials}
    assert states == {1.0: TrialState.COMPLETE, -1.0: TrialState.FAIL}
    assert search.n_trials_ == 1
    with pytest.raises(ValueError, match="no trial .* completed; the last fit failed with "
                                         "InvalidParameterError"), \
            pytest.warns(FitFailedWarning):
        StudySearchCV(_logistic(), {"logisticregression__C": [-1.0]}, cv=2, n_trials=1,
                      storage=None).fit(X, y)
    with pytest.raises(ValueError, match="'C' parameter of LogisticRegression"):
        StudySearchCV(_logistic(), {"logisticregression__C": [-1.0]}, cv=2, n_trials=1,
                      storage=None, error_score="raise").fit(X, y)


def test_failed_trials_are_replaced_until_n_trials_finish(table):
    X, y = table
    space = {"logisticregression__C": [-1.0, 1.0, 2.0, 3.0]}  # -1 fails
    with pytest.warns(FitFailedWarning):
        search = StudySearchCV(_logistic(), space, cv=2, n_trials=4, storage=None,
                               sampler=optuna.samplers.RandomSampler(seed=0),
                               refit=False).fit(X, y)
    states = [t.state for t in search.study_.trials]
    assert TrialState.FAIL in states[:4]
    assert search.n_trials_ == states.count(TrialState.COMPLETE) == 4


def test_the_search_stops_after_n_trials_failures_in_a_row(table):
    X, y = table
    storage = optuna.storages.InMemoryStorage()
    with pytest.raises(ValueError, match="no trial of study 'fail' completed"), \
            pytest.warns(FitFailedWarning):
        StudySearchCV(_logistic(), {"logisticregression__C": [-1.0]}, cv=2, n_trials=3,
                      storage=storage, study_name="fail").fit(X, y)
    trials = optuna.load_study(study_name="fail", storage=storage).trials
    assert [t.state for t in trials] == [TrialState.FAIL] * 3

    def first_only(trial):  # the first trial fits, the others fail
        return {"logisticregression__C": 1.0 if trial.number == 0 else -1.0}

    with pytest.warns(UserWarning, match="stopped after 2 failed trials in a row, with 1 of "
                                         "the 2 finished trials wanted"), \
            pytest.warns(FitFailedWarning):
        search = StudySearchCV(_logistic(), first_only, cv=2, n_trials=2, storage=None,
                               refit=False).fit(X, y)
    assert [t.state for t in search.study_.trials] == [TrialState.COMPLETE, TrialState.FAIL,
                                                        TrialState.FAIL]


def test_refit_false_says_what_is_missing(table):
    X, y = table
    search = StudySearchCV(_logistic(), C_SPACE, cv=2, n_trials=1, storage=None,
                           refit=False).fit(X, y)
    with pytest.raises(AttributeError) as predict:
        search.predict(X)
    assert "'predict' needs refit=True" in str(predict.value.__cause__)  # available_if's
    for attr in ("classes_", "n_features_in_"):
        assert not hasattr(search, attr)
        with pytest.raises(AttributeError, match=f"'{attr}' needs refit=True"):
            getattr(search, attr)
    with pytest.raises(AttributeError, match="'score' needs refit=True"):
        search.score(X, y)


def test_misspelt_space_names_stop_the_search(table):
    X, y = table
    with pytest.raises(ValueError, match="Invalid parameter 'CC'"):
        StudySearchCV(_logistic(), {"logisticregression__CC": [1.0]}, cv=2, n_trials=1,
                      storage=None).fit(X, y)


def test_a_stored_study_resumes_only_its_own_search(table, tmp_path, monkeypatch):
    X, y = table
    monkeypatch.chdir(tmp_path)
    first = StudySearchCV(_logistic(), C_SPACE, cv=2, n_trials=2, random_state=0).fit(X, y)
    name = first.study_name_

    def refused(estimator, X, y, message, **params):
        search = StudySearchCV(estimator, C_SPACE, n_trials=3, random_state=0,
                               **{"cv": 2, "study_name": name, **params})
        with pytest.raises(ValueError, match=f"^study '{name}' holds the trials of another "
                                             f"search: {message}"):
            search.fit(X, y)
        assert len(optuna.load_study(study_name=name, storage=f"sqlite:///{name}.db")
                   .trials) == 2  # refused before running a trial

    # given the default name of the first search (another search's default is its own)
    refused(make_pipeline(PCA(2), LogisticRegression()), X, y,
            "the estimator's parameters: pca was .absent., now \"PCA\", ")
    refused(make_pipeline(StandardScaler(), LogisticRegression(tol=0.1)), X, y,
            "the estimator's parameters: logisticregression__tol was 0.0001, now 0.1\\. Use "
            "another study name, or delete the study")
    refused(_logistic(), X + 1.0, y, "the data X differs\\. Use")  # the same folds
    refused(_logistic(), X[:40], y[:40], "the cross-validation folds \\(cv or the number of "
                                         "samples\\) differ; the data X differs; the target "
                                         "y differs\\. Use")
    refused(_logistic(), X, y, "the cross-validation folds .* differ\\. Use", cv=3)
    refused(_logistic(), X, y, "the scoring was 'f1_macro', now 'accuracy'\\. Use",
            scoring="accuracy")
    # what changes only the speed, and the seed, do not make another search
    faster = make_pipeline(StandardScaler(), LogisticRegression(), memory=str(tmp_path),
                           verbose=False)
    resumed = StudySearchCV(faster, C_SPACE, cv=2, n_trials=3, random_state=1).fit(X, list(y))
    assert resumed.study_name_ == name and len(resumed.study_.trials) == 3
    # string labels as a list, an array or a Series (which NumPy holds as objects)
    labels = np.where(np.asarray(y) == y[0], "rock", "jazz")
    for n_trials, given in enumerate([list(labels), labels, pd.Series(labels)], start=1):
        StudySearchCV(_logistic(), C_SPACE, cv=2, n_trials=n_trials, random_state=0,
                      study_name="labels").fit(X, given)


def test_default_study_names_tell_searches_apart_so_nested_cv_works(table, tmp_path,
                                                                    monkeypatch):
    # Each outer fold's search opened the one default study of the first, which refused
    # the other folds' data ("holds the trials of another search").
    X, y = table
    monkeypatch.chdir(tmp_path)
    search = StudySearchCV(_logistic(), C_SPACE, cv=2, n_trials=2, random_state=0)
    scores = cross_validate(search, X, y, cv=3, return_estimator=True)
    names = {fitted.study_name_ for fitted in scores["estimator"]}
    assert len(names) == 3 and all(n.startswith("logisticregression-") for n in names)
    assert sorted(p.stem for p in tmp_path.glob("*.db")) == sorted(names)
    again = cross_validate(search, X, y, cv=3, return_estimator=True)  # each resumes its own
    assert {fitted.study_name_ for fitted in again["estimator"]} == names
    assert all(len(fitted.study_.trials) == 2 for fitted in again["estimator"])


def test_auto_scoring_is_macro_f1_for_classifiers_and_score_otherwise(table):
    X, y = table
    search = StudySearchCV(_logistic(), C_SPACE, cv=2, n_trials=1, storage=None).fit(X, y)
    assert search.scorer_._score_func.__name__ == "f1_score"
    # TempoEstimator is no classifier: macro F1 failed every trial ("a mix of binary and
    # continuous targets"); its own score is Acc1
    rng = np.random.default_rng(0)
    clicks = []
    for bpm in (90.0, 120.0, 100.0, 140.0):
        y_clip = np.zeros(4 * 8000, dtype=np.float32)
        for beat in np.arange(0.1, 3.9, 60.0 / bpm):
            y_clip[int(beat * 8000):int(beat * 8000) + 100] = rng.standard_normal(100)
        clicks.append(y_clip)
    tempo = StudySearchCV(TempoEstimator(sr=8000), {"prior_octaves": [0.5, 1.0]}, cv=2,
                          n_trials=2, storage=None, random_state=0)
    tempo.fit(clicks, [90.0, 120.0, 100.0, 140.0])
    assert tempo.best_score_ == 1.0


def test_a_changed_space_is_refused_before_any_trial(table):
    X, y = table
    storage = optuna.storages.InMemoryStorage()
    StudySearchCV(_logistic(), C_SPACE, cv=2, n_trials=2, storage=storage, study_name="s",
                  random_state=0, refit=False).fit(X, y)
    for space, message in [
        ({**C_SPACE, "logisticregression__tol": [1e-4, 1e-3]}, "logisticregression__tol added"),
        ({"logisticregression__C": [0.1, 1.0]}, "logisticregression__C changed"),
        ({"logisticregression__tol": [1e-4, 1e-3]}, "logisticregression__C removed, "
                                                   "logisticregression__tol added"),
    ]:
        with pytest.raises(ValueError, match=f"the search space: {message}"):
            StudySearchCV(_logistic(), space, cv=2, n_trials=4, storage=storage,
                          study_name="s").fit(X, y)
    assert len(optuna.load_study(study_name="s", storage=storage).trials) == 2


def test_a_study_of_another_program_is_used_only_while_nothing_ran_in_it(table):
    X, y = table
    storage = optuna.storages.InMemoryStorage()
    ran = optuna.create_study(storage=storage, study_name="ran", direction="maximize")
    ran.optimize(lambda trial: trial.suggest_float("logisticregression__C", 0.1, 1.0),
                 n_trials=1)
    with pytest.raises(ValueError, match="study 'ran' holds 1 trials but no record of the "
                                         "search that ran them"):
        StudySearchCV(_logistic(), C_SPACE, cv=2, n_trials=2, storage=storage,
                      study_name="ran").fit(X, y)
    queued = optuna.create_study(storage=storage, study_name="queued", direction="maximize")
    queued.enqueue_trial({"logisticregression__C": 0.5})
    search = StudySearchCV(_logistic(), C_SPACE, cv=2, n_trials=2, storage=storage,
                           study_name="queued", refit=False).fit(X, y)
    assert search.study_.trials[0].params == {"logisticregression__C": 0.5}


def test_bad_storage_url_is_a_clear_error(table):
    X, y = table
    with pytest.raises(ValueError, match="cannot open study storage 'nosuchdb://"):
        StudySearchCV(_logistic(), C_SPACE, n_trials=1, storage="nosuchdb://x").fit(X, y)


# ----------------------------------------------------------------------------- pruning
def test_classical_trials_are_pruned_after_a_bad_fold(table):
    X, y = table
    grid = {"logisticregression__C": [1e-5, 10.0]}  # the tiny C predicts one class
    search = StudySearchCV(_logistic(), grid, cv=3, n_trials=2, storage=None,
                           sampler=optuna.samplers.GridSampler(grid, seed=0),
                           pruner=optuna.pruners.ThresholdPruner(lower=0.4)).fit(X, y)
    by_c = {t.params["logisticregression__C"]: t for t in search.study_.trials}
    assert by_c[1e-5].state == TrialState.PRUNED
    assert list(by_c[1e-5].intermediate_values) == [0]
    assert by_c[10.0].state == TrialState.COMPLETE
    assert list(by_c[10.0].intermediate_values) == [0, 1, 2]
    assert search.n_trials_ == 2  # a pruned trial is a finished trial


def _cnn(**params):
    return CNNClassifier("simple", max_epochs=3, module__width=4, patience=None,
                         random_state=0, **params)


def test_cnn_trials_report_every_epoch_of_every_fold(spectrograms):
    X, y = spectrograms
    search = StudySearchCV(make_pipeline(_cnn()), {"cnnclassifier__lr": [1e-3]}, cv=2,
                           n_trials=1, storage=None, refit=False,
                           pruner=optuna.pruners.NopPruner()).fit(X, y)
    trial = search.study_.trials[0]
    assert sorted(trial.intermediate_values) == [0, 1, 2, 3, 4, 5]  # fold k at 3k + epoch
    assert all(0 <= v <= 1 for v in trial.intermediate_values.values())


def test_cnn_trials_are_pruned_after_an_epoch(spectrograms):
    X, y = spectrograms
    search = StudySearchCV(_cnn(), {"lr": [1e-3]}, cv=2, n_trials=1, storage=None,
                           pruner=optuna.pruners.ThresholdPruner(lower=1.5), refit=False)
    with pytest.raises(ValueError, match="no trial .* completed"):
        search.fit(X, y)
    trial = search.study_.trials[0]
    assert trial.state == TrialState.PRUNED
    assert list(trial.intermediate_values) == [0]  # stopped after the first epoch


def test_cnn_without_validation_is_pruned_by_fold(spectrograms):
    X, y = spectrograms
    search = StudySearchCV(_cnn(validation_fraction=0.0), {"lr": [1e-3]}, cv=2, n_trials=1,
                           storage=None, refit=False,
                           pruner=optuna.pruners.NopPruner()).fit(X, y)
    assert sorted(search.study_.trials[0].intermediate_values) == [0, 1]


def test_epoch_pruning_monitor_and_missing_scores(spectrograms):
    X, y = spectrograms
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.NopPruner())
    trial = study.ask()
    _cnn(callbacks=[("prune", EpochPruning(trial, "valid_loss", step_offset=10))]).fit(X, y)
    values = study.trials[0].intermediate_values
    assert sorted(values) == [10, 11, 12] and all(v > 0 for v in values.values())
    trial = study.ask()
    _cnn(callbacks=[("prune", EpochPruning(trial, "no_such_score"))]).fit(X, y)
    assert study.trials[1].intermediate_values == {}


# ----------------------------------------------------------------------- kill & resume
def _worker(storage, study, n_trials, seed, *extra):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, str(WORKER), storage, study, str(n_trials),
                             str(seed), *extra], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_killed_search_resumes_and_keeps_finished_trials(tmp_path):
    storage, name, n_trials = f"sqlite:///{tmp_path}/killed.db", "killed", 12
    process = _worker(storage, name, n_trials, 0, "--delay", "0.1", "--grace", "1")
    deadline = time.monotonic() + 60
    study = None
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
        try:
            study = optuna.load_study(study_name=name, storage=storage)
        except KeyError:  # not created yet
            continue
        states = [t.state for t in study.trials]
        if states.count(TrialState.COMPLETE) >= 3 and TrialState.RUNNING in states:
            break
    assert process.poll() is None, process.communicate()[1][-2000:]
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed = optuna.load_study(study_name=name, storage=storage).trials
    done = {t.number: (t.params, t.value) for t in killed if t.state == TrialState.COMPLETE}
    running = [t.number for t in killed if t.state == TrialState.RUNNING]
    assert len(done) >= 3 and len(running) == 1
    assert count_finished(optuna.load_study(study_name=name, storage=storage)) < n_trials

    time.sleep(1.5)  # past the grace period: the killed trial's heartbeat is stale
    out, err = _worker(storage, name, n_trials, 0, "--delay", "0.1",  # the same search
                       "--grace", "1").communicate(timeout=120)
    assert out.strip() == str(n_trials), err[-2000:]
    trials = optuna.load_study(study_name=name, storage=storage).trials
    assert {t.number: (t.params, t.value) for t in trials if t.number in done} == done
    orphan = trials[running[0]]
    assert orphan.state == TrialState.FAIL
    retried = [t for t in trials if t.system_attrs.get("failed_trial") == orphan.number]
    assert len(retried) == 1 and retried[0].params == orphan.params  # resumed where it stopped
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == n_trials
    c_values = [t.params["logisticregression__C"] for t in finished]
    assert len(set(c_values)) == n_trials, "the resumed run repeated earlier parameters"


# ------------------------------------------------------------------------------- plots
def test_study_plots_are_saved_as_images(table, tmp_path):
    X, y = table
    search = StudySearchCV(_logistic(), C_SPACE, cv=2, n_trials=4, storage=None,
                           random_state=0, refit=False).fit(X, y)
    result = save_study_plots(search.study_, tmp_path / "plots")
    assert set(result["saved"]) == {"optimization_history", "param_importances",
                                    "intermediate_values"}
    for path in result["saved"].values():
        assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    one = optuna.create_study(direction="maximize")
    one.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    skipped = save_study_plots(one, tmp_path / "one", fmt="svg")
    assert set(skipped["saved"]) == {"optimization_history"}
    assert "two completed trials" in skipped["skipped"]["param_importances"]


# ------------------------------------------------------------------------------ config
def _write(path, text):
    path.write_text(text)
    return path


def test_load_config_parses_spaces_and_resolves_paths(tmp_path):
    config = load_config(_write(tmp_path / "run.toml", """
[data]
folder = "notes"
[pipeline]
kind = "cnn"
n_mels = 32
[study]
n_trials = 7
cv = 0.25
drop = ["cnn__architecture"]
[space]
cnn__lr = { low = 1e-4, high = 1e-2, log = true }
cnn__batch_size = { low = 8, high = 32, step = 8 }
"features__mfcc__pooling__stats" = [["mean"], ["mean", "std"]]
[output]
model = "best.joblib"
"""))
    assert config.data_folder == tmp_path / "notes"
    assert (config.kind, config.pipeline, config.n_trials, config.cv) == ("cnn", {"n_mels": 32},
                                                                          7, 0.25)
    assert config.space["cnn__lr"] == FloatDistribution(1e-4, 1e-2, log=True)
    assert config.space["cnn__batch_size"] == IntDistribution(8, 32, step=8)
    assert config.space["features__mfcc__pooling__stats"] == [("mean",), ("mean", "std")]
    assert config.out_dir == tmp_path / "run-tuning"
    assert config.storage == f"sqlite:///{tmp_path / 'run-tuning' / 'run'}.db"
    assert config.model_path == tmp_path / "best.joblib"
    relative = load_config(_write(tmp_path / "r.toml", '[data]\nfolder = "x"\n[study]\n'
                                  'storage = "sqlite:///s.db"\n'))
    assert relative.storage == f"sqlite:///{tmp_path / 's.db'}"


@pytest.mark.parametrize("text, message", [
    ("[data]\nfolder = 'x'\n[studdy]\n", "unknown sections \\['studdy'\\]"),
    ("[data]\nfolder = 'x'\n[study]\ntrials = 3\n", "unknown \\[study\\] keys \\['trials'\\]"),
    ("[pipeline]\nkind = 'cnn'\n", "\\[data\\] folder is missing"),
    ("[data]\nfolder = 'x'\n[pipeline]\nkind = 'rnn'\n", "kind must be one of"),
    ("[data]\nfolder = 'x'\n[study]\ncv = 1\n", "cv must be a number of folds"),
    ("[data]\nfolder = 'x'\n[space]\na__b = {low = 1}\n", "'a__b' must be a list"),
    ("[data]\nfolder = 'x'\n[space]\na__b = {low = 2, high = 1}\n", "'a__b'"),
    ("[data]\nfolder = 'x'\n[space]\na__b = []\n", "'a__b'.*empty"),
    ("[data\n", "not valid TOML"),
    ("[data]\nfolder = 'x'\n[study]\ndrop = 'clf__C'\n", "drop must be an array of parameter"),
])
def test_bad_configs_say_what_is_wrong(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_config(_write(tmp_path / "bad.toml", text))


def test_a_table_with_a_path_column_counts_whole_in_the_fingerprint():
    # A table's column labels were taken for a list of paths: its first column alone
    # counted (other metadata, same digest), and now the check raised on such tables.
    from sklearn_music.tuning.fingerprint import _data

    one = pd.DataFrame({"path": ["a.wav", "b.wav"], "year": [1990, 2000]})
    other = one.assign(year=[1990, 2001])
    assert _data(one) == _data(one.copy()) and _data(one) != _data(other)
