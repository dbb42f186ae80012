"""Classification reports: accuracy, precision, recall and F1, overall and per class."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.utils.multiclass import unique_labels

__all__ = ["ClassificationSummary", "summarize_classification"]


@dataclass(frozen=True)
class ClassificationSummary:
    """The scores of a single-label classifier on one test set.

    Attributes
    ----------
    accuracy : float
        Fraction of clips classified correctly.
    precision, recall, f1 : float
        Macro averages over the classes (each class counts the same, whatever its size).
    per_class : pandas.DataFrame
        precision, recall, f1 and support (number of true clips) for each class,
        indexed by the labels themselves (``per_class.loc[1]`` for integer labels).
    confusion : ndarray of shape (n_classes, n_classes)
        Counts: row = true class, column = predicted class.
    labels : ndarray
        The class order of ``per_class`` and ``confusion``.
    """

    accuracy: float
    precision: float
    recall: float
    f1: float
    per_class: pd.DataFrame
    confusion: np.ndarray
    labels: np.ndarray

    def to_dict(self):
        """The summary as plain Python types, ready for ``json.dumps``; labels become
        strings."""
        return {
            "accuracy": self.accuracy,
            "precision_macro": self.precision,
            "recall_macro": self.recall,
            "f1_macro": self.f1,
            "per_class": {
                str(label): {k: float(v) for k, v in row.items()}
                for label, row in self.per_class.iterrows()
            },
            "labels": [str(label) for label in self.labels],
            "confusion_matrix": self.confusion.tolist(),
        }

    def __str__(self):
        table = self.per_class.to_string(float_format=lambda v: f"{v:.3f}")
        n = int(self.per_class["support"].sum())
        return (
            f"{table}\n\n"
            f"accuracy          {self.accuracy:.3f}  ({n} clips)\n"
            f"macro precision   {self.precision:.3f}\n"
            f"macro recall      {self.recall:.3f}\n"
            f"macro F1          {self.f1:.3f}"
        )


def summarize_classification(y_true, y_pred, *, labels=None):
    """Compute accuracy, macro and per-class precision, recall, F1 and the confusion matrix.

    Parameters
    ----------
    y_true : array-like of shape (n_clips,)
        True labels (strings or integers).
    y_pred : array-like of shape (n_clips,)
        Predicted labels.
    labels : array-like, default=None
        Class order; by default the sorted union of both.

    Returns
    -------
    ClassificationSummary

    Examples
    --------
    >>> from sklearn_music.evaluation import summarize_classification
    >>> s = summarize_classification(["jazz", "rock", "rock"], ["jazz", "rock", "jazz"])
    >>> round(s.accuracy, 3), round(s.f1, 3)
    (0.667, 0.667)
    >>> s.per_class.loc["rock", "recall"]
    np.float64(0.5)
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            f"y_true and y_pred must be 1-D of the same length, got {y_true.shape} "
            f"and {y_pred.shape}"
        )
    labels = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    p, r, f, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    per_class = pd.DataFrame(
        {"precision": p, "recall": r, "f1": f, "support": support},
        index=pd.Index(labels, name="class"),
    )
    return ClassificationSummary(
        accuracy=float(accuracy_score(y_true, y_pred)),
        precision=float(p.mean()),
        recall=float(r.mean()),
        f1=float(f.mean()),
        per_class=per_class,
        confusion=confusion_matrix(y_true, y_pred, labels=labels),
        labels=labels,
    )
