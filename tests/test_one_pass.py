"""One-pass extraction: the fast spectral primitives against librosa, and AudioFeatureUnion."""

import warnings

import librosa
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_music import (MFCC, AudioFeatureUnion, Chroma, MelSpectrogram, Pooling,
                           SpectralFeatures, TempoFeatures, load_audio)
from sklearn_music.features import _context, _engine
from sklearn_music.features import union as union_module
from sklearn_music.features._spectra import (estimate_tuning, mel_filterbank, spectral_moments,
                                             mean_tempogram, spectral_rolloff, stft_magnitude,
                                             zero_crossing_rate)
from sklearn_music.pipelines import make_feature_union

SR = 22050


@pytest.fixture(scope="module")
def gtzan_clips(gtzan_paths):
    """Eight real 30-s GTZAN clips of eight genres."""
    return [load_audio(p, sr=SR)[0] for p in gtzan_paths[::6][:8]]


def _noise(n_samples, seed=0):
    return np.random.default_rng(seed).uniform(-0.5, 0.5, n_samples).astype(np.float32)


# --- the primitives reproduce librosa --------------------------------------------------------


@pytest.mark.parametrize("n_fft,hop_length", [(2048, 512), (1024, 256), (512, 160)])
def test_stft_magnitude_is_librosas_bit_for_bit(gtzan_clips, n_fft, hop_length):
    for y in gtzan_clips[:2] + [_noise(n_fft + 1), _noise(50_000, seed=1)]:
        ours = stft_magnitude(y, n_fft=n_fft, hop_length=hop_length)
        reference = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop_length))
        np.testing.assert_array_equal(ours, reference)


def test_tuning_estimate_equals_librosas_exactly(gtzan_clips):
    t = np.arange(SR) / SR
    detuned = (0.5 * np.sin(2 * np.pi * 440 * 2 ** (0.3 / 12) * t)).astype(np.float32)
    for y in gtzan_clips + [detuned, _noise(SR)]:
        P = stft_magnitude(y, n_fft=2048, hop_length=512) ** 2
        assert estimate_tuning(P, sr=SR, n_fft=2048) == librosa.estimate_tuning(S=P, sr=SR)


def test_tuning_of_silence_is_zero_like_librosa_without_its_warning():
    silence = np.zeros((1025, 10), np.float32)
    with pytest.warns(UserWarning, match="empty frequency set"):
        assert librosa.estimate_tuning(S=silence, sr=SR, n_fft=2048) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert estimate_tuning(silence, sr=SR, n_fft=2048) == 0.0


@pytest.mark.parametrize("n_samples", [1, 100, 2047, 30_001])
def test_zero_crossing_rate_is_librosas_bit_for_bit(n_samples):
    y = _noise(n_samples)
    y[::7] = 0.0
    y[1::11] = -0.0  # signed zeros count as zeros, as in librosa
    y[2::13] = 1e-11  # below librosa's threshold
    ours = zero_crossing_rate(y, frame_length=2048, hop_length=512)
    np.testing.assert_array_equal(ours, librosa.feature.zero_crossing_rate(y))


def test_rolloff_is_bit_for_bit_and_moments_equal_librosa(gtzan_clips):
    freqs = librosa.fft_frequencies(sr=SR, n_fft=2048)
    for y in gtzan_clips[:3]:
        S = stft_magnitude(y, n_fft=2048, hop_length=512)
        S[:, :5] = 0.0  # silent frames
        for roll_percent in (0.85, 0.5):
            np.testing.assert_array_equal(
                spectral_rolloff(S, freqs, roll_percent=roll_percent),
                librosa.feature.spectral_rolloff(S=S, sr=SR, roll_percent=roll_percent),
            )
        centroid, bandwidth = spectral_moments(S, freqs)
        np.testing.assert_allclose(centroid, librosa.feature.spectral_centroid(S=S, sr=SR),
                                   rtol=1e-6, atol=1e-6)  # fmt: skip
        np.testing.assert_allclose(bandwidth, librosa.feature.spectral_bandwidth(S=S, sr=SR),
                                   rtol=1e-6, atol=1e-6)  # fmt: skip


