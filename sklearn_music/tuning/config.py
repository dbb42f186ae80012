"""A tuning run described in a TOML file, as ``sklearn-music tune CONFIG`` runs it.

::

    [data]
    folder = "gtzan/genres"        # one subfolder of audio files per class

    [pipeline]
    kind = "classical"             # "classical": pooled features + SVM; "cnn": log-mel + CNN
    sr = 22050                     # other keys go to make_classical_pipeline or
    duration = 30.0                # make_cnn_pipeline (features, stats, n_mels, max_epochs...)

    [study]
    name = "gtzan-svm"             # default: the config file's name
    storage = "sqlite:///gtzan-svm.db"   # default: <output dir>/<name>.db
    n_trials = 50                  # finished trials wanted in the study
    timeout = 3600                 # seconds (optional)
    cv = 5                         # folds; a fraction such as 0.2 is one stratified hold-out
    scoring = "f1_macro"
    seed = 0
    drop = ["features__chroma__pooling__stats"]   # default-space entries not to tune

    [space]                        # entries replacing or adding to the default space
    clf__C = { low = 0.01, high = 1000.0, log = true }
    clf__gamma = { low = 1e-4, high = 1.0, log = true }
    "features__mfcc__pooling__stats" = [["mean"], ["mean", "std"]]
    "cnn__batch_size" = [16, 32]

    [output]
    dir = "gtzan-svm-tuning"       # plots, best_params.json, trials.csv (default: <name>-tuning)
    model = "best.joblib"          # optional: refit the best parameters on all data, save

Relative paths are relative to the config file. A range ``{low, high}`` of two integers
(and an integer ``step``) is an ``IntDistribution``, otherwise a ``FloatDistribution``;
an array is a list of choices, inner arrays becoming tuples.
"""

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import optuna
from optuna.distributions import FloatDistribution, IntDistribution
from sklearn.model_selection import StratifiedShuffleSplit

from .._atomic import atomic_path
from ..datasets.folder import load_audio_folder
from ..persistence import save_model
from ..pipelines import make_classical_pipeline, make_cnn_pipeline
from .plots import save_study_plots
from .search import StudySearchCV
from .spaces import default_space

__all__ = ["TuningConfig", "load_config", "run_config"]

_KINDS = ("classical", "cnn")
_SECTIONS = {"data", "pipeline", "study", "space", "output"}
_STUDY_KEYS = {"name", "storage", "n_trials", "timeout", "cv", "scoring", "seed", "drop"}


@dataclass
class TuningConfig:
    """A tuning run: data, pipeline, study settings, space overrides and outputs.

    Build it with :func:`load_config` from a TOML file, or directly; run it with
    :func:`run_config`.

    Examples
    --------
    >>> from sklearn_music.tuning import TuningConfig
    >>> TuningConfig(data_folder="genres", name="svm").kind
    'classical'
    """

    data_folder: Path
    name: str
    kind: str = "classical"
    pipeline: dict = field(default_factory=dict)
    storage: str | None = None
    n_trials: int = 20
    timeout: float | None = None
    cv: int | float = 5
    scoring: str = "f1_macro"
    seed: int | None = 0
    drop: list = field(default_factory=list)
    space: dict = field(default_factory=dict)
    out_dir: Path | None = None
    model_path: Path | None = None

    def __post_init__(self):
        self.data_folder = Path(self.data_folder)
        self.out_dir = Path(self.out_dir or f"{self.name}-tuning")
        if self.kind not in _KINDS:
            raise ValueError(f"pipeline kind must be one of {_KINDS}, got {self.kind!r}")
        if isinstance(self.cv, bool) or not (
            (isinstance(self.cv, int) and self.cv >= 2)
            or (isinstance(self.cv, float) and 0 < self.cv < 1)
        ):
            raise ValueError(f"study cv must be a number of folds >= 2 or a hold-out "
                             f"fraction between 0 and 1, got {self.cv!r}")
        if self.storage is None:
            self.storage = f"sqlite:///{self.out_dir / self.name}.db"


def _distribution(name, spec):
    if isinstance(spec, list):
        if not spec:
            raise ValueError(f"space entry {name!r}: the list of choices is empty")
        return [tuple(c) if isinstance(c, list) else c for c in spec]
    if not isinstance(spec, dict) or not {"low", "high"} <= set(spec) or (
        set(spec) - {"low", "high", "log", "step"}
    ):
        raise ValueError(f"space entry {name!r} must be a list of choices or a table "
                         f"{{low, high, log, step}}, got {spec!r}")
    numbers = [spec["low"], spec["high"]] + ([spec["step"]] if "step" in spec else [])
    kind = IntDistribution if all(isinstance(v, int) for v in numbers) else FloatDistribution
    try:
        return kind(**spec)
    except ValueError as exc:
        raise ValueError(f"space entry {name!r}: {exc}") from None


