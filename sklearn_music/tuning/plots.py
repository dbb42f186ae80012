"""Optuna's study plots (matplotlib versions), saved as image files."""

import os
import warnings

from optuna.exceptions import ExperimentalWarning
from optuna.trial import TrialState
from optuna.visualization import matplotlib as optuna_plots

from ..plotting import save_figure

__all__ = ["save_study_plots"]

_PLOTS = {
    "optimization_history": optuna_plots.plot_optimization_history,
    "param_importances": optuna_plots.plot_param_importances,
    "intermediate_values": optuna_plots.plot_intermediate_values,
}


def _skip_reason(name, study):
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        return "no completed trial"
    if name == "param_importances":
        varied = {p for t in complete for p in t.params
                  if len({repr(u.params.get(p)) for u in complete}) > 1}
        if len(complete) < 2 or not varied:
            return "needs two completed trials that differ in a parameter"
    if name == "intermediate_values" and not any(t.intermediate_values for t in study.trials):
        return "no trial reported intermediate values"
    return None


def save_study_plots(study, out_dir, *, fmt="png"):
    """Save the optimisation history, parameter importances and learning curves of a
    study as images.

    ``optimization_history`` shows each trial's score and the best so far;
    ``param_importances`` how much each parameter explains the score (PED-ANOVA, Optuna's
    default evaluator, on the completed trials); ``intermediate_values`` the scores
    reported per fold or epoch, where pruned trials stop. A plot the study cannot
    support yet (one trial, nothing reported) is skipped, with the reason.

    Parameters
    ----------
    study : optuna.Study
        For example ``StudySearchCV.study_``.
    out_dir : str or os.PathLike
        Folder for the images (created if missing); files are ``<plot>.<fmt>``.
    fmt : {"png", "pdf", "svg"}, default="png"

    Returns
    -------
    result : dict
        ``{"saved": {plot: path}, "skipped": {plot: reason}}``.

    Examples
    --------
    >>> import tempfile
    >>> import optuna
    >>> from sklearn_music.tuning import save_study_plots
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(direction="maximize",
    ...                             sampler=optuna.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: -(t.suggest_float("x", -2, 2) - 1) ** 2, n_trials=8)
    >>> result = save_study_plots(study, tempfile.mkdtemp())
    >>> sorted(result["saved"]), result["skipped"]
    (['optimization_history', 'param_importances'], {'intermediate_values': \
'no trial reported intermediate values'})
    """
    import matplotlib.pyplot as plt

    saved, skipped = {}, {}
    for name, plot in _PLOTS.items():
        reason = _skip_reason(name, study)
        if reason:
            skipped[name] = reason
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExperimentalWarning)
            ax = plot(study)
        fig = ax.figure
        fig.set_size_inches(8, 5)
        fig.tight_layout()
        saved[name] = save_figure(fig, os.path.join(out_dir, f"{name}.{fmt}"))
        plt.close(fig)
    return {"saved": saved, "skipped": skipped}