@pytest.mark.parametrize("sr,n_fft,n_mels,fmin,fmax", [
    (22050, 2048, 128, 0.0, None), (16000, 1024, 64, 30.0, 7000.0), (44100, 4096, 40, 0.0, None),
])  # fmt: skip
def test_banded_mel_filterbank_equals_the_dense_product(sr, n_fft, n_mels, fmin, fmax):
    S = np.random.default_rng(0).random((1 + n_fft // 2, 50), dtype=np.float32)
    dense = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    ours = mel_filterbank(sr, n_fft, n_mels, fmin, fmax).apply(S)
    np.testing.assert_allclose(ours, dense @ S, rtol=1e-5, atol=1e-7)


def test_mean_tempogram_equals_librosa(gtzan_clips):
    for y in gtzan_clips[:3]:
        envelope = librosa.onset.onset_strength(y=y, sr=SR)
        for win_length in (384, 200):
            np.testing.assert_allclose(
                mean_tempogram(envelope, win_length=win_length),
                librosa.feature.tempogram(onset_envelope=envelope, sr=SR,
                                          win_length=win_length).mean(axis=1),
                rtol=1e-9, atol=1e-12,
            )


def test_tempo_features_equal_librosas_own_functions_on_gtzan(gtzan_clips):
    from sklearn_music.features.rhythm import _PULSE_RANGE_BPM, _RATIOS

    ours = TempoFeatures().fit_transform(gtzan_clips[:4])
    for y, row in zip(gtzan_clips, ours):
        envelope = librosa.onset.onset_strength(y=y, sr=SR)
        tg = librosa.feature.tempogram(onset_envelope=envelope, sr=SR)
        tempo = librosa.feature.tempo(tg=tg, sr=SR)[0]
        mean_tg = tg.mean(axis=1)
        bpm = librosa.tempo_frequencies(len(mean_tg), sr=SR)
        beat = mean_tg[(bpm >= _PULSE_RANGE_BPM[0]) & (bpm <= _PULSE_RANGE_BPM[1])]
        ratios = librosa.f0_harmonics(mean_tg[:, None], f0=np.array([tempo]), freqs=bpm,
                                      harmonics=list(_RATIOS.values()))[:, 0]  # fmt: skip
        onsets = librosa.onset.onset_detect(onset_envelope=envelope, sr=SR)
        expected = np.concatenate([[tempo, envelope.mean(), envelope.std(),
                                    len(onsets) * SR / len(y), beat.max() - np.median(beat)],
                                   ratios])  # fmt: skip
        np.testing.assert_allclose(row, expected, rtol=1e-4, atol=1e-5)


def test_context_spectrograms_have_librosas_frames_for_short_clips():
    y = _noise(1000)
    ctx = _context.ClipContext(y, SR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # librosa: n_fft=2048 is too large
        reference = np.abs(librosa.stft(y))
    np.testing.assert_array_equal(ctx.magnitude(2048, 512), reference)


# --- AudioFeatureUnion ---------------------------------------------------------------------


def _parts():
    return [("mfcc", make_pipeline(MFCC(n_mfcc=8, deltas=1), Pooling())),
            ("chroma", make_pipeline(Chroma(), Pooling())),
            ("spectral", make_pipeline(SpectralFeatures(), Pooling(stats=("mean",)))),
            ("mel", make_pipeline(MelSpectrogram(n_mels=32), Pooling(stats=("max",)))),
            ("tempo", TempoFeatures())]  # fmt: skip


def _counting(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *a, **k: calls.append(1) or original(*a, **k))
    return calls


def test_union_equals_feature_union_with_one_stft_per_clip(monkeypatch):
    X = np.stack([_noise(2 * SR, seed=i) for i in range(3)])
    expected = FeatureUnion(_parts()).fit_transform(X)
    stfts = _counting(monkeypatch, _context, "stft_magnitude")
    union = AudioFeatureUnion(_parts())
    np.testing.assert_array_equal(union.fit_transform(X), expected)
    assert len(stfts) == 3  # MFCC, chroma, spectral, mel and tempo share each clip's STFT
    stfts.clear()
    np.testing.assert_array_equal(union.transform(X), expected)
    assert len(stfts) == 3
    assert list(union.get_feature_names_out()) == list(
        FeatureUnion(_parts()).fit(X).get_feature_names_out()
    )


def test_union_fit_computes_only_what_later_steps_learn_from(monkeypatch):
    X = np.stack([_noise(SR, seed=i) for i in range(2)])
    computed = []
    original = union_module.transform_clips
    monkeypatch.setattr(union_module, "transform_clips", lambda heads, *a, **k: (
        computed.append([type(h).__name__ for h in heads]) or original(heads, *a, **k)))
    union = AudioFeatureUnion(_parts()).fit(X)  # the bare TempoFeatures part only validates
    assert computed == [["MFCC", "Chroma", "SpectralFeatures", "MelSpectrogram"]]
    np.testing.assert_array_equal(union.transform(X), FeatureUnion(_parts()).fit_transform(X))
    assert computed[1][-1] == "TempoFeatures"  # transforming computes every part
    AudioFeatureUnion([("tempo", TempoFeatures())]).fit(X)
    assert len(computed) == 2  # nothing to compute at all


def test_union_decodes_each_file_once(tone_files, monkeypatch):
    paths, _ = tone_files
    expected = FeatureUnion(_parts()).fit_transform(paths)
    loads = _counting(monkeypatch, _engine, "load_audio")
    np.testing.assert_array_equal(AudioFeatureUnion(_parts()).fit_transform(paths), expected)
    assert len(loads) == len(paths)


def test_union_keeps_other_parts_weights_and_drop():
    X = np.stack([_noise(SR, seed=i) for i in range(2)])
    parts = _parts()[:2] + [("head", FunctionTransformer(lambda X: np.asarray(X)[:, :3])),
                            ("spectral", "drop")]  # fmt: skip
    weights = {"mfcc": 2.0, "head": 0.5}
    expected = FeatureUnion(parts, transformer_weights=weights).fit_transform(X)
    ours = AudioFeatureUnion(parts, transformer_weights=weights).fit_transform(X)
    np.testing.assert_array_equal(ours, expected)


def test_union_params_clone_and_pandas_output():
    union = make_feature_union(features=("mfcc", "tempo"))
    assert isinstance(union, AudioFeatureUnion)
    assert union.get_params()["mfcc__mfcc__n_mfcc"] == 20
    union.set_params(mfcc__mfcc__n_mfcc=5)
    table = clone(union).set_output(transform="pandas").fit_transform(_noise(SR)[None])
    assert list(table.columns[:2]) == ["mfcc_0_mean", "mfcc_1_mean"] and table.shape == (1, 28)


def test_clips_in_parallel_processes_equal_one_process(tone_files):
    paths, _ = tone_files
    union = make_feature_union()
    expected = union.fit_transform(paths)
    np.testing.assert_array_equal(union.set_params(n_jobs=2).fit_transform(paths), expected)
    single = MFCC(n_jobs=2).fit_transform(paths)
    np.testing.assert_array_equal(single, MFCC().fit_transform(paths))
