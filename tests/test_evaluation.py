import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from sklearn_music.evaluation import summarize_classification
from sklearn_music.plotting import (
    plot_chords,
    plot_confusion_matrix,
    plot_roc_curves,
    plot_spectrogram,
    plot_training_curves,
    save_figure,
)


def test_summary_matches_scikit_learn():
    rng = np.random.default_rng(0)
    labels = np.array(["blues", "jazz", "rock"])
    y_true = rng.choice(labels, 60)
    y_pred = np.where(rng.uniform(size=60) < 0.7, y_true, rng.choice(labels, 60))
    s = summarize_classification(y_true, y_pred)
    assert s.f1 == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert s.precision == pytest.approx(precision_score(y_true, y_pred, average="macro"))
    assert s.recall == pytest.approx(recall_score(y_true, y_pred, average="macro"))
    assert s.confusion.sum() == 60 and list(s.labels) == list(labels)
    assert s.per_class["support"].sum() == 60
    d = s.to_dict()
    assert d["confusion_matrix"] == s.confusion.tolist()
    assert "macro F1" in str(s)


def test_summary_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        summarize_classification([1, 2], [1])


def test_confusion_matrix_png_is_written(tmp_path):
    ax = plot_confusion_matrix(["a", "b", "b", "c"], ["a", "b", "c", "c"], title="demo")
    path = save_figure(ax, tmp_path / "cm.png")
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_plots_reject_bad_shapes():
    with pytest.raises(ValueError, match="2-D"):
        plot_spectrogram(np.zeros(10))
    with pytest.raises(ValueError, match="n_tags"):
        plot_roc_curves(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="none of"):
        plot_training_curves([{"epoch": 1}])
    with pytest.raises(ValueError, match="one label each"):
        plot_chords(np.array([[0.0, 1.0], [1.0, 2.0]]), ["C:maj"])
    with pytest.raises(ValueError, match="tag_names has 1 names for 3 tags"):
        plot_roc_curves(np.eye(3), np.eye(3), tag_names=["x"])
    with pytest.raises(ValueError, match="'Hmaj' of the segment 0-1 s is not in Harte"):
        plot_chords(np.array([[0.0, 1.0]]), ["Hmaj"])


def test_chords_are_drawn_as_labelled_segments_coloured_by_root():
    intervals = np.array([[0.0, 4.0], [4.0, 8.0], [8.0, 12.0], [12.0, 12.2]])
    ax = plot_chords(intervals, ["C:maj", "C:min", "N", "G:maj"], beats=[1.0, 2.0, 3.0])
    spans = ax.patches
    assert len(spans) == 4
    # One colour per root, whatever the quality; "N" is grey; a sliver has no label.
    assert spans[0].get_facecolor() == spans[1].get_facecolor() != spans[3].get_facecolor()
    assert spans[2].get_facecolor()[:3] == pytest.approx((0.85, 0.85, 0.85))
    assert [t.get_text() for t in ax.texts] == ["C:maj", "C:min", "N"]
    assert len(ax.collections[0].get_segments()) == 3  # the beats
    assert ax.get_xlim() == (0.0, 12.2)


def test_per_class_is_indexed_by_the_labels_themselves():
    s = summarize_classification([0, 1, 1, 2], [0, 1, 2, 2])
    assert s.per_class.loc[1, "recall"] == 0.5
    assert list(s.per_class.index) == list(s.labels) == [0, 1, 2]
    d = s.to_dict()
    assert list(d["per_class"]) == d["labels"] == ["0", "1", "2"]
    assert d["per_class"]["1"]["support"] == 2.0
    assert str(s).splitlines()[1].split()[0] == "class"
