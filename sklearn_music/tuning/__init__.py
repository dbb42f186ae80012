"""Tune whole Pipelines (features and model together) with Optuna.

:class:`StudySearchCV` runs a cross-validated Optuna study over any estimator, stored in
SQLite by default so that a killed search resumes, or in any SQLAlchemy database shared
by several processes; hopeless trials are pruned after each fold, or after each epoch
for CNNs (:class:`EpochPruning`). :func:`default_space` gives each known step a default
search space, which the user overrides; :func:`save_study_plots` draws Optuna's plots;
:func:`run_config` runs a study described by a TOML file (``sklearn-music tune``).
"""

from .config import TuningConfig, load_config, run_config
from .plots import save_study_plots
from .pruning import EpochPruning
from .search import StudySearchCV
from .spaces import DEFAULT_SPACES, default_space, sample_params, space_name, to_distributions

__all__ = ["StudySearchCV", "EpochPruning", "DEFAULT_SPACES", "default_space",
           "sample_params", "to_distributions", "space_name", "save_study_plots",
           "TuningConfig", "load_config", "run_config"]
