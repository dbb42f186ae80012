"""Where studies live: SQLite by default, any SQLAlchemy URL, or an Optuna storage."""

import warnings

import optuna
from optuna.exceptions import ExperimentalWarning
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["FINISHED", "make_storage", "open_study", "count_finished"]

#: Trial states that count towards ``n_trials``: a pruned trial is a finished answer.
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)

#: Seconds between a running trial's heartbeats, and of silence after which a trial
#: whose process died is marked failed (and its parameters queued to run again).
HEARTBEAT_INTERVAL = 30
GRACE_PERIOD = 120


def make_storage(storage, study_name):
    """The Optuna storage for ``storage``, or None for an in-memory study.

    Parameters
    ----------
    storage : "sqlite", str, optuna.storages.BaseStorage or None
        "sqlite" is the file ``<study_name>.db`` in the current directory; a string is a
        SQLAlchemy URL (``sqlite:///path.db``, ``postgresql://user@host/db``); an Optuna
        storage object is used as it is; None keeps the study in memory.
    study_name : str

    Returns
    -------
    optuna.storages.BaseStorage or None
        URLs get a heartbeat, so the trial of a killed process is marked failed after
        ``GRACE_PERIOD`` seconds and its parameters are tried again.

    Examples
    --------
    >>> from sklearn_music.tuning.storage import make_storage
    >>> make_storage(None, "demo") is None
    True
    """
    if storage is None or not isinstance(storage, str):
        return storage
    url = f"sqlite:///{study_name}.db" if storage == "sqlite" else storage
    engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else None
    try:
        with warnings.catch_warnings():  # Optuna calls heartbeats experimental
            warnings.simplefilter("ignore", ExperimentalWarning)
            return RDBStorage(
                url, engine_kwargs=engine_kwargs, heartbeat_interval=HEARTBEAT_INTERVAL,
                grace_period=GRACE_PERIOD,
                heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=1),
            )
    except (ImportError, SQLAlchemyError) as exc:  # no driver, bad URL, server down
        raise ValueError(f"cannot open study storage {url!r}: {exc}") from exc


def open_study(storage, study_name, *, sampler=None, pruner=None):
    """Create the study ``study_name`` (maximising), or load it if it exists.

    Examples
    --------
    >>> from sklearn_music.tuning.storage import open_study
    >>> open_study(None, "demo").direction.name
    'MAXIMIZE'
    """
    study = optuna.create_study(storage=make_storage(storage, study_name),
                                study_name=study_name, direction="maximize",
                                sampler=sampler, pruner=pruner, load_if_exists=True)
    if study.direction != optuna.study.StudyDirection.MAXIMIZE:
        raise ValueError(f"study {study_name!r} minimises; scores are maximised, so "
                         "choose another study name")
    return study


def count_finished(study):
    """Trials of ``study`` that completed or were pruned."""
    return len(study.get_trials(deepcopy=False, states=FINISHED))
