"""Feature transformers: equality with librosa on real audio, shapes, names, edge cases."""

import pickle
import warnings

import librosa
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import FeatureUnion, make_pipeline

from sklearn_music import (MFCC, AudioError, Chroma, KeyFeatures, MelSpectrogram, Pooling,
                           SpectralFeatures, TempoFeatures, load_audio)
from sklearn_music.features import _context
from sklearn_music.features.key_profiles import KEY_NAMES, key_profiles

SR = 22050
# Our features call librosa's functions on the same samples, so they agree to float32
# rounding; this tolerance leaves room for BLAS/FFT differences across machines.
RTOL, ATOL = 1e-5, 1e-5

FRAME_TRANSFORMERS = [MelSpectrogram(n_mels=32), MFCC(n_mfcc=8, deltas=1), Chroma(),
                      SpectralFeatures()]  # fmt: skip
CLIP_TRANSFORMERS = [KeyFeatures(kind="stft"), TempoFeatures()]


@pytest.fixture(scope="module")
def gtzan_clips(gtzan_paths):
    """Ten seconds of two real GTZAN clips of different genres, at 22050 Hz."""
    return [load_audio(gtzan_paths[i], sr=SR, offset=5.0, duration=10.0)[0] for i in (0, 25)]


def _noise(n_clips=2, n_samples=SR, seed=0):
    return np.random.default_rng(seed).uniform(-0.5, 0.5, (n_clips, n_samples)).astype(np.float32)


def _tone(freq, seconds=1.0, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


# --- equality with librosa on real music -------------------------------------------------


@pytest.mark.parametrize("to_db", [True, False])
def test_mel_equals_librosa_on_gtzan(gtzan_clips, to_db):
    ours = MelSpectrogram(n_mels=96, fmax=8000.0, to_db=to_db).fit_transform(gtzan_clips)
    for y, frames in zip(gtzan_clips, ours):
        ref = librosa.feature.melspectrogram(y=y, sr=SR, n_mels=96, fmax=8000.0)
        ref = librosa.power_to_db(ref) if to_db else ref
        np.testing.assert_allclose(frames, ref, rtol=RTOL, atol=ATOL)


def test_mel_magnitude_db_equals_librosa_amplitude_to_db(gtzan_clips):
    ours = MelSpectrogram(power=1.0).fit_transform(gtzan_clips[:1])[0]
    ref = librosa.feature.melspectrogram(y=gtzan_clips[0], sr=SR, power=1.0)
    np.testing.assert_allclose(ours, librosa.amplitude_to_db(ref), rtol=RTOL, atol=1e-4)


def test_mfcc_and_deltas_equal_librosa_on_gtzan(gtzan_clips):
    ours = MFCC(n_mfcc=13, deltas=2).fit_transform(gtzan_clips)
    for y, frames in zip(gtzan_clips, ours):
        ref = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=13)
        expected = np.concatenate(
            [ref, librosa.feature.delta(ref), librosa.feature.delta(ref, order=2)]
        )
        np.testing.assert_allclose(frames, expected, rtol=RTOL, atol=1e-4)


@pytest.mark.parametrize(
    "kind,function",
    [("stft", librosa.feature.chroma_stft), ("cqt", librosa.feature.chroma_cqt),
     ("cens", librosa.feature.chroma_cens)],
)  # fmt: skip
def test_chroma_equals_librosa_on_gtzan(gtzan_clips, kind, function):
    ours = Chroma(kind=kind).fit_transform(gtzan_clips)
    for y, frames in zip(gtzan_clips, ours):
        np.testing.assert_allclose(frames, function(y=y, sr=SR), rtol=RTOL, atol=ATOL)


