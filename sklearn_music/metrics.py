"""Scores of music information retrieval, as plain functions and scikit-learn scorers.

Each function takes ``(y_true, y_pred)`` like :mod:`sklearn.metrics` and follows the
evaluation rule of the field as implemented in ``mir_eval`` (the tests compare the numbers):

- keys: :func:`mirex_key_score`, MIREX's weighted score (1 for the right key, 0.5 for the
  key a fifth above, 0.3 for the relative, 0.2 for the parallel key);
- tempo: :func:`tempo_accuracy1` and :func:`tempo_accuracy2` (within 4 % of the reference;
  Acc2 also forgives octave errors, factors 2, 3, 1/2 and 1/3), and :func:`tempo_p_score`
  for references given as two tempi and a weight;
- chords: :func:`chord_score`, the duration-weighted chord symbol recall under one of
  ``mir_eval.chord``'s vocabularies (``"majmin"``, ``"root"``, ...);
- tags: :func:`tagging_scores`, ROC-AUC and PR-AUC averaged over tags (macro) and over
  clip-tag pairs (micro).

The ``*_scorer`` objects go wherever scikit-learn takes ``scoring``::

    cross_val_score(KeyEstimator(), paths, keys, scoring=mirex_key_scorer)
"""

from numbers import Real

import mir_eval
import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, make_scorer, roc_auc_score
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

__all__ = [
    "mirex_key_score",
    "tempo_accuracy1",
    "tempo_accuracy2",
    "tempo_p_score",
    "chord_score",
    "tagging_scores",
    "mirex_key_scorer",
    "tempo_accuracy1_scorer",
    "tempo_accuracy2_scorer",
    "chord_majmin_scorer",
    "chord_root_scorer",
    "roc_auc_macro_scorer",
    "roc_auc_micro_scorer",
    "pr_auc_macro_scorer",
    "pr_auc_micro_scorer",
]

_PITCH_CLASS = {
    "c": 0, "c#": 1, "db": 1, "d": 2, "d#": 3, "eb": 3, "e": 4, "f": 5, "f#": 6, "gb": 6,
    "g": 7, "g#": 8, "ab": 8, "a": 9, "a#": 10, "bb": 10, "b": 11,
}  # fmt: skip

_CHORD_VOCABULARIES = (
    "root", "majmin", "majmin_inv", "thirds", "thirds_inv", "triads", "triads_inv",
    "tetrads", "tetrads_inv", "sevenths", "sevenths_inv", "mirex",
)  # fmt: skip


def _parse_key(label):
    """'Eb minor' -> (3, 'minor'); 21 -> (9, 'minor'); unknown key -> (None, None).

    Whole numbers 0-23 index ``KEY_NAMES`` (what :class:`~sklearn_music.KeyEstimator`
    predicts when fitted with them). An unknown key is "X" (mir_eval's), -1 (Lerch's
    annotations), or a missing value: None (``load_gtzan``'s key of a clip without one),
    NaN or ``pd.NA`` (pandas' missing values).
    """
    if label is None or label is pd.NA or (isinstance(label, Real) and np.isnan(label)):
        return None, None
    if isinstance(label, Real) and not isinstance(label, bool) and float(label).is_integer():
        if not -1 <= label <= 23:
            raise ValueError(f"integer key labels must be 0-23 (or -1 for unknown), got {label}")
        if label == -1:
            return None, None
        return int(label) % 12, "minor" if label >= 12 else "major"
    if not isinstance(label, str):
        raise ValueError(
            "key labels must be names such as 'C major' or indices 0-23 into KEY_NAMES, "
            f"got {label!r}"
        )
    if label.strip().lower() == "x":
        return None, None
    parts = label.split()
    if len(parts) != 2 or parts[0].lower() not in _PITCH_CLASS:
        raise ValueError(
            f"invalid key label {label!r}: expected '<tonic> <mode>' such as 'C major', "
            "'F# minor' or 'Eb major', or 'X' for an unknown key"
        )
    if parts[1] not in ("major", "minor", "other"):
        raise ValueError(f"invalid key label {label!r}: mode must be 'major', 'minor' or 'other'")
    return _PITCH_CLASS[parts[0].lower()], parts[1]


