"""Property tests: whatever bytes, shapes, dtypes and rates come in, loaders and
transformers give finite output or the one documented error (AudioError, or ValueError
for a malformed X), never a crash deep in NumPy or silently wrong output."""

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklearn_music import (MFCC, AudioError, AudioLoader, Chroma, MelSpectrogram, Pooling,
                           SpectralFeatures, TempoFeatures, load_audio)

FUZZ = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

SUBTYPES = ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"]


@FUZZ
@given(data=st.binary(min_size=0, max_size=2048),
       ext=st.sampled_from(["wav", "flac", "ogg", "mp3", "au"]))
def test_random_bytes_with_an_audio_name(tmp_path, data, ext):
    path = tmp_path / f"noise.{ext}"
    path.write_bytes(data)
    try:
        y, sr = load_audio(path, sr=8000)
    except AudioError as exc:
        assert str(path) in str(exc)
    else:  # some short byte strings are valid raw-ish streams: then output must be sane
        assert y.dtype == np.float32 and np.all(np.isfinite(y)) and sr == 8000


@FUZZ
@given(n_samples=st.integers(1, 3000), channels=st.integers(1, 8),
       sr=st.sampled_from([8000, 11025, 16000, 22050, 44100, 48000, 96000, 192000]),
       subtype=st.sampled_from(SUBTYPES), seed=st.integers(0, 2**16))
def test_any_valid_wav_loads_finite_and_bounded(tmp_path, n_samples, channels, sr, subtype,
                                                seed):
    rng = np.random.default_rng(seed)
    y = rng.uniform(-1, 1, (n_samples, channels))
    path = tmp_path / "x.wav"
    sf.write(path, y, sr, subtype=subtype)
    out, out_sr = load_audio(path, sr=22050)
    assert out_sr == 22050 and out.ndim == 1 and out.dtype == np.float32
    assert out.size == int(np.ceil(n_samples * 22050 / sr))
    assert np.all(np.isfinite(out)) and np.max(np.abs(out), initial=0) < 2.0
    multi, _ = load_audio(path, sr=None, mono=False)
    assert multi.shape == (channels, n_samples)


waveforms = st.lists(
    st.integers(0, 4000).flatmap(
        lambda n: st.sampled_from(["noise", "silence", "nan", "inf", "loud"]).map(
            lambda kind: (n, kind))),
    min_size=1, max_size=3)


def _make(n, kind, rng):
    y = {"noise": rng.uniform(-1, 1, n), "silence": np.zeros(n),
         "loud": rng.uniform(-1e4, 1e4, n)}.get(kind, rng.uniform(-1, 1, n))
    if kind in ("nan", "inf") and n:
        y[rng.integers(n)] = np.nan if kind == "nan" else np.inf
    return y.astype(rng.choice([np.float16, np.float32, np.float64]))


TRANSFORMERS = [MelSpectrogram(sr=8000, n_mels=16, n_fft=256, hop_length=128),
                MFCC(sr=8000, n_mfcc=13, n_mels=16, n_fft=256, hop_length=128, deltas=2),
                Chroma(sr=8000, n_fft=256, hop_length=128),
                SpectralFeatures(sr=8000, n_fft=256, hop_length=128, n_bands=4),
                TempoFeatures(sr=8000, hop_length=128)]


@FUZZ
@given(spec=waveforms, seed=st.integers(0, 2**16),
       transformer=st.sampled_from(TRANSFORMERS))
def test_transformers_give_finite_features_or_documented_error(spec, seed, transformer):
    rng = np.random.default_rng(seed)
    clips = [_make(n, kind, rng) for n, kind in spec]
    bad = any(c.size == 0 or not np.all(np.isfinite(c.astype(np.float64))) for c in clips)
    try:
        out = np.asarray(transformer.fit_transform(clips))
    except AudioError as exc:
        assert bad, f"unexpected AudioError on valid clips: {exc}"
        return
    assert not bad, "NaN, inf or empty clips must be rejected"
    assert out.shape[0] == len(clips)
    if out.ndim == 3:
        pooled = Pooling(stats=("mean", "std", "max")).fit_transform(out)
        assert np.all(np.isfinite(pooled))
    else:
        assert np.all(np.isfinite(out))


@FUZZ
@given(shape=st.sampled_from([(5,), (2, 3, 4), (0, 10), (3, 0), (2, 300)]),
       dtype=st.sampled_from([np.float32, np.int16, np.complex64, object]))
def test_malformed_X_is_a_value_error(shape, dtype):
    X = np.zeros(shape, dtype=dtype)
    valid = len(shape) == 2 and 0 not in shape and dtype is not np.complex64
    for estimator in (AudioLoader(), MFCC()):
        if valid:
            assert len(estimator.fit_transform(X)) == shape[0]
        else:
            with pytest.raises((ValueError, TypeError)):
                estimator.fit_transform(X)
