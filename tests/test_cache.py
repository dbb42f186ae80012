"""Feature caching: hits, invalidation, the disk layer across processes, bounded memory,
keyed waveforms, and a grid search that analyses each clip once."""

import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import joblib
import numpy as np
import pytest
import soundfile as sf
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_music import (MFCC, AudioLoader, Chroma, MelSpectrogram, config_context,
                           get_config, set_config)
from sklearn_music import io as sm_io
from sklearn_music._cache import KeyedWaveforms, memory_cache
from sklearn_music.features import _engine
from sklearn_music.pipelines import make_classical_pipeline, make_feature_union

SR = 22050


@pytest.fixture(autouse=True)
def empty_memory_cache():
    memory_cache.clear()
    yield
    memory_cache.clear()


@pytest.fixture
def analyses(monkeypatch):
    """Records the features computed: one (clip, transformer names) entry per analysis."""
    calls = []
    original = _engine.analyse_clip

    def counting(source, transformers):
        calls.append((source if isinstance(source, str) else "waveform",
                      [type(t).__name__ for t in transformers]))  # fmt: skip
        return original(source, transformers)

    monkeypatch.setattr(_engine, "analyse_clip", counting)
    return calls


def _write(path, seed, seconds=1.0, sr=SR):
    y = np.random.default_rng(seed).uniform(-0.5, 0.5, int(seconds * sr))
    sf.write(path, y, sr, subtype="FLOAT")
    return str(path)


@pytest.fixture
def files(tmp_path):
    return [_write(tmp_path / f"clip{i}.wav", seed=i) for i in range(4)]


def test_second_transform_reads_the_cache(files, tmp_path, analyses):
    mfcc = MFCC(n_mfcc=8, memory=str(tmp_path / "cache"))
    first = mfcc.fit_transform(files)
    assert len(analyses) == 4
    second = mfcc.transform(files)
    assert len(analyses) == 4
    np.testing.assert_array_equal(second, first)
    np.testing.assert_array_equal(first, MFCC(n_mfcc=8).fit_transform(files))
    assert list(second.feature_names) == list(first.feature_names)


def test_changed_file_is_recomputed_even_with_its_old_mtime(files, tmp_path, analyses):
    mfcc = MFCC(n_mfcc=8, memory=str(tmp_path / "cache"))
    before = mfcc.transform(files)
    stat = os.stat(files[1])
    _write(files[1], seed=99)  # same length and size, other samples
    os.utime(files[1], ns=(stat.st_atime_ns, stat.st_mtime_ns))
    after = mfcc.transform(files)
    assert [source for source, _ in analyses[4:]] == [files[1]]
    np.testing.assert_array_equal(after[[0, 2, 3]], before[[0, 2, 3]])
    assert not np.allclose(after[1], before[1])
    np.testing.assert_array_equal(after, MFCC(n_mfcc=8).transform(files))


def test_changed_parameters_are_recomputed_but_n_jobs_is_not(files, tmp_path, analyses):
    memory = str(tmp_path / "cache")
    MFCC(n_mfcc=8, memory=memory).transform(files)
    MFCC(n_mfcc=8, n_jobs=1, memory=joblib.Memory(memory, verbose=0)).transform(files)
    assert len(analyses) == 4
    MFCC(n_mfcc=9, memory=memory).transform(files)
    Chroma(memory=memory).transform(files)
    assert len(analyses) == 12


def test_waveforms_are_keyed_by_their_samples(tmp_path, analyses):
    X = np.random.default_rng(0).uniform(-0.5, 0.5, (3, SR)).astype(np.float32)
    mel = MelSpectrogram(n_mels=16, memory=str(tmp_path / "cache"))
    first = mel.transform(X)
    changed = X.copy()
    changed[2, 100] += 0.25
    second = mel.transform(changed)
    assert len(analyses) == 4  # only the changed clip again
    np.testing.assert_array_equal(second[:2], first[:2])
    np.testing.assert_array_equal(second, MelSpectrogram(n_mels=16).transform(changed))