#: The interval from the reference tonic up to its relative key's, by reference mode.
_RELATIVE = {"major": 9, "minor": 3}


def _key_credit(reference, estimate):
    ref_tonic, ref_mode = _parse_key(reference)
    est_tonic, est_mode = _parse_key(estimate)
    if (ref_tonic, ref_mode) == (est_tonic, est_mode):
        return 1.0
    if ref_tonic is None or est_tonic is None:
        return 0.0
    interval = (est_tonic - ref_tonic) % 12
    if est_mode == ref_mode:
        return 0.5 if interval == 7 else 0.0
    if interval == _RELATIVE.get(ref_mode):
        return 0.3  # relative key: same key signature
    if interval == 0:
        return 0.2  # parallel key: same tonic
    return 0.0


def _check_pair(y_true, y_pred, what):
    y_true = np.asarray(y_true, dtype=object if what == "key" else float).ravel()
    y_pred = np.asarray(y_pred, dtype=object if what == "key" else float).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred hold different numbers of {what}s: "
            f"{y_true.shape[0]} and {y_pred.shape[0]}"
        )
    if y_true.size == 0:
        raise ValueError(f"no {what}s to score: y_true is empty")
    return y_true, y_pred


@validate_params(
    {"y_true": ["array-like"], "y_pred": ["array-like"]}, prefer_skip_nested_validation=True
)
def mirex_key_score(y_true, y_pred):
    """MIREX weighted key score, averaged over clips.

    Each estimate earns 1.0 for the reference key, 0.5 for the key a perfect fifth *above*
    the reference in the same mode (not the fifth below), 0.3 for the relative key and 0.2
    for the parallel key, as ``mir_eval.key.weighted_score``. Like mir_eval, the relative
    and parallel keys only need a mode other than the reference's: against ``"C major"``,
    ``"A other"`` earns 0.3 and ``"C other"`` 0.2.

    Parameters
    ----------
    y_true : array-like of shape (n_clips,)
        Reference keys such as ``"A minor"`` or ``"Eb major"`` (mode ``"major"``,
        ``"minor"`` or ``"other"``), or indices 0-23 into
        :data:`~sklearn_music.features.key_profiles.KEY_NAMES`; ``"X"``, -1, None or NaN
        is an unknown key.
    y_pred : array-like of shape (n_clips,)
        Estimated keys, in the same forms.

    Returns
    -------
    score : float
        Mean credit, in [0, 1].

    Examples
    --------
    >>> from sklearn_music.metrics import mirex_key_score
    >>> mirex_key_score(["C major", "C major", "A minor"], ["C major", "G major", "C major"])
    0.6
    """
    y_true, y_pred = _check_pair(y_true, y_pred, "key")
    return float(np.mean([_key_credit(t, p) for t, p in zip(y_true, y_pred)]))


def _check_tempi(y_true, y_pred):
    y_true, y_pred = _check_pair(y_true, y_pred, "tempo")
    if not (np.all(np.isfinite(y_true)) and np.all(y_true > 0)):
        raise ValueError("reference tempi must be positive finite numbers (BPM)")
    if not (np.all(np.isfinite(y_pred)) and np.all(y_pred >= 0)):
        raise ValueError("estimated tempi must be non-negative finite numbers (BPM)")
    return y_true, y_pred


_TOL = Interval(Real, 0, 1, closed="both")


def _relative_error(estimate, reference):
    """``|estimate - reference| / reference`` (inf where the reference is 0), the error that
    ``mir_eval.tempo.detection`` compares with its tolerance."""
    error = np.abs(estimate - reference)
    return np.divide(error, reference, out=np.full(error.shape, np.inf), where=reference > 0)


@validate_params(
    {"y_true": ["array-like"], "y_pred": ["array-like"], "tol": [_TOL]},
    prefer_skip_nested_validation=True,
)
def tempo_accuracy1(y_true, y_pred, *, tol=0.04):
    """Acc1: fraction of clips whose tempo is within ``tol`` of the reference.

    Parameters
    ----------
    y_true : array-like of shape (n_clips,)
        Reference tempi in BPM.
    y_pred : array-like of shape (n_clips,)
        Estimated tempi in BPM.
    tol : float, default=0.04
        Relative tolerance: a hit when ``|y_pred - y_true| / y_true <= tol``.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from sklearn_music.metrics import tempo_accuracy1
    >>> round(tempo_accuracy1([120, 90, 100], [121, 180, 150]), 3)
    0.333
    """
    y_true, y_pred = _check_tempi(y_true, y_pred)
    return float(np.mean(_relative_error(y_pred, y_true) <= tol))


