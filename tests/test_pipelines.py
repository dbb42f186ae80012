"""The DESIGN.md classical pipeline end to end on real GTZAN audio: cross-validation with
F1, grid search over a transformer and a classifier parameter, persistence."""

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_music import MFCC, AudioLoader, MelSpectrogram, Pooling
from sklearn_music.datasets import load_gtzan
from sklearn_music.pipelines import (extract_with_progress, make_classical_pipeline,
                                     make_cnn_pipeline, make_feature_union)


@pytest.fixture(scope="module")
def gtzan_small(gtzan_root):
    """Two clips of each genre (20 real clips) with artist-run groups."""
    data = load_gtzan(gtzan_root)
    keep = np.concatenate([np.flatnonzero(data.target == g)[:2] for g in data.target_names])
    return data.paths[keep], data.target[keep], data.groups[keep]


def _design_pipeline():
    return Pipeline([
        ("load", AudioLoader(sr=22050, duration=3.0)),
        ("mfcc", MFCC(n_mfcc=20)),
        ("pool", Pooling(stats=("mean", "std"))),
        ("scale", StandardScaler()),
        ("svm", SVC()),
    ])


def test_cross_val_score_f1_macro(gtzan_small):
    paths, target, groups = gtzan_small
    scores = cross_val_score(_design_pipeline(), paths, target, groups=groups,
                             cv=GroupKFold(2), scoring="f1_macro")
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


def test_grid_search_over_transformer_and_classifier(gtzan_small):
    paths, target, groups = gtzan_small
    search = GridSearchCV(_design_pipeline(), {"mfcc__n_mfcc": [13, 20], "svm__C": [1.0, 10.0]},
                          cv=GroupKFold(2), scoring="f1_macro")
    search.fit(paths, target, groups=groups)
    assert set(search.best_params_) == {"mfcc__n_mfcc", "svm__C"}
    assert len(search.cv_results_["params"]) == 4
    assert set(search.predict(paths[:3])) <= set(target)


def test_joblib_round_trip_gives_identical_output(gtzan_small, tmp_path):
    paths, target, _ = gtzan_small
    model = _design_pipeline().fit(paths, target)
    restored = joblib.load(joblib.dump(model, tmp_path / "model.joblib")[0])
    np.testing.assert_array_equal(restored.predict(paths), model.predict(paths))
    np.testing.assert_array_equal(restored.decision_function(paths),
                                  model.decision_function(paths))
    np.testing.assert_array_equal(restored[:-2].transform(paths), model[:-2].transform(paths))


def test_pandas_output_names_the_columns(gtzan_small):
    paths, _, _ = gtzan_small
    table = _design_pipeline()[:3].set_output(transform="pandas").fit_transform(paths[:2])
    assert list(table.columns[:2]) == ["mfcc_0_mean", "mfcc_1_mean"]
    assert "mfcc_19_std" in table.columns and table.shape == (2, 40)


def test_ready_made_pipelines_are_plain_scikit_learn(gtzan_small):
    paths, target, _ = gtzan_small
    model = make_classical_pipeline(duration=3.0, features=("mfcc", "spectral", "tempo"))
    model.set_params(features__mfcc__mfcc__n_mfcc=13)
    model.fit(paths, target)
    names = model[:2].get_feature_names_out()
    assert "mfcc_12_mean" in names and "mfcc_13_mean" not in names and "tempo" in names
    assert clone(model).get_params()["clf__C"] == 10.0
    cnn = make_cnn_pipeline(n_frames=64, max_epochs=1)
    assert [name for name, _ in cnn.steps] == ["load", "mel", "cnn"]


def test_spectral_contrast_keeps_the_bands_below_nyquist():
    # SpectralFeatures' six octave bands above 200 Hz need sr > 12,800 Hz
    y = np.random.default_rng(0).uniform(-0.5, 0.5, (2, 8000)).astype(np.float32)
    for sr, n_bands in ((22050, 6), (11025, 5), (8000, 5), (4000, 4)):
        union = make_feature_union(sr=sr, features=("spectral",), stats=("mean",))
        names = union.fit(y).get_feature_names_out()
        assert sum(n.startswith("spectral_contrast_") for n in names) == n_bands + 1, sr


def test_feature_union_rejects_unknown_features():
    with pytest.raises(ValueError, match="subset of"):
        make_feature_union(features=("mfcc", "loudness"))


def test_extract_with_progress_equals_one_transform(gtzan_small):
    paths, _, _ = gtzan_small
    extractor = Pipeline([("load", AudioLoader(duration=2.0)), ("mfcc", MFCC()),
                          ("pool", Pooling())])
    batched = extract_with_progress(extractor, list(paths[:5]), progress=False, batch_size=2)
    np.testing.assert_allclose(batched, extractor.fit_transform(list(paths[:5])), rtol=1e-6)


def test_extract_with_progress_pads_frames_of_clips_of_different_lengths():
    rng = np.random.default_rng(0)
    X = [rng.uniform(-0.5, 0.5, n).astype(np.float32) for n in (4000, 1000, 2000, 9000, 500)]
    mel = MelSpectrogram(sr=8000, n_mels=8)
    batched = extract_with_progress(mel, X, progress=False, batch_size=2)
    whole = mel.fit_transform(X)
    assert batched.shape == whole.shape == (5, 8, 18)
    np.testing.assert_array_equal(batched, whole)  # NaN where a clip has no frame
    assert list(batched.feature_names) == list(whole.feature_names)
    with pytest.raises(ValueError, match="X holds no clips"):
        extract_with_progress(mel, [], progress=False)
