"""Genre classification of real GTZAN clips with the classical pipeline of DESIGN.md.

Pooled MFCC, chroma and spectral features plus tempo features, standardised, into an RBF
SVM, against plain librosa MFCC mean/std into the same SVM, on the same split in the
same run. The 50 clips are the first five of each genre; the split leaves one clip index
out (train on clips 0-3 of every genre, test on clip 4, and so on), so every clip is
predicted once by a model that never saw it. Consecutive GTZAN clips often share an
artist, and with five clips per genre no split can keep artists apart, so absolute
accuracies here are optimistic; the comparison between feature sets is what is tested.
Features are extracted once per module and reused across folds.
"""

import librosa
import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_music import MFCC, AudioLoader, Chroma, Pooling, SpectralFeatures, TempoFeatures

pytestmark = pytest.mark.slow

SR = 22050


def _features():
    """The DESIGN.md feature union, every transformer at its defaults."""
    return FeatureUnion(
        [("mfcc", make_pipeline(MFCC(sr=SR), Pooling())),
         ("chroma", make_pipeline(Chroma(sr=SR), Pooling())),
         ("spectral", make_pipeline(SpectralFeatures(sr=SR), Pooling())),
         ("tempo", TempoFeatures(sr=SR))],
        verbose_feature_names_out=False,
    )  # fmt: skip


def _genre(path):
    return path.replace("\\", "/").split("/")[-2]


def _clip_index(path):
    return int(path.split(".")[-2])


@pytest.fixture(scope="module")
def gtzan(gtzan_paths):
    waves = AudioLoader(sr=SR).fit_transform(gtzan_paths)
    genres = np.array([_genre(p) for p in gtzan_paths])
    indices = np.array([_clip_index(p) for p in gtzan_paths])
    return waves, genres, indices


@pytest.fixture(scope="module")
def tables(gtzan):
    waves, _, _ = gtzan
    ours = _features().set_output(transform="pandas").fit_transform(waves)
    mfccs = [librosa.feature.mfcc(y=y, sr=SR) for y in waves]
    plain = np.array([np.concatenate([m.mean(axis=1), m.std(axis=1)]) for m in mfccs])
    return ours, plain


def _accuracy(X, genres, indices):
    model = make_pipeline(StandardScaler(), SVC())
    predicted = cross_val_predict(model, X, genres, groups=indices, cv=LeaveOneGroupOut())
    return float(np.mean(predicted == genres))


def test_the_feature_table_is_named_and_finite(tables):
    ours, _ = tables
    assert isinstance(ours, pd.DataFrame) and ours.shape == (50, 2 * (20 + 12 + 13) + 18)
    assert {"mfcc_3_mean", "chroma_Eb_std", "spectral_contrast_6_mean", "rms_std",
            "tempo", "pulse_clarity"} <= set(ours.columns)  # fmt: skip
    assert np.isfinite(ours.to_numpy()).all()


def test_our_features_beat_plain_librosa_mfcc_on_unseen_clips(tables, gtzan):
    _, genres, indices = gtzan
    ours, plain = tables
    ours_accuracy = _accuracy(ours, genres, indices)
    plain_accuracy = _accuracy(plain, genres, indices)
    print(f"\nGTZAN leave-one-clip-index-out accuracy, StandardScaler + SVC(): "
          f"ours {ours_accuracy:.2f}, plain librosa MFCC mean/std {plain_accuracy:.2f}")
    assert ours_accuracy >= 0.6  # chance is 0.1
    assert ours_accuracy >= plain_accuracy


def test_the_whole_pipeline_runs_from_file_paths(gtzan_paths):
    train = [p for p in gtzan_paths if _clip_index(p) < 2]
    test = [p for p in gtzan_paths if _clip_index(p) == 4]
    pipeline = Pipeline([
        ("load", AudioLoader(sr=SR, duration=5.0)),
        ("features", _features()),
        ("scale", StandardScaler()),
        ("svm", SVC()),
    ])  # fmt: skip
    pipeline.fit(train, [_genre(p) for p in train])
    predicted = pipeline.predict(test)
    assert set(predicted) <= {_genre(p) for p in gtzan_paths} and len(predicted) == len(test)