_OCTAVE_FACTORS = np.array([1.0, 2.0, 3.0, 1 / 2, 1 / 3])


@validate_params(
    {"y_true": ["array-like"], "y_pred": ["array-like"], "tol": [_TOL]},
    prefer_skip_nested_validation=True,
)
def tempo_accuracy2(y_true, y_pred, *, tol=0.04):
    """Acc2: like Acc1, but an estimate off by a factor 2, 3, 1/2 or 1/3 also counts.

    Parameters
    ----------
    y_true : array-like of shape (n_clips,)
        Reference tempi in BPM.
    y_pred : array-like of shape (n_clips,)
        Estimated tempi in BPM.
    tol : float, default=0.04
        Relative tolerance around each multiple of the reference.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from sklearn_music.metrics import tempo_accuracy2
    >>> round(tempo_accuracy2([120, 90, 100], [121, 180, 150]), 3)
    0.667
    """
    y_true, y_pred = _check_tempi(y_true, y_pred)
    targets = y_true[:, None] * _OCTAVE_FACTORS
    hits = _relative_error(y_pred[:, None], targets) <= tol
    return float(np.mean(hits.any(axis=1)))


@validate_params(
    {
        "reference_tempi": ["array-like"],
        "reference_weight": ["array-like"],
        "estimated_tempi": ["array-like"],
        "tol": [_TOL],
    },
    prefer_skip_nested_validation=True,
)
def tempo_p_score(reference_tempi, reference_weight, estimated_tempi, *, tol=0.08):
    """MIREX P-score for references given as a slow and a fast tempo, averaged over clips.

    A clip scores ``w * hit(slow) + (1 - w) * hit(fast)``, where a reference tempo ``r``
    is hit when one of the two estimates ``e`` has ``|e - r| / r <= tol``
    (``mir_eval.tempo.detection``).

    Parameters
    ----------
    reference_tempi : array-like of shape (n_clips, 2)
        The two reference tempi of each clip in BPM (0 for a missing one).
    reference_weight : array-like of shape (n_clips,)
        Share of listeners who tapped the first tempo, in [0, 1].
    estimated_tempi : array-like of shape (n_clips, 2) or (n_clips,)
        Two estimated tempi per clip, or one (used as both).
    tol : float, default=0.08
        Relative tolerance.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from sklearn_music.metrics import tempo_p_score
    >>> tempo_p_score([[60, 120]], [0.3], [[119, 180]])
    0.7
    """
    ref = np.asarray(reference_tempi, dtype=float)
    if ref.size == 0:
        raise ValueError("no tempi to score: reference_tempi is empty")
    weight = np.asarray(reference_weight, dtype=float).ravel()
    est = np.asarray(estimated_tempi, dtype=float)
    if est.ndim == 1:
        est = np.column_stack([est, est])
    if ref.ndim != 2 or ref.shape[1] != 2 or est.shape != ref.shape:
        raise ValueError(
            "reference_tempi and estimated_tempi must have shape (n_clips, 2) (or (n_clips,) "
            f"for the estimates), got {ref.shape} and {est.shape}"
        )
    if weight.shape != (ref.shape[0],) or np.any((weight < 0) | (weight > 1)):
        raise ValueError("reference_weight must hold one value in [0, 1] per clip")
    if np.any(~np.isfinite(ref) | (ref < 0)) or np.any(ref.max(axis=1) <= 0):
        raise ValueError("reference tempi must be >= 0 with at least one > 0 per clip")
    if np.any(~np.isfinite(est) | (est < 0)):
        raise ValueError("estimated tempi must be non-negative finite numbers (BPM)")
    # (n_clips, 2 references): the error of the nearer estimate; a missing reference misses
    hits = _relative_error(est[:, None, :], ref[:, :, None]).min(axis=2) <= tol
    return float(np.mean(weight * hits[:, 0] + (1 - weight) * hits[:, 1]))


