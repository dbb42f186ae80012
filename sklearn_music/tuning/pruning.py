"""Stop hopeless CNN trials early: report the validation score to Optuna after each epoch."""

import math

import optuna
from skorch.callbacks import Callback

__all__ = ["EpochPruning"]

_SKIPPED = ("valid_loss", "valid_batch_count")


class EpochPruning(Callback):
    """A skorch callback that reports the validation score to an Optuna trial after
    every epoch, and ends the trial with :class:`optuna.TrialPruned` when the study's
    pruner judges it hopeless.

    Unlike ``optuna_integration.SkorchPruningCallback``, it can report the folds of a
    cross-validation to one trial: fold ``k`` reports at steps ``step_offset + epoch``
    with ``step_offset = k * max_epochs``, so that every trial's step ``s`` is the same
    fold and epoch, and the pruner compares like with like. Epochs without a finite
    value of the monitored score (no validation clips, an undefined ROC-AUC) report
    nothing.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The trial being evaluated; its study's direction must be "maximize".
    monitor : str or None, default=None
        History key to report, a score where higher is better. None takes the first
        ``valid_*`` score of the epoch other than the loss: ``valid_acc`` for
        :class:`~sklearn_music.CNNClassifier` (and skorch's ``NeuralNetClassifier``),
        ``valid_auc`` for :class:`~sklearn_music.CNNTagger`.
    step_offset : int, default=0
        Added to the epoch index (from 0) to give the reported step.

    Examples
    --------
    >>> import numpy as np
    >>> import optuna
    >>> from sklearn_music import CNNClassifier
    >>> from sklearn_music.tuning import EpochPruning
    >>> X = np.random.default_rng(0).normal(size=(24, 8, 8)).astype(np.float32)
    >>> y = np.repeat(["a", "b"], 12)
    >>> study = optuna.create_study(direction="maximize")
    >>> trial = study.ask()
    >>> net = CNNClassifier("simple", max_epochs=3, module__width=4, random_state=0,
    ...                     callbacks=[("prune", EpochPruning(trial))]).fit(X, y)
    >>> sorted(study.trials[0].intermediate_values)
    [0, 1, 2]
    """

    def __init__(self, trial, monitor=None, step_offset=0):
        self.trial = trial
        self.monitor = monitor
        self.step_offset = step_offset

    def _score(self, row):
        if self.monitor is not None:
            return row.get(self.monitor)
        for key, value in row.items():
            if key.startswith("valid_") and key not in _SKIPPED and not key.endswith("_best"):
                return value
        return None

    def on_epoch_end(self, net, **kwargs):
        value = self._score(net.history[-1])
        if value is None or not math.isfinite(value):
            return
        epoch = len(net.history) - 1
        self.trial.report(float(value), self.step_offset + epoch)
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned after epoch {epoch} with a validation score "
                                     f"of {value:.4f}")