def test_spectral_features_equal_librosa_on_gtzan(gtzan_clips):
    y = gtzan_clips[1]
    ours = SpectralFeatures().fit_transform([y])[0]
    feature = librosa.feature
    expected = np.concatenate([
        feature.spectral_centroid(y=y, sr=SR), feature.spectral_bandwidth(y=y, sr=SR),
        feature.spectral_rolloff(y=y, sr=SR), feature.spectral_contrast(y=y, sr=SR),
        feature.spectral_flatness(y=y), feature.zero_crossing_rate(y), feature.rms(y=y),
    ])  # fmt: skip
    np.testing.assert_allclose(ours, expected, rtol=RTOL, atol=ATOL)


# --- shapes, names, input forms ----------------------------------------------------------


@pytest.mark.parametrize(
    "transformer,names",
    [
        (MelSpectrogram(n_mels=40), ["mel_0", "mel_39"]),
        (MFCC(), ["mfcc_0", "mfcc_19"]),
        (MFCC(n_mfcc=4, deltas=2), ["mfcc_0", "mfcc_delta_0", "mfcc_delta2_3"]),
        (Chroma(), ["chroma_C", "chroma_C#", "chroma_Eb", "chroma_B"]),
        (SpectralFeatures(), ["spectral_centroid", "spectral_contrast_6", "zero_crossing_rate",
                              "rms"]),
    ],
)  # fmt: skip
def test_frame_shapes_and_names(transformer, names):
    X = _noise(3, 3 * SR)
    frames = transformer.fit_transform(X)
    n_features = transformer.n_output_features_
    assert frames.shape == (3, n_features, 1 + 3 * SR // 512)
    assert frames.dtype == np.float32
    assert list(frames.feature_names) == list(transformer.get_feature_names_out())
    assert set(names) <= set(frames.feature_names)
    assert len(set(frames.feature_names)) == n_features


def test_spectral_rows_follow_the_selection_in_canonical_order():
    frames = SpectralFeatures(features=("rms", "centroid")).fit_transform(_noise())
    assert list(frames.feature_names) == ["spectral_centroid", "rms"]


@pytest.mark.parametrize("transformer", FRAME_TRANSFORMERS + CLIP_TRANSFORMERS,
                         ids=lambda t: type(t).__name__)  # fmt: skip
def test_paths_and_waveforms_give_the_same_features(transformer, tone_files):
    paths, _ = tone_files
    waves = [load_audio(p, sr=SR)[0] for p in paths]
    np.testing.assert_array_equal(transformer.fit_transform(paths), transformer.transform(waves))


@pytest.mark.parametrize("transformer", FRAME_TRANSFORMERS + CLIP_TRANSFORMERS,
                         ids=lambda t: type(t).__name__)  # fmt: skip
def test_clone_and_pickle_give_the_same_features(transformer):
    X = _noise(2, SR // 2)
    expected = transformer.fit_transform(X)
    for other in (clone(transformer), pickle.loads(pickle.dumps(transformer.fit(X)))):
        np.testing.assert_array_equal(other.fit_transform(X), expected)
    frames = pickle.loads(pickle.dumps(expected))
    assert list(getattr(frames, "feature_names", [])) == list(
        getattr(expected, "feature_names", [])
    )


def test_transform_without_fit_works_as_they_learn_nothing():
    X = _noise()
    np.testing.assert_array_equal(MFCC().transform(X), MFCC().fit(X).transform(X))


def test_clips_of_different_lengths_are_nan_padded_to_the_longest():
    waves = [_noise(1, SR)[0], _noise(1, SR // 2)[0]]
    frames = MFCC().fit_transform(waves)
    n_long, n_short = 1 + SR // 512, 1 + (SR // 2) // 512
    assert frames.shape == (2, 20, n_long)
    assert not np.isnan(frames[0]).any() and not np.isnan(frames[1, :, :n_short]).any()
    assert np.isnan(frames[1, :, n_short:]).all()
    np.testing.assert_array_equal(frames[1, :, :n_short], MFCC().fit_transform(waves[1:])[0])


def test_mel_n_frames_crops_and_pads_with_silence():
    y = _noise(1, SR)  # 44 frames
    full = MelSpectrogram(top_db=None).fit_transform(y)[0]
    cropped = MelSpectrogram(top_db=None, n_frames=10).fit_transform(y)[0]
    padded = MelSpectrogram(top_db=None, n_frames=60).fit_transform(y)[0]
    np.testing.assert_array_equal(cropped, full[:, :10])
    np.testing.assert_array_equal(padded[:, :44], full)
    np.testing.assert_allclose(padded[:, 44:], -100.0)  # silence at amin=1e-10
    power = MelSpectrogram(to_db=False, n_frames=60).fit_transform(y)[0]
    assert np.all(power[:, 44:] == 0)


def test_mel_db_keeps_loudness_differences():
    quiet, loud = _tone(440.0) * 0.01, _tone(440.0)
    frames = MelSpectrogram().fit_transform(np.stack([quiet, loud]))
    assert np.nanmax(frames[1]) - np.nanmax(frames[0]) == pytest.approx(40.0, abs=0.1)


# --- short clips, silence, errors --------------------------------------------------------


@pytest.mark.parametrize("n_samples", [1, 100, 2047])
@pytest.mark.parametrize("transformer", FRAME_TRANSFORMERS + CLIP_TRANSFORMERS,
                         ids=lambda t: type(t).__name__)  # fmt: skip
def test_short_clips_give_finite_features(transformer, n_samples):
    out = transformer.fit_transform(_noise(2, n_samples))
    assert np.isfinite(out).all()
    if out.ndim == 3:
        assert out.shape[2] == 1 + n_samples // 512


def test_short_clip_features_equal_librosa_without_the_n_fft_warning():
    y = _noise(1, 1000)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = MelSpectrogram(to_db=False).fit_transform([y])[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # librosa: n_fft=2048 is too large
        ref = librosa.feature.melspectrogram(y=y, sr=SR)
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=1e-7)


@pytest.mark.parametrize("transformer", FRAME_TRANSFORMERS + CLIP_TRANSFORMERS,
                         ids=lambda t: type(t).__name__)  # fmt: skip
def test_silence_gives_finite_features_without_warnings(transformer):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not librosa's "empty frequency set" of the tuning
        out = transformer.fit_transform(np.zeros((1, 2 * SR), np.float32))
    assert np.isfinite(out).all()


@pytest.mark.parametrize("transformer", [Chroma(kind="cqt"), Chroma(kind="cens"),
                                         KeyFeatures()], ids=repr)  # fmt: skip
def test_constant_q_chroma_of_short_clips_without_the_n_fft_warning(transformer):
    for n_samples in (SR // 2, 2 * SR):  # shorter than the lowest constant-Q filters
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = transformer.fit_transform(_noise(1, n_samples))
        assert np.isfinite(out).all()


def test_nan_waveform_is_an_audio_error():
    X = _noise()
    X[1, 5] = np.nan
    with pytest.raises(AudioError, match="waveform 1"):
        MFCC().fit_transform(X)


def test_missing_file_error_names_the_file(tmp_path):
    missing = str(tmp_path / "nope.wav")
    with pytest.raises(AudioError, match="nope.wav"):
        Chroma().fit_transform([missing])


@pytest.mark.parametrize(
    "transformer,message",
    [
        (MelSpectrogram(fmax=20000.0), "Nyquist"),
        (MelSpectrogram(fmin=5000.0, fmax=4000.0), "fmin=5000.0 Hz must be below"),
        (MFCC(n_mfcc=40, n_mels=20), "n_mels=20"),
        (MFCC(deltas=1, delta_width=4), "delta_width must be odd"),
        (SpectralFeatures(features=("centroid", "loudness")), "loudness"),
        (SpectralFeatures(features=()), "non-empty"),
        (SpectralFeatures(features=("rms", "rms")), "twice"),
        (SpectralFeatures(fmin=2000.0), "lower fmin or n_bands"),
        (Chroma(kind="cqt", n_octaves=9), "Nyquist"),
        (KeyFeatures(profiles=("aarden",)), "aarden"),
        (MFCC(deltas=3), "deltas"),
        (Chroma(kind="hpcp"), "kind"),
    ],
)  # fmt: skip
def test_bad_parameters_are_clear_errors(transformer, message):
    with pytest.raises(ValueError, match=message):
        transformer.fit(_noise())


def test_contrast_bands_are_only_checked_when_contrast_is_asked_for():
    SpectralFeatures(features=("centroid",), fmin=2000.0).fit_transform(_noise())


def test_spectral_features_share_one_stft_and_skip_it_when_not_needed(monkeypatch):
    calls = []
    stft = _context.stft_magnitude
    monkeypatch.setattr(_context, "stft_magnitude",
                        lambda *a, **k: calls.append(1) or stft(*a, **k))  # fmt: skip
    SpectralFeatures(features=("centroid", "bandwidth", "rolloff", "contrast",
                               "flatness")).fit_transform(_noise(1))  # fmt: skip
    assert len(calls) == 1
    calls.clear()
    SpectralFeatures(features=("zcr", "rms")).fit_transform(_noise(1))
    assert calls == []


# --- tonal -------------------------------------------------------------------------------


def test_chroma_of_a_tone_peaks_on_its_pitch_class():
    frames = Chroma(tuning=0.0).fit_transform(np.stack([_tone(440.0), _tone(261.63)]))
    peaks = [frames.feature_names[f.mean(axis=1).argmax()] for f in frames]
    assert peaks == ["chroma_A", "chroma_C"]


def _scale(tonic_midi, steps, seconds_per_note=0.25):
    notes = [_tone(440.0 * 2 ** ((tonic_midi + s - 69) / 12), seconds_per_note) for s in steps]
    return np.concatenate(notes * 2)


@pytest.mark.parametrize(
    "tonic,steps,key",
    [(60, (0, 2, 4, 5, 7, 9, 11, 12), "C major"), (57, (0, 2, 3, 5, 7, 8, 11, 12), "A minor"),
     (63, (0, 2, 4, 5, 7, 9, 11, 12), "Eb major")],
)  # fmt: skip
def test_key_features_correlations_peak_on_the_key(tonic, steps, key):
    kf = KeyFeatures(kind="cqt", tuning=0.0)
    row = kf.fit_transform([_scale(tonic, steps)])[0]
    names = kf.get_feature_names_out()
    for profile in ("krumhansl", "temperley"):
        block = [i for i, n in enumerate(names) if n.startswith(profile)]
        assert names[block[np.argmax(row[block])]] == f"{profile}_{key.replace(' ', '_')}"


def test_key_correlations_are_pearson_with_the_rotated_profiles():
    kf = KeyFeatures(kind="stft", profiles=("temperley",))
    row = kf.fit_transform(_noise(1, 2 * SR))[0]
    chroma_mean = row[:12]
    expected = [np.corrcoef(chroma_mean, p)[0, 1] for p in key_profiles("temperley")]
    np.testing.assert_allclose(row[12:], expected, atol=1e-5)
    assert len(row) == 12 + len(KEY_NAMES)


def test_key_profiles_rotate_with_the_tonic():
    profiles = key_profiles("krumhansl")
    for k, name in enumerate(KEY_NAMES):
        tonic = k % 12
        assert np.argmax(profiles[k]) == tonic, name
    np.testing.assert_array_equal(np.roll(profiles[0], 3), profiles[3])
    with pytest.raises(ValueError, match="unknown key profile"):
        key_profiles("aarden")


# --- rhythm ------------------------------------------------------------------------------


def _clicks(bpm, seconds=8.0, sr=SR):
    y = np.zeros(int(seconds * sr), np.float32)
    period = int(round(60.0 * sr / bpm))
    for start in range(0, len(y), period):
        y[start : start + 100] = 1.0
    return y


@pytest.mark.parametrize("bpm", [90, 140])
def test_tempo_features_of_a_click_track(bpm):
    tf = TempoFeatures()
    row = tf.fit_transform([_clicks(bpm)])[0]
    features = dict(zip(tf.get_feature_names_out(), row))
    resolution = bpm**2 * 512 / (60 * SR)  # BPM between neighbouring tempogram lags
    assert abs(features["tempo"] - bpm) <= resolution
    assert features["onset_rate"] == pytest.approx(bpm / 60, rel=0.15)
    assert features["pulse_clarity"] > 0.5
    assert features["tempogram_ratio_quarter"] > features["tempogram_ratio_dotted_quarter"]


def test_pulse_clarity_separates_a_beat_from_noise():
    tf = TempoFeatures()
    table = tf.set_output(transform="pandas").fit_transform([_clicks(120), _noise(1, 8 * SR)[0]])
    assert table["pulse_clarity"].iloc[0] > 0.6 > 0.2 > table["pulse_clarity"].iloc[1]


# --- pandas output and composition ------------------------------------------------------


@pytest.mark.parametrize("transformer", CLIP_TRANSFORMERS, ids=lambda t: type(t).__name__)
def test_clip_transformers_give_named_dataframes(transformer):
    table = clone(transformer).set_output(transform="pandas").fit_transform(_noise(2))
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == list(transformer.get_feature_names_out())


def test_frame_transformers_ignore_pandas_output_and_stay_3d():
    frames = MFCC().set_output(transform="pandas").fit_transform(_noise())
    assert isinstance(frames, np.ndarray) and frames.ndim == 3


def test_feature_union_of_pooled_features_is_a_named_table():
    union = FeatureUnion(
        [("mfcc", make_pipeline(MFCC(n_mfcc=4), Pooling())),
         ("chroma", make_pipeline(Chroma(), Pooling(stats=("mean",)))),
         ("spectral", make_pipeline(SpectralFeatures(features=("rms",)), Pooling())),
         ("tempo", TempoFeatures())],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")  # fmt: skip
    table = union.fit_transform(_noise(3))
    assert isinstance(table, pd.DataFrame) and table.shape == (3, 8 + 12 + 2 + 18)
    assert {"mfcc_3_mean", "chroma_Eb_mean", "rms_std", "tempo"} <= set(table.columns)


def test_feature_union_keeps_the_index_of_a_table_of_paths(tmp_path):
    # Pooled parts started a new index while clip-level ones kept the table's: joined on
    # the index, the union gave twice the rows, and a ColumnTransformer with pandas output
    # beside a scaled metadata column failed.
    import soundfile as sf
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import StandardScaler

    from sklearn_music.pipelines import make_feature_union

    paths = []
    for i, y in enumerate(_noise(3)):
        paths.append(str(tmp_path / f"{i}.wav"))
        sf.write(paths[-1], y, SR)
    table = pd.DataFrame({"path": paths, "year": [1990.0, 2000.0, 1985.0]}, index=[10, 11, 12])
    union = make_feature_union(sr=SR, features=("mfcc", "tempo"))
    columns = ColumnTransformer([("audio", union, ["path"]), ("num", StandardScaler(), ["year"])])
    out = columns.set_output(transform="pandas").fit_transform(table)
    assert out.index.tolist() == [10, 11, 12]
    expected = clone(union).set_output(transform="pandas").fit_transform(paths)
    np.testing.assert_array_equal(out.iloc[:, :-1].to_numpy(), expected.to_numpy())
    assert expected.index.tolist() == [0, 1, 2]  # paths in a list: a new index


def test_frames_of_different_transformers_concatenate_with_their_names():
    X = _noise()
    parts = [MFCC(n_mfcc=3).fit_transform(X), Chroma().fit_transform(X)]
    frames = np.concatenate(parts, axis=1)
    assert frames.shape == (2, 15, parts[0].shape[2])
    assert list(frames.feature_names[[0, 3]]) == ["mfcc_0", "chroma_C"]
    assert Pooling().fit(frames).get_feature_names_out()[3] == "chroma_C_mean"