def load_config(path):
    """Read a tuning config from a TOML file (see the module's description).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    TuningConfig

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_music.tuning import load_config
    >>> path = os.path.join(tempfile.mkdtemp(), "svm.toml")
    >>> with open(path, "w") as f:
    ...     _ = f.write('[data]\\nfolder = "genres"\\n[space]\\nclf__C = {low = 0.1, high = 10.0}\\n')
    >>> config = load_config(path)
    >>> config.name, config.space["clf__C"].high, config.storage.endswith("svm.db")
    ('svm', 10.0, True)
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(raw) - _SECTIONS
    if unknown:
        raise ValueError(f"{path}: unknown sections {sorted(unknown)}; expected "
                         f"{sorted(_SECTIONS)}")
    study = raw.get("study", {})
    if set(study) - _STUDY_KEYS:
        raise ValueError(f"{path}: unknown [study] keys {sorted(set(study) - _STUDY_KEYS)}; "
                         f"expected {sorted(_STUDY_KEYS)}")
    if "folder" not in raw.get("data", {}):
        raise ValueError(f"{path}: [data] folder is missing: the folder with one subfolder "
                         "of audio files per class")
    drop = study.get("drop", [])
    if not isinstance(drop, list) or not all(isinstance(name, str) for name in drop):
        raise ValueError(f"{path}: [study] drop must be an array of parameter names, such as "
                         f'drop = ["clf__gamma"]; got {drop!r}')
    base = path.parent
    pipeline = dict(raw.get("pipeline", {}))
    output = raw.get("output", {})
    storage = study.get("storage")
    if storage and storage.startswith("sqlite:///") and not storage.startswith("sqlite:////"):
        storage = f"sqlite:///{base / storage[len('sqlite:///'):]}"
    name = study.get("name", path.stem)
    return TuningConfig(
        data_folder=base / raw["data"]["folder"],
        name=name,
        kind=pipeline.pop("kind", "classical"),
        pipeline=pipeline,
        storage=storage,
        n_trials=study.get("n_trials", 20),
        timeout=study.get("timeout"),
        cv=study.get("cv", 5),
        scoring=study.get("scoring", "f1_macro"),
        seed=study.get("seed", 0),
        drop=drop,
        space={k: _distribution(k, v) for k, v in raw.get("space", {}).items()},
        out_dir=base / output.get("dir", f"{name}-tuning"),
        model_path=base / output["model"] if "model" in output else None,
    )


def _make_pipeline(config):
    make = make_classical_pipeline if config.kind == "classical" else make_cnn_pipeline
    params = dict(config.pipeline)
    if config.kind == "cnn":
        params.setdefault("random_state", config.seed)
    try:
        return make(**params)
    except TypeError as exc:
        raise ValueError(f"[pipeline] of kind {config.kind!r}: {exc}") from None


def run_config(config, *, progress=False):
    """Run the study of a :class:`TuningConfig` and write its results.

    Writes into ``config.out_dir``: the plots of
    :func:`~sklearn_music.tuning.save_study_plots`, ``best_params.json`` and
    ``trials.csv`` (one row per trial); with ``model_path``, the best pipeline refitted
    on all the data (:func:`~sklearn_music.persistence.save_model`).

    Parameters
    ----------
    config : TuningConfig
    progress : bool, default=False
        Let Optuna log each trial (on stderr).

    Returns
    -------
    result : dict
        Study name and storage, trials finished, best score and parameters, and the
        files written.
    """
    data = load_audio_folder(config.data_folder)
    pipeline = _make_pipeline(config)
    defaults = default_space(pipeline)
    unknown = sorted(set(config.drop) - set(defaults))
    if unknown:
        raise ValueError(f"[study] drop names {unknown}, which are not in the default space "
                         f"of this pipeline: {sorted(defaults)}")
    space = default_space(pipeline, {**dict.fromkeys(config.drop), **config.space})
    cv = config.cv
    if isinstance(cv, float):
        cv = StratifiedShuffleSplit(n_splits=1, test_size=cv, random_state=config.seed)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    search = StudySearchCV(pipeline, space, scoring=config.scoring, cv=cv,
                           n_trials=config.n_trials, timeout=config.timeout,
                           storage=config.storage, study_name=config.name,
                           refit=config.model_path is not None, random_state=config.seed)
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.INFO if progress else optuna.logging.WARNING)
    try:
        search.fit(data.paths, data.target)
    finally:
        optuna.logging.set_verbosity(verbosity)
    files = {}
    with atomic_path(config.out_dir / "best_params.json") as tmp:
        with open(tmp, "w") as f:
            json.dump({"best_score": search.best_score_,
                       "best_params": search.best_params_}, f, indent=2, default=repr)
    files["best_params"] = str(config.out_dir / "best_params.json")
    with atomic_path(config.out_dir / "trials.csv") as tmp:
        search.study_.trials_dataframe().to_csv(tmp, index=False)
    files["trials"] = str(config.out_dir / "trials.csv")
    plots = save_study_plots(search.study_, config.out_dir)
    files.update(plots["saved"])
    if config.model_path is not None:
        files["model"] = save_model(search.best_estimator_, config.model_path, metadata={
            "study": config.name, "best_score": search.best_score_,
            "best_params": {k: repr(v) for k, v in search.best_params_.items()}})
    return {
        "study": config.name,
        "storage": config.storage,
        "trials": search.n_trials_,
        "scoring": config.scoring,
        "best_score": search.best_score_,
        "best_params": search.best_params_,
        "files": files,
        "skipped_plots": plots["skipped"],
    }
