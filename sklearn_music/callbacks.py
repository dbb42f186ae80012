"""skorch callbacks used by :class:`~sklearn_music.CNNClassifier` and
:class:`~sklearn_music.CNNTagger`."""

import warnings

import numpy as np
import torch
from skorch.callbacks import Callback
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import roc_auc_score

__all__ = ["ValidationScore", "accuracy_from_logits", "roc_auc_from_logits"]


def accuracy_from_logits(y_true, logits):
    """Fraction of clips whose largest logit is the true class."""
    return float((logits.argmax(axis=1) == y_true).mean())


def roc_auc_from_logits(y_true, logits):
    """Macro ROC-AUC over the tags that are both present and absent; NaN if none is."""
    both = (y_true.min(axis=0) == 0) & (y_true.max(axis=0) == 1)
    if not both.any():
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return float(roc_auc_score(y_true[:, both], logits[:, both], average="macro"))


class ValidationScore(Callback):
    """Record a score of the validation outputs in the history after every epoch.

    It reuses the outputs of the validation pass that computes ``valid_loss``, so scoring
    costs no extra forward pass (skorch's ``EpochScoring`` would predict again).

    Parameters
    ----------
    name : str
        History key, e.g. ``"valid_acc"``.
    score_func : callable
        ``score_func(y_true, logits) -> float`` on NumPy arrays.

    Examples
    --------
    >>> from sklearn_music.callbacks import ValidationScore, accuracy_from_logits
    >>> ValidationScore("valid_acc", accuracy_from_logits).name
    'valid_acc'
    """

    def __init__(self, name, score_func):
        self.name = name
        self.score_func = score_func

    def initialize(self):
        self._targets, self._logits = [], []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self._targets, self._logits = [], []

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if training or y_pred is None:
            return
        self._targets.append(torch.as_tensor(batch[1]).detach().cpu().numpy())
        self._logits.append(y_pred.detach().float().cpu().numpy())

    def on_epoch_end(self, net, **kwargs):
        if self._logits:
            score = self.score_func(np.concatenate(self._targets), np.concatenate(self._logits))
            net.history.record(self.name, score)
        self._targets, self._logits = [], []
