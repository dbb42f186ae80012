"""The metrics give mir_eval's numbers on the same inputs, and work as scorers."""

import itertools

import mir_eval
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import cross_val_score
from sklearn.multioutput import MultiOutputClassifier

from sklearn_music.features.key_profiles import KEY_NAMES
from sklearn_music.metrics import (
    chord_majmin_scorer,
    chord_root_scorer,
    chord_score,
    mirex_key_score,
    mirex_key_scorer,
    pr_auc_macro_scorer,
    roc_auc_macro_scorer,
    roc_auc_micro_scorer,
    tagging_scores,
    tempo_accuracy1,
    tempo_accuracy1_scorer,
    tempo_accuracy2,
    tempo_accuracy2_scorer,
    tempo_p_score,
)

ALL_KEYS = list(KEY_NAMES) + [
    "Db major", "G# minor", "A# minor", "X", "C other", "A other", "Eb other", "G other",
]  # fmt: skip


@pytest.mark.parametrize("reference", ALL_KEYS)
def test_mirex_key_score_equals_mir_eval_for_every_pair(reference):
    for estimate in ALL_KEYS:
        ours = mirex_key_score([reference], [estimate])
        assert ours == mir_eval.key.weighted_score(reference, estimate), (reference, estimate)


def test_mirex_key_score_credits_the_fifth_above_only():
    assert mirex_key_score(["C major"], ["G major"]) == 0.5
    assert mirex_key_score(["C major"], ["F major"]) == 0.0
    assert mirex_key_score(["A minor"], ["E minor"]) == 0.5
    assert mirex_key_score(["A minor"], ["C major"]) == 0.3
    assert mirex_key_score(["C major"], ["C minor"]) == 0.2


def test_mirex_key_score_relative_and_parallel_keys_need_only_another_mode():
    # mir_eval asks the reference to be major (minor) and the estimate in another mode.
    assert mirex_key_score(["C major"], ["A other"]) == 0.3
    assert mirex_key_score(["C minor"], ["Eb other"]) == 0.3
    assert mirex_key_score(["C other"], ["A minor"]) == 0.0
    assert mirex_key_score(["C other"], ["C major"]) == 0.2


def _key_name(index):
    return "X" if index == -1 else KEY_NAMES[index]


def test_mirex_key_score_takes_key_indices():
    # KeyEstimator fitted with indices 0-23 predicts indices: mirex_key_scorer must score them.
    for reference, estimate in itertools.product(range(-1, 24), repeat=2):
        expected = mir_eval.key.weighted_score(_key_name(reference), _key_name(estimate))
        assert mirex_key_score([reference], [estimate]) == expected, (reference, estimate)
    assert mirex_key_score(np.array([21.0, 0.0]), ["A minor", "G major"]) == 0.75


def test_mirex_key_score_reads_missing_keys_as_unknown():
    # load_gtzan gives None for a clip without a key annotation; pandas gives NaN.
    for missing in (None, np.nan, pd.NA):
        assert mirex_key_score([missing, "C major"], ["X", "C major"]) == 1.0
        assert mirex_key_score([missing], ["C major"]) == mir_eval.key.weighted_score(
            "X", "C major")


def test_mirex_key_score_averages_over_clips():
    rng = np.random.default_rng(0)
    reference = rng.choice(KEY_NAMES, 200)
    estimate = rng.choice(KEY_NAMES, 200)
    expected = np.mean([mir_eval.key.weighted_score(r, e) for r, e in zip(reference, estimate)])
    assert mirex_key_score(reference, estimate) == pytest.approx(expected)


@pytest.mark.parametrize(
    "bad, message",
    [
        (["H major"], "invalid key label"),
        (["C dorian"], "mode must be"),
        ([24], "0-23"),
        ([3.5], "indices 0-23"),
        ([b"C major"], "names such as"),
    ],
)
def test_mirex_key_score_names_bad_labels(bad, message):
    with pytest.raises(ValueError, match=message):
        mirex_key_score(bad, ["C major"])


def test_mirex_key_score_rejects_length_mismatch():
    with pytest.raises(ValueError, match="different numbers"):
        mirex_key_score(["C major"], ["C major", "D major"])


def _mir_eval_hit(reference, estimate, tol):
    """Whether mir_eval.tempo.detection finds the estimate within tol of the reference."""
    _, hit, _ = mir_eval.tempo.detection(
        np.array([reference, reference]), 1.0, np.array([estimate, estimate]), tol=tol
    )
    return hit