def _check_annotation(item, i, side):
    try:
        intervals, labels = item
    except (TypeError, ValueError):
        raise ValueError(
            f"{side}[{i}] must be a pair (intervals, labels) as mir_eval reads chord files"
        ) from None
    intervals = np.asarray(intervals, dtype=float)
    labels = list(labels)
    if intervals.ndim != 2 or intervals.shape[1] != 2 or len(labels) != len(intervals):
        raise ValueError(
            f"{side}[{i}]: intervals must have shape (n, 2) with one label each, got "
            f"{intervals.shape} and {len(labels)} labels"
        )
    if len(labels) == 0:
        raise ValueError(f"{side}[{i}] holds no chords")
    if not np.all(np.isfinite(intervals)) or intervals.min() < 0:
        raise ValueError(f"{side}[{i}]: interval times must be finite and non-negative")
    empty = np.flatnonzero(intervals[:, 1] <= intervals[:, 0])
    if empty.size:
        k = empty[0]
        raise ValueError(
            f"{side}[{i}]: interval {k} {intervals[k].tolist()} does not last a positive time"
        )
    overlap = np.flatnonzero(intervals[1:, 0] < intervals[:-1, 1])
    if overlap.size:
        k = overlap[0] + 1
        raise ValueError(
            f"{side}[{i}]: interval {k} {intervals[k].tolist()} starts before interval "
            f"{k - 1} {intervals[k - 1].tolist()} ends; chord intervals must be sorted and "
            "must not overlap"
        )
    return intervals, labels


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "vocabulary": [StrOptions(set(_CHORD_VOCABULARIES))],
    },
    prefer_skip_nested_validation=True,
)
def chord_score(y_true, y_pred, *, vocabulary="majmin"):
    """Weighted chord symbol recall: the share of annotated time labelled correctly.

    Per clip, the estimate is cropped or padded with ``"N"`` to the reference's span and
    compared segment by segment with ``mir_eval.chord``'s rule for ``vocabulary``; the
    clips are pooled by duration, as MIREX does. Time whose reference chord lies outside
    the vocabulary (e.g. a diminished chord under ``"majmin"``) is left out.

    Parameters
    ----------
    y_true : sequence of (intervals, labels)
        Per clip, the reference chords: intervals of shape (n, 2) in seconds, each of
        positive duration, sorted and not overlapping (gaps are allowed), and n labels in
        Harte's syntax (``"C:maj"``, ``"A:min"``, ``"N"``).
    y_pred : sequence of (intervals, labels)
        The estimated chords of the same clips, as returned by
        :meth:`~sklearn_music.ChordEstimator.predict`, under the same rules.
    vocabulary : str, default="majmin"
        The comparison of ``mir_eval.chord``: ``"majmin"``, ``"root"``, ``"triads"``,
        ``"sevenths"``, ``"mirex"``, ...

    Returns
    -------
    score : float
        In [0, 1]; NaN when no reference time falls inside the vocabulary.

    Examples
    --------
    >>> from sklearn_music.metrics import chord_score
    >>> ref = ([[0.0, 2.0], [2.0, 4.0]], ["C:maj", "A:min"])
    >>> est = ([[0.0, 3.0], [3.0, 4.0]], ["C:maj", "A:min"])
    >>> chord_score([ref], [est])
    0.75
    """
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true and y_pred hold different numbers of clips: {len(y_true)} and {len(y_pred)}"
        )
    if len(y_true) == 0:
        raise ValueError("no clips to score: y_true is empty")
    compare = getattr(mir_eval.chord, vocabulary)
    correct = total = 0.0
    for i, (ref, est) in enumerate(zip(y_true, y_pred)):
        ref_intervals, ref_labels = _check_annotation(ref, i, "y_true")
        est_intervals, est_labels = _check_annotation(est, i, "y_pred")
        est_intervals, est_labels = mir_eval.util.adjust_intervals(
            est_intervals, est_labels, ref_intervals.min(), ref_intervals.max(),
            mir_eval.chord.NO_CHORD, mir_eval.chord.NO_CHORD,
        )  # fmt: skip
        intervals, ref_labels, est_labels = mir_eval.util.merge_labeled_intervals(
            ref_intervals, ref_labels, est_intervals, est_labels
        )
        durations = mir_eval.util.intervals_to_durations(intervals)
        comparison = compare(ref_labels, est_labels)
        scored = comparison >= 0  # -1 marks reference chords outside the vocabulary
        correct += float(np.sum(durations[scored] * comparison[scored]))
        total += float(np.sum(durations[scored]))
    return correct / total if total > 0 else float("nan")


