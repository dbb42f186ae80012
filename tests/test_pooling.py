"""Pooling: statistics over frames, NaN-padded frames, names, pandas output."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline

from sklearn_music import MFCC, Pooling
from sklearn_music._frames import FrameArray


def _frames(n_clips=4, n_features=3, n_frames=50, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).normal(size=(n_clips, n_features, n_frames)).astype(dtype)


@pytest.mark.parametrize(
    "stat,reference",
    [("mean", np.mean), ("std", np.std), ("min", np.min), ("max", np.max),
     ("median", np.median), ("p10", lambda a, axis: np.percentile(a, 10, axis=axis)),
     ("p2.5", lambda a, axis: np.percentile(a, 2.5, axis=axis)),
     ("p100", lambda a, axis: np.percentile(a, 100, axis=axis))],
)  # fmt: skip
def test_each_statistic_equals_numpy(stat, reference):
    X = _frames()
    np.testing.assert_allclose(Pooling(stats=(stat,)).fit_transform(X), reference(X, axis=2))


def test_columns_are_grouped_by_statistic_in_the_given_order():
    X = _frames(n_features=3)
    out = Pooling(stats=("max", "mean")).fit_transform(X)
    np.testing.assert_allclose(out[:, :3], X.max(axis=2))
    np.testing.assert_allclose(out[:, 3:], X.mean(axis=2))


def test_nan_padded_frames_are_ignored():
    rng = np.random.default_rng(0)
    waves = [rng.uniform(-0.5, 0.5, n).astype(np.float32) for n in (22050, 9000, 30000)]
    frames = MFCC(n_mfcc=5).fit_transform(waves)
    assert np.isnan(frames).any()
    pool = Pooling(stats=("mean", "std", "min", "max", "median", "p90"))
    together = pool.fit_transform(frames)
    one_by_one = np.vstack([pool.fit_transform(MFCC(n_mfcc=5).fit_transform([w])) for w in waves])
    np.testing.assert_allclose(together, one_by_one, rtol=1e-5, atol=1e-5)


def test_a_row_without_frames_is_nan_without_warnings():
    X = _frames()
    X[1, 2, :] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = Pooling(stats=("mean", "std", "min", "median", "p50")).fit_transform(X)
    assert np.isnan(out[1, 2::3]).all() and np.isfinite(np.delete(out, 1, axis=0)).all()


def test_names_come_from_the_frames():
    frames = MFCC(n_mfcc=4).fit_transform(np.zeros((2, 4096), np.float32))
    names = Pooling(stats=("mean", "p90")).fit(frames).get_feature_names_out()
    assert list(names) == [f"mfcc_{i}_mean" for i in range(4)] + [
        f"mfcc_{i}_p90" for i in range(4)
    ]


def test_names_are_dropped_when_the_axes_are_reordered():
    frames = FrameArray(_frames(n_features=3, n_frames=3), ["a", "b", "c"])  # square: no
    reordered = [frames.transpose(0, 2, 1), frames.swapaxes(1, 2), frames.T, frames.mT,
                 np.transpose(frames, (0, 2, 1)), np.moveaxis(frames, 1, 2),
                 np.swapaxes(frames, 2, 1), np.rollaxis(frames, 2, 1)]  # change of shape
    for array in reordered:
        assert isinstance(array, FrameArray) and array.feature_names is None
        assert list(Pooling(stats=("mean",)).fit(array).get_feature_names_out()) == [
            "x0_mean", "x1_mean", "x2_mean"]
    for same in (frames.transpose(0, 1, 2), np.moveaxis(frames, 0, 0), frames[1:]):
        assert list(same.feature_names) == ["a", "b", "c"]


def test_stacking_clips_with_other_feature_rows_names_the_clip():
    from sklearn_music._frames import stack_frames

    with pytest.raises(ValueError, match=r"clip 1 has 8 feature rows, clip 0 has 16"):
        stack_frames([np.zeros((16, 10)), np.zeros((8, 12))])


def test_names_from_input_features_or_generic():
    pool = Pooling().fit(_frames(n_features=2))
    assert list(pool.get_feature_names_out()) == ["x0_mean", "x1_mean", "x0_std", "x1_std"]
    assert list(pool.get_feature_names_out(["a", "b"]))[:2] == ["a_mean", "b_mean"]
    with pytest.raises(ValueError):
        pool.get_feature_names_out(["a", "b", "c"])


def test_pipeline_pandas_output_names_the_columns():
    X = np.random.default_rng(0).uniform(-0.5, 0.5, (3, 22050)).astype(np.float32)
    pipe = make_pipeline(MFCC(n_mfcc=5), Pooling()).set_output(transform="pandas")
    table = pipe.fit_transform(X)
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns[[3, 8]]) == ["mfcc_3_mean", "mfcc_3_std"]


def test_two_d_input_is_one_frame_per_clip():
    X = np.random.default_rng(0).normal(size=(5, 3))
    out = Pooling(stats=("mean", "std", "max", "p25")).fit_transform(X)
    np.testing.assert_allclose(out, np.hstack([X, np.zeros_like(X), X, X]))


def test_dataframe_column_names_are_kept_for_two_d_input():
    df = pd.DataFrame(np.ones((2, 2)), columns=["tempo", "rms"])
    assert list(Pooling(stats=("max",)).fit(df).get_feature_names_out()) == [
        "tempo_max", "rms_max"
    ]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(dtype):
    assert Pooling().fit_transform(_frames(dtype=dtype)).dtype == dtype


@pytest.mark.parametrize(
    "stats,message",
    [(("mean", "average"), "unknown statistic 'average'"), (("p101",), "unknown statistic"),
     (("p-5",), "unknown statistic"), ((), "empty"), (("mean", "mean"), "twice"),
     ((3,), "unknown statistic 3")],
)  # fmt: skip
def test_bad_stats_are_clear_errors(stats, message):
    with pytest.raises(ValueError, match=message):
        Pooling(stats=stats).fit(_frames())


def test_transform_checks_rows_against_fit():
    pool = Pooling().fit(FrameArray(_frames(n_features=2), ["a", "b"]))
    with pytest.raises(ValueError, match="3 feature rows"):
        pool.transform(_frames(n_features=3))
    with pytest.raises(ValueError, match="named differently"):
        pool.transform(FrameArray(_frames(n_features=2), ["b", "a"]))
    pool.transform(_frames(n_features=2))  # unnamed frames (e.g. sliced away) are fine


def test_pickle_keeps_the_names():
    pool = Pooling(stats=("median",)).fit(FrameArray(_frames(n_features=2), ["a", "b"]))
    assert list(pickle.loads(pickle.dumps(pool)).get_feature_names_out()) == [
        "a_median", "b_median"
    ]  # fmt: skip


def test_four_d_input_is_rejected():
    with pytest.raises(ValueError, match="4 dimensions"):
        Pooling().fit(np.zeros((2, 3, 4, 5)))