def test_disk_cache_survives_a_new_process(files, tmp_path, analyses, monkeypatch):
    memory = str(tmp_path / "cache")
    script = textwrap.dedent(f"""
        import numpy as np
        from sklearn_music.pipelines import make_feature_union
        out = make_feature_union(memory={memory!r}).fit_transform({files!r})
        np.save({str(tmp_path / 'first.npy')!r}, out)
    """)
    subprocess.run([sys.executable, "-c", script], check=True)

    def no_computing(source, transformers):
        raise AssertionError(f"{source} was computed again")

    monkeypatch.setattr(_engine, "analyse_clip", no_computing)
    again = make_feature_union(memory=memory).fit_transform(files)
    np.testing.assert_array_equal(again, np.load(tmp_path / "first.npy"))


def test_memory_only_cache_writes_no_files(files, tmp_path, analyses):
    memory = joblib.Memory(None)
    first = MFCC(memory=memory).transform(files)
    np.testing.assert_array_equal(MFCC(memory=memory).transform(files), first)
    assert len(analyses) == 4
    assert sorted(os.listdir(tmp_path)) == sorted(os.path.basename(f) for f in files)


def test_in_process_cache_stays_within_its_budget():
    with config_context(cache_memory=1):  # MiB
        for i in range(20):
            memory_cache.put(f"key{i}", np.zeros(100_000, np.float32))  # 0.4 MB each
            assert memory_cache.nbytes <= 2**20
        assert memory_cache.get("key19") is not None and memory_cache.get("key0") is None
        memory_cache.put("big", np.zeros(2**20, np.float32))  # larger than the budget
        assert memory_cache.get("big") is None
    with config_context(cache_memory=0):
        memory_cache.put("any", np.zeros(10, np.float32))
        assert memory_cache.get("any") is None
    assert get_config()["cache_memory"] == 1024
    with pytest.raises(ValueError, match="cache_memory"):
        set_config(cache_memory=-1)


def test_cached_values_cannot_be_changed_by_the_caller():
    memory_cache.put("k", np.ones(3, np.float32))
    with pytest.raises(ValueError, match="read-only"):
        memory_cache.get("k")[0] = 5.0


# --- keyed waveforms ----------------------------------------------------------------------


def test_cached_loader_decodes_once_and_tags_clips(files, monkeypatch):
    loads = []
    original = sm_io.load_audio
    monkeypatch.setattr(sm_io, "load_audio", lambda *a, **k: loads.append(1) or original(*a, **k))
    loader = AudioLoader(duration=0.5, cache=True)
    first = loader.transform(files)
    second = loader.transform(files[::-1])
    assert len(loads) == 4
    assert isinstance(first, KeyedWaveforms) and not first.flags.writeable
    np.testing.assert_array_equal(second[::-1], first)
    np.testing.assert_array_equal(first, AudioLoader(duration=0.5).transform(files))
    assert AudioLoader(duration=0.25, cache=True).transform(files).clip_keys != first.clip_keys
    ragged = AudioLoader(cache=True).transform([files[0], _write(files[0] + ".wav", 7, 0.5)])
    assert [w.clip_keys is not None for w in ragged] == [True, True]