def test_tempo_accuracies_equal_mir_eval_detection():
    rng = np.random.default_rng(0)
    reference = rng.uniform(50, 200, 300)
    factor = rng.choice([1.0, 2.0, 0.5, 3.0, 1 / 3, 1.5], 300)
    estimate = reference * factor * rng.uniform(0.9, 1.1, 300)
    acc1 = np.mean([_mir_eval_hit(r, e, 0.04) for r, e in zip(reference, estimate)])
    acc2 = np.mean(
        [
            any(_mir_eval_hit(r * f, e, 0.04) for f in (1, 2, 3, 1 / 2, 1 / 3))
            for r, e in zip(reference, estimate)
        ]
    )
    assert tempo_accuracy1(reference, estimate) == pytest.approx(acc1)
    assert tempo_accuracy2(reference, estimate) == pytest.approx(acc2)
    assert 0 < acc1 < acc2 < 1


def test_tempo_tolerance_is_relative_and_inclusive():
    assert tempo_accuracy1([100.0], [104.0]) == 1.0
    assert tempo_accuracy1([100.0], [104.5]) == 0.0
    assert tempo_accuracy2([100.0], [196.0]) == 1.0  # 4 % of 200
    assert tempo_accuracy2([100.0], [150.0]) == 0.0  # 3:2 is not an octave error
    assert tempo_accuracy1([100.0], [108.0], tol=0.08) == 1.0


def test_tempo_accuracy_rejects_non_positive_references():
    with pytest.raises(ValueError, match="positive"):
        tempo_accuracy1([0.0], [120.0])
    with pytest.raises(ValueError, match="tol"):
        tempo_accuracy1([120.0], [120.0], tol=2.0)


def test_tempo_tolerance_boundary_equals_mir_eval():
    # mir_eval tests |e - r| / r <= tol: 152.28 is 8 % above 141 exactly in it, but
    # |e - r| <= tol * r rounds the other way.
    assert tempo_p_score([[141.0, 0.0]], [1.0], [152.28]) == 1.0
    for reference in np.arange(40.0, 251.0):
        for factor, tol in [(0.92, 0.08), (1.08, 0.08), (0.96, 0.04), (1.04, 0.04)]:
            estimate = float(f"{reference * factor:.4f}")
            expected = _mir_eval_hit(reference, estimate, tol)
            assert tempo_accuracy1([reference], [estimate], tol=tol) == expected
            assert tempo_p_score([[reference, 0.0]], [1.0], [estimate], tol=tol) == expected


@pytest.mark.parametrize("empty", [[], np.zeros((0, 2))])
def test_tempo_p_score_rejects_empty_input(empty):
    with pytest.raises(ValueError, match="no tempi to score"):
        tempo_p_score(empty, [], empty)


def test_tempo_p_score_equals_mir_eval():
    rng = np.random.default_rng(1)
    reference = np.sort(rng.uniform(50, 200, (100, 2)), axis=1)
    weight = rng.uniform(0, 1, 100)
    estimate = reference[:, ::-1] * rng.choice([1.0, 1.05, 1.2, 2.0], (100, 2))
    expected = np.mean(
        [mir_eval.tempo.detection(r, w, e)[0] for r, w, e in zip(reference, weight, estimate)]
    )
    assert tempo_p_score(reference, weight, estimate) == pytest.approx(expected)


def _progression(rng, n, labels):
    bounds = np.concatenate([[0.0], np.cumsum(rng.uniform(0.5, 3.0, n))])
    return np.column_stack([bounds[:-1], bounds[1:]]), list(rng.choice(labels, n))


@pytest.mark.parametrize("vocabulary", ["majmin", "root", "triads", "sevenths", "mirex"])
def test_chord_score_equals_mir_eval_per_clip(vocabulary):
    rng = np.random.default_rng(2)
    labels = ["C:maj", "A:min", "G:7", "F:maj", "D:min", "B:dim", "E:maj/3", "N", "X"]
    for _ in range(10):
        reference = _progression(rng, 8, labels)
        estimate = _progression(rng, 6, labels)
        expected = mir_eval.chord.evaluate(*reference, *estimate)[vocabulary]
        ours = chord_score([reference], [estimate], vocabulary=vocabulary)
        assert ours == pytest.approx(expected)


def test_chord_score_pools_clips_by_duration():
    short = (np.array([[0.0, 1.0]]), ["C:maj"])
    long_ = (np.array([[0.0, 3.0]]), ["C:maj"])
    wrong = (np.array([[0.0, 3.0]]), ["D:maj"])
    assert chord_score([short, long_], [short, wrong]) == pytest.approx(0.25)


def test_chord_score_names_malformed_annotations():
    with pytest.raises(ValueError, match=r"y_pred\[0\]"):
        chord_score([(np.array([[0.0, 1.0]]), ["C:maj"])], [("C:maj",)])
    with pytest.raises(ValueError, match="vocabulary"):
        chord_score([], [], vocabulary="jazz")