def _usable_tags(y_true):
    """Columns with both classes present: ROC-AUC and PR-AUC are undefined elsewhere."""
    positives = y_true.sum(axis=0)
    return (positives > 0) & (positives < y_true.shape[0])


@validate_params(
    {"y_true": ["array-like"], "y_score": ["array-like"]}, prefer_skip_nested_validation=True
)
def tagging_scores(y_true, y_score):
    """ROC-AUC and PR-AUC of a multi-label tagger, macro- and micro-averaged.

    Macro averages give every tag the same weight; micro averages pool all clip-tag
    pairs, so frequent tags weigh more. Tags that are present in every clip or in none
    have no AUC; they are left out of the macro averages (and counted in
    ``n_tags_scored``).

    Parameters
    ----------
    y_true : array-like of shape (n_clips, n_tags)
        0/1 tag matrix (e.g. from ``MultiLabelBinarizer``).
    y_score : array-like of shape (n_clips, n_tags)
        Scores or probabilities, higher meaning more likely.

    Returns
    -------
    scores : dict
        ``roc_auc_macro``, ``roc_auc_micro``, ``pr_auc_macro``, ``pr_auc_micro`` (floats)
        and ``n_tags_scored`` (int).

    Examples
    --------
    >>> from sklearn_music.metrics import tagging_scores
    >>> y = [[1, 0], [0, 1], [1, 1], [0, 0]]
    >>> s = [[0.9, 0.2], [0.1, 0.8], [0.7, 0.6], [0.3, 0.1]]
    >>> tagging_scores(y, s)["roc_auc_macro"]
    1.0
    """
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=float)
    if y_true.ndim != 2 or y_true.shape != y_score.shape:
        raise ValueError(
            "y_true and y_score must be 2-D arrays (n_clips, n_tags) of the same shape, "
            f"got {y_true.shape} and {y_score.shape}"
        )
    if not np.isin(y_true, (0, 1)).all():
        raise ValueError("y_true must be a 0/1 tag matrix")
    usable = _usable_tags(y_true)
    if not usable.any():
        raise ValueError("no tag has both positive and negative clips: AUCs are undefined")
    y_true, y_score = y_true[:, usable], y_score[:, usable]
    return {
        "roc_auc_macro": float(roc_auc_score(y_true, y_score, average="macro")),
        "roc_auc_micro": float(roc_auc_score(y_true, y_score, average="micro")),
        "pr_auc_macro": float(average_precision_score(y_true, y_score, average="macro")),
        "pr_auc_micro": float(average_precision_score(y_true, y_score, average="micro")),
        "n_tags_scored": int(usable.sum()),
    }


def _tagging_score(y_true, y_score, *, name):
    return tagging_scores(y_true, y_score)[name]


mirex_key_scorer = make_scorer(mirex_key_score)
tempo_accuracy1_scorer = make_scorer(tempo_accuracy1)
tempo_accuracy2_scorer = make_scorer(tempo_accuracy2)
chord_majmin_scorer = make_scorer(chord_score, vocabulary="majmin")
chord_root_scorer = make_scorer(chord_score, vocabulary="root")
_PROBA = ("predict_proba", "decision_function")
roc_auc_macro_scorer = make_scorer(
    _tagging_score, response_method=_PROBA, name="roc_auc_macro"
)
roc_auc_micro_scorer = make_scorer(
    _tagging_score, response_method=_PROBA, name="roc_auc_micro"
)
pr_auc_macro_scorer = make_scorer(
    _tagging_score, response_method=_PROBA, name="pr_auc_macro"
)
pr_auc_micro_scorer = make_scorer(
    _tagging_score, response_method=_PROBA, name="pr_auc_micro"
)