def test_cached_loader_warns_once_when_the_clips_do_not_fit(files, monkeypatch):
    monkeypatch.setattr(sm_io, "_warned_budgets", set(), raising=False)
    loads = []
    original = sm_io.load_audio
    monkeypatch.setattr(sm_io, "load_audio", lambda *a, **k: loads.append(1) or original(*a, **k))
    loader = AudioLoader(cache=True)  # 4 clips of 88 KiB: 0.34 MiB
    with config_context(cache_memory=0.2):
        with pytest.warns(UserWarning, match=r"the 4 decoded clips take 0.3 MiB, more than the "
                                             r"in-process cache holds \(cache_memory=0.2 MiB\), "
                                             "so the clips that do not fit are decoded again"):
            loader.transform(files)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loader.transform(files)  # once per budget
        assert len(loads) == 6  # the two clips that did not fit were decoded again
    with config_context(cache_memory=0.1), pytest.warns(UserWarning, match="=0.1 MiB"):
        loader.transform(files[:2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loader.transform(files)  # within the default budget
        with config_context(cache_memory=0):  # turned off on purpose
            loader.transform(files)


def test_keys_survive_only_what_keeps_the_samples():
    X = KeyedWaveforms(np.arange(12, dtype=np.float32).reshape(3, 4), ["a", "b", "c"])
    assert X[[2, 0]].clip_keys == ("c", "a") and X[1:].clip_keys == ("b", "c")
    assert X[np.array([True, False, True]), ...].clip_keys == ("a", "c")
    assert X[1].clip_keys == ("b",)
    for other in (X[:, 1:], X.copy(), X * 1.0, X.reshape(4, 3), X[0, :2], np.asarray(X),
                  X[:, np.arange(2)], X[0, np.arange(2)]):  # (an array index crashed)
        assert getattr(other, "clip_keys", None) is None
    for kept in (X[[2, 0]], X[1:], pickle.loads(pickle.dumps(X))):
        assert not kept.flags.writeable
        with pytest.raises(ValueError):
            kept[0, 0] = 1.0
    assert pickle.loads(pickle.dumps(X)).clip_keys == ("a", "b", "c")


def test_features_from_keyed_clips_equal_those_from_hashed_clips(files, tmp_path, analyses):
    keyed = AudioLoader(cache=True).transform(files)
    plain = np.array(keyed)
    memory = str(tmp_path / "cache")
    np.testing.assert_array_equal(MFCC(memory=memory).transform(keyed[1:]),
                                  MFCC(memory=memory).transform(plain[1:]))  # fmt: skip
    assert len(analyses) == 6  # keyed and hashed clips have different keys
    MFCC(memory=memory).transform(keyed[[3, 2]])
    assert len(analyses) == 6


# --- searches -------------------------------------------------------------------------------


def test_grid_search_decodes_and_analyses_each_clip_once(tmp_path, analyses, monkeypatch):
    paths = [_write(tmp_path / f"{i}.wav", seed=i, seconds=0.5) for i in range(12)]
    y = np.arange(12) % 2
    loads = []
    original = sm_io.load_audio
    monkeypatch.setattr(sm_io, "load_audio", lambda *a, **k: loads.append(1) or original(*a, **k))
    pipeline = make_classical_pipeline(features=("mfcc", "spectral"),
                                       memory=str(tmp_path / "cache"))  # fmt: skip
    search = GridSearchCV(pipeline, {"clf__C": [0.1, 1.0, 10.0], "clf__gamma": ["scale", 0.1]},
                          cv=3)  # fmt: skip
    search.fit(paths, y)
    assert len(search.cv_results_["params"]) == 6
    assert len(loads) == 12  # each file decoded once over 6 candidates x 3 folds + refit
    assert len(analyses) == 12  # and analysed once, MFCC and spectral together
    assert all(names == ["MFCC", "SpectralFeatures"] for _, names in analyses)


def test_search_results_do_not_depend_on_caching(tmp_path):
    paths = [_write(tmp_path / f"{i}.wav", seed=i, seconds=0.5) for i in range(8)]
    y = np.arange(8) % 2
    grid = {"clf__C": [0.1, 10.0]}
    scores = []
    for memory in (None, str(tmp_path / "cache")):
        pipeline = Pipeline([
            ("load", AudioLoader(cache=memory is not None)),
            ("features", make_feature_union(features=("mfcc",), memory=memory)),
            ("scale", StandardScaler()), ("clf", SVC()),
        ])  # fmt: skip
        search = GridSearchCV(pipeline, grid, cv=2).fit(paths, y)
        scores.append(search.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(scores[0], scores[1])