@pytest.mark.parametrize(
    "intervals, message",
    [
        ([[0.0, 2.0], [1.0, 3.0]], r"interval 1 \[1.0, 3.0\] starts before interval 0"),
        ([[0.0, 2.0], [1.0, 1.5]], "must not overlap"),  # nested
        ([[1.0, 2.0], [0.0, 1.0]], "must be sorted"),
        ([[0.0, 1.0], [1.0, 1.0]], r"interval 1 \[1.0, 1.0\] does not last a positive time"),
        ([[0.0, 1.0], [2.0, 1.5]], "positive time"),
        ([[-1.0, 1.0], [1.0, 2.0]], "non-negative"),
        ([[0.0, np.nan], [1.0, 2.0]], "finite"),
    ],
)
@pytest.mark.parametrize("side", ["y_true", "y_pred"])
def test_chord_score_rejects_ill_formed_intervals(intervals, message, side):
    # mir_eval raises on overlapping references; chord_score used to score them silently.
    good = (np.array([[0.0, 1.0], [1.0, 3.0]]), ["C:maj", "A:min"])
    bad = (np.array(intervals), ["C:maj", "A:min"])
    pair = {"y_true": [good, good], "y_pred": [good, good]}
    pair[side][1] = bad
    with pytest.raises(ValueError, match=rf"{side}\[1\]: "):
        chord_score(**pair)
    with pytest.raises(ValueError, match=message):
        chord_score(**pair)


def test_chord_score_accepts_gaps_between_chords():
    reference = (np.array([[0.0, 1.0], [2.0, 3.0]]), ["C:maj", "A:min"])
    estimate = (np.array([[0.0, 3.0]]), ["C:maj"])
    expected = mir_eval.chord.evaluate(*reference, *estimate)["majmin"]
    assert chord_score([reference], [estimate]) == pytest.approx(expected)


def test_tagging_scores_equal_sklearn_and_skip_constant_tags():
    X, Y = make_multilabel_classification(n_samples=80, n_classes=5, random_state=0)
    Y[:, 4] = 1  # a tag on every clip has no AUC
    score = np.random.default_rng(0).random(Y.shape) + Y * 0.3
    got = tagging_scores(Y, score)
    assert got["n_tags_scored"] == 4
    assert got["roc_auc_macro"] == pytest.approx(roc_auc_score(Y[:, :4], score[:, :4]))
    assert got["roc_auc_micro"] == pytest.approx(
        roc_auc_score(Y[:, :4], score[:, :4], average="micro")
    )
    assert got["pr_auc_macro"] == pytest.approx(average_precision_score(Y[:, :4], score[:, :4]))


def test_tagging_scorers_work_with_multioutput_classifiers():
    X, Y = make_multilabel_classification(n_samples=120, n_classes=4, random_state=0)
    model = MultiOutputClassifier(LogisticRegression(max_iter=500))
    for scorer in (roc_auc_macro_scorer, roc_auc_micro_scorer, pr_auc_macro_scorer):
        scores = cross_val_score(model, X, Y, cv=3, scoring=scorer)
        assert np.all((scores > 0.6) & (scores <= 1.0))


class _Oracle(BaseEstimator):
    """Predicts the stored answer of each row index: scorers call predict, nothing else."""

    def __init__(self, answers=None):
        self.answers = answers

    def fit(self, X, y=None):
        return self

    def predict(self, X):
        return [self.answers[int(i)] for i in np.asarray(X).ravel()]


def test_scorers_call_predict_and_score_it():
    X = np.arange(3).reshape(-1, 1)
    keys = ["C major", "G major", "A minor"]
    reference = ["C major", "C major", "A minor"]
    assert mirex_key_scorer(_Oracle(keys), X, reference) == pytest.approx(2.5 / 3)
    tempi = [120.0, 180.0, 60.0]
    assert tempo_accuracy1_scorer(_Oracle(tempi), X, [120.0, 90.0, 60.0]) == pytest.approx(2 / 3)
    assert tempo_accuracy2_scorer(_Oracle(tempi), X, [120.0, 90.0, 60.0]) == 1.0
    chords = [(np.array([[0.0, 2.0]]), ["C:maj"])] * 3
    truth = [(np.array([[0.0, 2.0]]), ["C:min"])] * 3
    assert chord_majmin_scorer(_Oracle(chords), X, truth) == 0.0
    assert chord_root_scorer(_Oracle(chords), X, truth) == 1.0


def test_every_key_pair_is_scored_once_per_relation():
    relations = [mirex_key_score([r], [e]) for r, e in itertools.product(KEY_NAMES, KEY_NAMES)]
    counts = {v: relations.count(v) for v in set(relations)}
    # Per reference key: itself, its fifth above, its relative, its parallel.
    assert counts == {1.0: 24, 0.5: 24, 0.3: 24, 0.2: 24, 0.0: 24 * 20}
