"""Beyond one process: a Dask cluster through joblib, and datasets streamed to disk."""

import json
import tracemalloc

import numpy as np
import pytest
import soundfile as sf
from joblib import parallel_config
from sklearn.base import clone

from sklearn_music import MFCC, MelSpectrogram
from sklearn_music.extraction import extract_to_disk
from sklearn_music.pipelines import make_feature_union

SR = 22050


def _write(path, seed, seconds):
    y = np.random.default_rng(seed).uniform(-0.5, 0.5, int(seconds * SR))
    sf.write(path, y, SR, subtype="FLOAT")
    return str(path)


def test_dask_cluster_of_worker_processes_gives_identical_features(tmp_path):
    distributed = pytest.importorskip("distributed")
    paths = [_write(tmp_path / f"{i}.wav", seed=i, seconds=2.0) for i in range(6)]
    expected = make_feature_union().fit_transform(paths)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:  # fmt: skip
        with distributed.get_task_stream(client) as tasks, parallel_config(backend="dask"):
            features = make_feature_union(n_jobs=-1).fit_transform(paths)
            streamed = extract_to_disk(paths, make_feature_union(n_jobs=-1),
                                       tmp_path / "features.npy", chunk_size=4)  # fmt: skip
    np.testing.assert_array_equal(features, expected)
    np.testing.assert_array_equal(streamed, expected)
    assert len(tasks.data) >= 6  # the clips were analysed on the cluster's workers
    assert len({task["worker"] for task in tasks.data}) == 2


@pytest.fixture(scope="module")
def three_second_clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    return [_write(folder / f"{i}.wav", seed=i, seconds=3.0) for i in range(64)]


def _peak_traced(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_streaming_to_disk_keeps_memory_bounded(three_second_clips, tmp_path):
    mel = MelSpectrogram(n_frames=130)  # 66 kB of frames per clip
    extract_to_disk(three_second_clips[:4], clone(mel), tmp_path / "warm.npy")  # first-use caches

    def stream(n):
        return lambda: extract_to_disk(three_second_clips[:n], clone(mel),
                                       tmp_path / f"mel{n}.npy", chunk_size=4)  # fmt: skip

    small, large = _peak_traced(stream(16)), _peak_traced(stream(64))
    in_memory = _peak_traced(lambda: clone(mel).fit_transform(three_second_clips))
    assert large < small + 2**20  # four times the clips, the same memory
    assert in_memory > large + 3 * 2**20  # holding every clip's 66 kB of frames costs
    np.testing.assert_array_equal(np.load(tmp_path / "mel64.npy"),
                                  mel.fit_transform(three_second_clips))  # fmt: skip


def test_streaming_resumes_after_an_interruption(tmp_path, monkeypatch):
    X = np.random.default_rng(0).uniform(-0.5, 0.5, (9, 4000)).astype(np.float32)
    out = tmp_path / "mfcc.npy"
    chunks = []
    original = MFCC.transform

    def interrupted(self, X):
        if len(chunks) == 2:
            raise KeyboardInterrupt
        chunks.append(len(X))
        return original(self, X)

    monkeypatch.setattr(MFCC, "transform", interrupted)
    with pytest.raises(KeyboardInterrupt):
        extract_to_disk(X, MFCC(n_mfcc=4), out, chunk_size=2)
    assert json.loads(out.with_name("mfcc.npy.json").read_text())["done"] == 4

    def counted(self, X):
        chunks.append(len(X))
        return original(self, X)

    monkeypatch.setattr(MFCC, "transform", counted)
    result = extract_to_disk(X, MFCC(n_mfcc=4, n_jobs=1), out, chunk_size=2)
    assert chunks == [2, 2, 2, 2, 1]  # two chunks before, three after
    np.testing.assert_array_equal(result, original(MFCC(n_mfcc=4), X))
    extract_to_disk(X, MFCC(n_mfcc=4), out, chunk_size=2)
    assert len(chunks) == 5  # complete: nothing recomputed
    extract_to_disk(X, MFCC(n_mfcc=5), out, chunk_size=2)
    assert len(chunks) == 10  # other parameters: from the start
    assert np.load(out).shape == (9, 5, 8)


def test_streaming_names_features_and_rejects_ragged_frames(tmp_path):
    X = np.random.default_rng(0).uniform(-0.5, 0.5, (3, 4000)).astype(np.float32)
    union = make_feature_union(features=("mfcc", "tempo"))
    extract_to_disk(X, union, tmp_path / "table.npy")
    names = json.loads((tmp_path / "table.npy.json").read_text())["feature_names"]
    assert names[:2] == ["mfcc_0_mean", "mfcc_1_mean"] and names[-1].startswith("tempogram")
    ragged = [X[0], X[1, :2000]]
    with pytest.raises(ValueError, match="fixed number of values per clip"):
        extract_to_disk(ragged, MFCC(), tmp_path / "frames.npy", chunk_size=1)
    with pytest.raises(ValueError, match="chunk_size"):
        extract_to_disk(X, MFCC(), tmp_path / "x.npy", chunk_size=0)
